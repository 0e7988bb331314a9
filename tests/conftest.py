"""Shared fixtures: the real embedded store, built once per session from the real corpus."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"


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
