"""The embedded backend reads the version it opened, and says so: its ``version()`` (what ETags and
caches key on) and its data stay together when ingestion swaps the store's link."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from claimgraph.queries.store.embedded import EmbeddedBackend
from claimgraph.queries.store.versions import replace_store

ASK = "ASK { ?s <https://example.org/p> ?o }"


def _nquads(value: str) -> bytes:
    return f'<https://example.org/s> <https://example.org/p> "{value}" <https://example.org/g> .\n'.encode()


def _value(backend: EmbeddedBackend) -> str:
    _, rows = backend.select("SELECT ?o WHERE { ?s <https://example.org/p> ?o }")
    return rows[0]["o"].value


@pytest.mark.slow
def test_an_open_backend_keeps_the_version_it_opened(tmp_path: Path) -> None:
    store = tmp_path / "store"
    replace_store(store, _nquads("one"), "aaa")
    first = EmbeddedBackend(store)
    assert first.version() == ".store.v-aaa" == os.path.basename(os.path.realpath(store))
    replace_store(store, _nquads("two"), "bbb")  # the link now points at the new version
    assert first.version() == ".store.v-aaa" and _value(first) == "one"  # what it reads, what it says
    assert _value(first.opener()()) == "one"  # so do the /sparql workers it opens
    second = EmbeddedBackend(store)
    assert second.version() == ".store.v-bbb" and _value(second) == "two"


@pytest.mark.slow
def test_a_plain_folder_or_a_store_in_memory_has_no_version(tmp_path: Path) -> None:
    store = tmp_path / "store"
    replace_store(store, _nquads("one"), "aaa")
    plain = EmbeddedBackend(Path(os.path.realpath(store)))
    assert plain.version() is None and plain.ask(ASK)
    assert EmbeddedBackend.from_store(plain.store).version() is None
