"""Shared fixtures: the real embedded store, built once per session from the real corpus.

A test that builds or opens a store, starts a server or a browser, or runs Java (HermiT, the OWL
API) is marked ``slow``: ``make quick`` runs the others (``-m "not slow"``), ``make test`` all.
Tests that use the fixtures below are marked here, so a new one cannot forget it.
"""

from __future__ import annotations

import tempfile
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


@contextmanager
def _serve(store: Path, cwd: Path | None = None) -> Iterator[str]:
    """``claimgraph serve`` (uvicorn) on 127.0.0.1 and a free port, run from ``cwd``; yields its URL."""
    from tools.live_server import live_server
    with tempfile.TemporaryDirectory(prefix="claimgraph-serve-") as folder, \
            live_server(store, Path(folder), env={"CLAIMGRAPH_SPARQL_WORKERS": "1"}, cwd=cwd) as server:
        yield server.url


@pytest.fixture(scope="session")
def serve():
    """Start a real server: ``with serve(store, cwd=...) as url: ...``."""
    return _serve
