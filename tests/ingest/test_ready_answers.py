"""Answers kept ready with each version (``queries/ready.py``): made at ingest, full or
incremental, equal byte for byte to the answer built on request, sent as they are by the API, and
never written into the version a change is made from."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from claimgraph.api.app import create_app
from claimgraph.ingest.pipeline import ingest
from claimgraph.queries import ready
from claimgraph.queries.run import ask, prepare
from claimgraph.queries.settings import Settings, get_settings
from claimgraph.queries.store.embedded import EmbeddedBackend
from tests.ingest.test_incremental import corpus, quiet, set_field

__all__ = ["corpus"]  # the fixture

HEADLINE = {"event": "azal-crash", "actor": "russia"}
TIMELINE = {"limit": "5"}


@pytest.fixture
def specs(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The headline (the default) and a tallied question's page, as the setting gives them."""
    monkeypatch.setenv("CLAIMGRAPH_READY_ANSWERS", "attributions?event=azal-crash&actor=russia timeline?limit=5")
    get_settings.cache_clear()
    yield
    monkeypatch.undo()
    get_settings.cache_clear()


def _kept(store: Path, name: str, params: dict[str, str]) -> tuple[bytes | None, bytes]:
    """What the version keeps ready for the question, and the answer built on request."""
    backend = EmbeddedBackend(store)
    try:
        prepared = prepare(name, params, backend)
        return ready.ready_answer(prepared, backend), ready.render_json(ask(name, params, backend).as_json())
    finally:
        backend.close()


def _meta(store: Path) -> Path:
    return store.parent / (os.readlink(store) + ".meta")


@pytest.mark.slow
def test_ready_answers_equal_the_built_ones_after_a_full_and_an_incremental_ingest(
        corpus: Path, tmp_path: Path, specs: None) -> None:
    store = tmp_path / "store"
    ingest(corpus, store=store, **quiet)
    # Given or left out, a parameter at its default names the same answer; the echo follows the request.
    for name, params in (("attributions", HEADLINE), ("attributions", {**HEADLINE, "limit": "100"}),
                         ("timeline", TIMELINE), ("timeline", {**TIMELINE, "offset": "0"})):
        kept, built = _kept(store, name, params)
        assert kept == built and b'"results"' in kept
    assert _kept(store, "timeline", {"limit": "6"})[0] is None
    base = _meta(store) / ready.FILE
    before = base.read_bytes()
    # A claim of the headline said in other words: its answer changes with the next version.
    set_field(corpus / "articles" / "massis-post-2025-baku-moscow-rift.yaml",
              "blames Moscow for bringing down its airliner", "holds Moscow to account for downing its airliner")
    assert ingest(corpus, store=store, **quiet).mode == "incremental"
    kept, built = _kept(store, "attributions", HEADLINE)
    assert kept == built and b"holds Moscow to account" in kept
    assert base.read_bytes() == before  # the version the change was made from keeps its own


@pytest.mark.slow
def test_the_api_sends_the_kept_answer_and_builds_the_others(corpus: Path, tmp_path: Path, specs: None) -> None:
    store = tmp_path / "store"
    ingest(corpus, store=store, **quiet)
    meta = _meta(store)
    kept, built = _kept(store, "attributions", HEADLINE)
    with TestClient(create_app(Settings(store=store))) as client:
        assert client.get("/questions/attributions", params=HEADLINE).content == kept == built
        other = client.get("/questions/attributions", params={**HEADLINE, "limit": "1"})
        assert other.status_code == 200 and other.json()["limit"] == 1
        assert client.get("/questions/attributions", params={**HEADLINE, "format": "csv"}).headers[
            "content-type"].startswith("text/csv")
    # What the API sends is the file's: a version whose kept answer differs is answered with it.
    os.chmod(meta / ready.FILE, 0o644)
    import sqlite3
    with sqlite3.connect(meta / ready.FILE) as db:
        db.execute("UPDATE answers SET body = ? WHERE key LIKE '[\"attributions\"%'", (b'{"kept":true}',))
    with TestClient(create_app(Settings(store=store))) as client:
        assert client.get("/questions/attributions", params=HEADLINE).json() == {
            "question": "attributions", "params": HEADLINE, "kept": True}


@pytest.mark.slow
def test_a_store_named_relatively_sends_its_kept_answer(corpus: Path, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """As `make serve` names it (data/store, from the project's folder)."""
    monkeypatch.chdir(tmp_path)
    ingest(corpus, store=Path("data/store"), **quiet)
    kept, built = _kept(Path("data/store"), "attributions", HEADLINE)
    with TestClient(create_app(Settings(store=Path("data/store")))) as client:
        assert client.get("/questions/attributions", params=HEADLINE).content == kept == built
        assert client.get("/questions/timeline", params={"limit": "3"}).json()["count"] == 3


@pytest.mark.slow
def test_a_ready_answer_naming_nothing_is_left_out_and_the_ingest_goes_on(
        corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setenv("CLAIMGRAPH_READY_ANSWERS", "attributions?event=azal-crash&actor=nobody nosuch?x=1 "
                                                   "attributions?event=azal-crash&actor=russia&colour=red")
    get_settings.cache_clear()
    try:
        store = tmp_path / "store"
        assert ingest(corpus, store=store, **quiet).written
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
    warned = [r.getMessage() for r in caplog.records if "ready answer" in r.getMessage()]
    assert len(warned) == 3 and "nobody" in warned[0] and "nosuch" in warned[1] and "colour" in warned[2]
    assert _kept(store, "attributions", HEADLINE)[0] is None  # built on request instead


def test_the_setting_is_checked_when_read() -> None:
    assert Settings(ready_answers="none").ready_answers == ()
    assert Settings(ready_answers="a?x=1  b").ready_answers == ("a?x=1", "b")
    with pytest.raises(ValidationError, match="question\\?name=value"):
        Settings(ready_answers="http://elsewhere/attributions?event=x")
    with pytest.raises(ValidationError, match="not name=value pairs"):
        Settings(ready_answers="attributions?event")
