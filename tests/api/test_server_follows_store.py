"""A running server follows the store: after an ingest, every route answers from the new version.

A real uvicorn server (``claimgraph serve``, with its ``/sparql`` worker processes) runs on a
copy of the real corpus; ``claimgraph ingest`` runs beside it as a separate process, as an
operator would run it.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import CORPUS

pytestmark = pytest.mark.slow

CLI = [sys.executable, "-m", "claimgraph.api.cli"]
NEW = "growth-test-copy"
ARTICLES = ("PREFIX cg: <https://w3id.org/claimgraph/ontology#> "
            "SELECT (COUNT(DISTINCT ?a) AS ?n) WHERE { ?a a cg:Article }")


def _ingest(corpus: Path, store: Path, *extra: str) -> None:
    done = subprocess.run([*CLI, "ingest", str(corpus), "--store", str(store), *extra], capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def add_article(corpus: Path, slug: str) -> None:
    """A copy of the first article under a new slug (a new file, a new named graph)."""
    source = sorted((corpus / "articles").glob("*.yaml"))[0]
    text = source.read_text(encoding="utf-8")
    old = next(line.split(":", 1)[1].strip() for line in text.splitlines() if line.strip().startswith("slug:"))
    (corpus / "articles" / f"{slug}.yaml").write_text(text.replace(f"slug: {old}", f"slug: {slug}", 1),
                                                       encoding="utf-8")


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[httpx.Client, Path, Path]]:
    corpus, store = tmp_path / "corpus", tmp_path / "data" / "store"
    shutil.copytree(CORPUS, corpus)
    _ingest(corpus, store)
    port = _free_port()
    env = {**os.environ, "CLAIMGRAPH_SPARQL_WORKERS": "2"}
    server = subprocess.Popen([*CLI, "serve", "--port", str(port), "--store", str(store)], env=env,
                              stdout=subprocess.DEVNULL, stderr=(tmp_path / "serve.log").open("w"), text=True)
    client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30)
    try:
        for _ in range(300):
            try:
                client.get("/health").raise_for_status()
                break
            except httpx.TransportError:
                assert server.poll() is None, (tmp_path / "serve.log").read_text()[-2000:]
                time.sleep(0.1)
        yield client, corpus, store
    finally:
        client.close()
        server.terminate()
        server.wait(20)


def sparql_count(client: httpx.Client, query: str = ARTICLES) -> int:
    response = client.post("/sparql", data={"query": query}, headers={"Accept": "application/sparql-results+json"})
    response.raise_for_status()
    return int(response.json()["results"]["bindings"][0]["n"]["value"])


def on_new_version(client: httpx.Client, store: Path, articles: int) -> list[str]:
    """What does not yet answer from the store's linked version (empty when every route does)."""
    linked = os.readlink(store)
    late = []
    health = client.get("/health").json()
    if health.get("version") != linked or health.get("status") != "ok":
        late.append(f"/health {health}")
    counts = {sparql_count(client) for _ in range(6)}  # every worker, more than once
    if counts != {articles}:
        late.append(f"/sparql {counts}")
    if client.get("/questions/article-claims", params={"article": NEW}).status_code != 200:
        late.append("/questions")
    export = client.get("/export", params={"format": "nquads"})
    if f"/graph/article/{NEW}>".encode() not in export.content:
        late.append("/export")
    return late


def test_every_route_answers_from_the_new_version_within_a_second(served) -> None:
    """Issue: a running server kept answering from the version it opened (even once pruned), and
    /sparql workers alternated old and new answers."""
    client, corpus, store = served
    first = client.get("/health").json()
    assert first["version"] == os.readlink(store)
    assert {sparql_count(client) for _ in range(6)} == {5}
    assert client.get("/questions/article-claims", params={"article": NEW}).status_code == 404
    cached = [client.get("/questions/articles").headers.get("x-answer-cache") for _ in range(2)]
    assert cached == ["miss", "hit"]  # the answer cache serves the repeat

    seen: list[int] = []
    errors: list[str] = []
    stop = threading.Event()

    def watch() -> None:  # /sparql all along: the answers move from old to new once, never back
        while not stop.is_set():
            try:
                seen.append(sparql_count(client))
            except Exception as exc:  # noqa: BLE001 - collected and asserted below
                errors.append(repr(exc))

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        add_article(corpus, NEW)
        _ingest(corpus, store)
        late = on_new_version(client, store, 6)  # the first requests after the ingest
    finally:
        stop.set()
        watcher.join(30)
    assert late == []  # every route answered from the new version at once (so within a second)
    after = client.get("/questions/articles")  # not from the cache: a new version, a new answer
    assert after.headers["x-answer-cache"] == "miss" and after.json()["total"] == 6
    assert errors == []
    assert 5 in seen and 6 in seen and seen == sorted(seen), seen[-40:]

    # The version the server opened first is let go, pruned by a later ingest, and the server
    # goes on answering from the linked one (never from a deleted folder).
    _ingest(corpus, store, "--force")
    _ingest(corpus, store, "--force")
    assert not (store.parent / first["version"]).exists(), _holders(store.parent / first["version"])
    assert on_new_version(client, store, 6) == []
    assert (store.parent / client.get("/health").json()["version"]).is_dir()


def _holders(version: Path) -> list[str]:
    """The processes that hold a version open (its readers file), for a failure's message."""
    readers = str(version) + ".meta/readers"
    found = []
    for proc in Path("/proc").iterdir():
        try:
            if any(os.readlink(fd) == readers for fd in (proc / "fd").iterdir()):
                found.append(f"{proc.name}: " + (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()[:120])
        except OSError:
            continue
    return found
