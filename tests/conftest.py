"""Shared fixtures: the real embedded store, built once per session from the real corpus.

A test that builds or opens a store, starts a server or a browser, or runs Java (HermiT, the OWL
API) is marked ``slow``: ``make quick`` runs the others (``-m "not slow"``), ``make test`` all.
Tests that use the fixtures below are marked here, so a new one cannot forget it.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"

#: Fixtures that build or open a store, start a server, or run Java: whoever uses one is slow.
SLOW_FIXTURES = frozenset({"corpus_store", "backend", "client", "valid_store", "sparql_store_path", "remote",
                           "published", "oxigraph_server", "virtuoso_server", "served", "server", "built", "owlapi",
                           "hostile_store"})


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if SLOW_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def corpus_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The store built by the real ingestion path from the real corpus."""
    from claimgraph.ingest.pipeline import ingest
    store = tmp_path_factory.mktemp("corpus") / "store"
    ingest(CORPUS, store=store, progress=lambda message: None)
    return store


@pytest.fixture(scope="session")
def backend(corpus_store: Path):
    from claimgraph.queries.store.embedded import EmbeddedBackend
    return EmbeddedBackend(corpus_store)


@pytest.fixture(scope="session")
def client(corpus_store: Path):
    from fastapi.testclient import TestClient

    from claimgraph.api.app import create_app
    from claimgraph.queries.settings import Settings
    with TestClient(create_app(Settings(store=corpus_store, query_timeout=5.0))) as c:
        yield c


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def _serve(store: Path, cwd: Path | None = None) -> Iterator[str]:
    """``claimgraph serve`` (uvicorn) on 127.0.0.1 and a free port, run from ``cwd``; yields its URL."""
    import httpx
    port = _free_port()
    env = {**os.environ, "CLAIMGRAPH_SPARQL_WORKERS": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "claimgraph.api.cli", "serve", "--host", "127.0.0.1",
                             "--port", str(port), "--store", str(store)],
                            cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(url + "/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the server did not start: {proc.stderr.read().decode()[-2000:]}")
            time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="session")
def serve():
    """Start a real server: ``with serve(store, cwd=...) as url: ...``."""
    return _serve
