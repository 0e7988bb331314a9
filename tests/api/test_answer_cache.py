"""The answer cache: repeats on one store version come from memory, a new version invalidates it,
its bounds hold, and different requests never share an entry (``api/answer_cache.py``).

Whether the cache answered is read from the ``X-Answer-Cache`` header and the cache's counters,
never from timings. The store is the real corpus, built by the real ingestion path.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from claimgraph.api.app import create_app
from claimgraph.api.http_cache import CACHE_HEADER
from claimgraph.queries.settings import Settings
from tests.api.test_server_follows_store import add_article
from tests.conftest import CORPUS

pytestmark = pytest.mark.slow

HEADLINE = {"event": "azal-crash", "actor": "russia"}


@pytest.fixture
def app_on(corpus_store: Path) -> Iterator:
    """A client of an app on the corpus store with these settings: ``with app_on(**settings) as c``."""
    def make(**settings) -> TestClient:
        return TestClient(create_app(Settings(store=corpus_store, **settings)))
    return make


def test_a_repeat_is_served_from_the_cache_with_the_same_body_and_etag(app_on) -> None:
    with app_on() as c:
        cache = c.app.state.answer_cache
        first = c.get("/questions/attributions", params=HEADLINE)
        again = c.get("/questions/attributions", params=HEADLINE)
        assert first.status_code == again.status_code == 200
        assert (first.headers[CACHE_HEADER], again.headers[CACHE_HEADER]) == ("miss", "hit")
        assert again.content == first.content and again.json()["count"] >= 1
        for header in ("etag", "cache-control", "vary", "content-type", "content-length"):
            assert again.headers[header] == first.headers[header], header
        assert cache.hits == 1 and len(cache) == 1
        # A matching If-None-Match is still 304, before the cache; HEAD is answered from it.
        assert c.get("/questions/attributions", params=HEADLINE,
                     headers={"If-None-Match": first.headers["etag"]}).status_code == 304
        head = c.head("/questions/attributions", params=HEADLINE)
        assert head.status_code == 200 and head.content == b"" and head.headers[CACHE_HEADER] == "hit"
        assert head.headers["content-length"] == first.headers["content-length"]


def test_other_parameters_pages_and_formats_do_not_collide(app_on) -> None:
    with app_on() as c:
        requests = [("/questions/event-claims", {"event": "azal-crash", "limit": "2", "offset": str(offset)})
                    for offset in (0, 1, 2)]
        requests += [("/questions/event-claims", {"event": "azal-crash", "limit": "2", "format": "csv"}),
                     ("/questions/event-claims", {"event": "azal-crash", "limit": "3"}),
                     ("/questions/speaker", {"actor": "russia", "limit": "2"})]
        first = [c.get(path, params=params) for path, params in requests]
        assert [r.headers[CACHE_HEADER] for r in first] == ["miss"] * len(requests)
        assert len({r.content for r in first}) == len(requests)  # six different answers
        again = [c.get(path, params=params) for path, params in requests]
        assert [r.headers[CACHE_HEADER] for r in again] == ["hit"] * len(requests)
        assert [r.content for r in again] == [r.content for r in first]  # each its own
        # The parameters' order does not matter: one request, one entry.
        swapped = c.get("/questions/event-claims?offset=1&limit=2&event=azal-crash")
        assert swapped.headers[CACHE_HEADER] == "hit" and swapped.content == first[1].content


def test_errors_are_not_kept(app_on) -> None:
    with app_on() as c:
        for _ in range(2):
            missing = c.get("/questions/attributions", params={"event": "azal-crash", "actor": "nobody"})
            assert missing.status_code == 404 and CACHE_HEADER not in missing.headers
        assert len(c.app.state.answer_cache) == 0


def test_the_bounds_hold(app_on) -> None:
    with app_on(answer_cache_entries=2) as c:
        cache = c.app.state.answer_cache
        paths = [f"/questions/search?text=a&limit={n}" for n in (1, 2, 3)]
        for path in paths:
            assert c.get(path).headers[CACHE_HEADER] == "miss"
        assert len(cache) == 2
        assert c.get(paths[0]).headers[CACHE_HEADER] == "miss"  # the least recently used went
        assert c.get(paths[2]).headers[CACHE_HEADER] == "hit"
        assert len(cache) == 2
    with app_on(answer_cache_bytes=200) as c:  # any answer is larger: none is kept
        path = "/questions/search?text=kreml"
        assert len(c.get(path).content) > 200
        assert c.get(path).headers[CACHE_HEADER] == "miss" and len(c.app.state.answer_cache) == 0
        assert c.app.state.answer_cache.size == 0
    with app_on(answer_cache_entries=0) as c:  # off: no header, nothing kept
        assert CACHE_HEADER not in c.get("/questions/search?text=kreml").headers


def test_a_new_ingest_invalidates_the_cache_without_a_restart(tmp_path: Path) -> None:
    from claimgraph.ingest.pipeline import ingest
    corpus, store = tmp_path / "corpus", tmp_path / "data" / "store"
    shutil.copytree(CORPUS, corpus)
    ingest(corpus, store=store, progress=lambda message: None)
    with TestClient(create_app(Settings(store=store))) as c:
        cache = c.app.state.answer_cache
        before = c.get("/questions/articles")
        assert c.get("/questions/articles").headers[CACHE_HEADER] == "hit"
        add_article(corpus, "answer-cache-test-copy")
        ingest(corpus, store=store, progress=lambda message: None)
        after = c.get("/questions/articles")
        assert after.headers[CACHE_HEADER] == "miss" and after.headers["etag"] != before.headers["etag"]
        assert after.json()["total"] == before.json()["total"] + 1
        assert "answer-cache-test-copy" in {a["article"] for a in after.json()["results"]}
        assert len(cache) == 1  # the old version's answer was dropped
        assert c.get("/questions/articles").headers[CACHE_HEADER] == "hit"


def test_a_server_moves_what_it_holds_for_its_life_out_of_the_collectors_sight(corpus_store: Path) -> None:
    """``claimgraph serve`` builds its app with ``freeze``: once the store is open, what the process
    holds (modules, the question catalog) is frozen, so full collections do not walk it at every
    large answer. An app built without it (tests, embedding) leaves the collector as it is."""
    import gc

    gc.unfreeze()
    with TestClient(create_app(Settings(store=corpus_store))) as client:
        assert client.get("/questions/timeline").status_code == 200
        assert gc.get_freeze_count() == 0
    try:
        with TestClient(create_app(Settings(store=corpus_store), freeze=True)) as client:
            assert gc.get_freeze_count() > 10_000
            assert client.get("/questions/timeline").status_code == 200
    finally:
        gc.unfreeze()
