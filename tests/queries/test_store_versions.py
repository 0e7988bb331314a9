"""The embedded backend's version (what ETags and caches key on) and its data stay together when
ingestion links a new version: a backend follows the link, and one pinned (one request) keeps the
version it pinned, whatever is linked meanwhile."""

from __future__ import annotations

import os
from pathlib import Path

import pyoxigraph as ox
import pytest

from claimgraph.queries.store.embedded import EmbeddedBackend
from claimgraph.queries.store.versions import VersionWriter

ASK = "ASK { ?s <https://example.org/p> ?o }"


def replace_store(store: Path, value: str, digest: str) -> str:
    """A new version holding one quad, linked; its name."""
    nquads = f'<https://example.org/s> <https://example.org/p> "{value}" <https://example.org/g> .\n'.encode()
    with VersionWriter(store) as writer:
        build = writer.new_version()
        build.store().load(nquads, format=ox.RdfFormat.N_QUADS)
        return build.commit(digest).name


def _value(backend: EmbeddedBackend) -> str:
    _, rows = backend.select("SELECT ?o WHERE { ?s <https://example.org/p> ?o }")
    return rows[0]["o"].value


@pytest.mark.slow
def test_a_backend_follows_the_link_and_a_pinned_one_keeps_its_version(tmp_path: Path) -> None:
    store = tmp_path / "store"
    one = replace_store(store, "one", "aaa")
    backend = EmbeddedBackend(store)
    pinned = backend.pin()
    assert backend.version() == pinned.version() == one == os.readlink(store)
    two = replace_store(store, "two", "bbb")  # the link now points at the new version
    assert pinned.version() == one and _value(pinned) == "one"  # what it reads, what it says
    assert backend.version() == two and _value(backend) == "two"  # the next call follows
    assert backend.pin(one).version() == one and _value(backend.pin(one)) == "one"  # a /sparql worker's
    assert _value(backend.opener()()) == "two"


@pytest.mark.slow
def test_a_plain_folder_or_a_store_in_memory_has_no_version(tmp_path: Path) -> None:
    store = tmp_path / "store"
    replace_store(store, "one", "aaa")
    plain = EmbeddedBackend(Path(os.path.realpath(store)))
    assert plain.version() is None and plain.ask(ASK)
    assert EmbeddedBackend.from_store(plain.store).version() is None


def _actor_version(store: Path, label: str, digest: str) -> str:
    """A new version holding one actor (a state) named ``label``, linked; its name."""
    actor, cg = "<https://w3id.org/claimgraph/id/actor/russia>", "https://w3id.org/claimgraph/ontology#"
    graph = "<https://w3id.org/claimgraph/graph/registry>"
    nquads = (f'{actor} <{cg}slug> "russia" {graph} .\n'
              f'{actor} <http://www.w3.org/2000/01/rdf-schema#label> "{label}" {graph} .\n'
              f'{actor} <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{cg}State> {graph} .\n').encode()
    with VersionWriter(store) as writer:
        build = writer.new_version()
        build.store().load(nquads, format=ox.RdfFormat.N_QUADS)
        return build.commit(digest).name


@pytest.mark.slow
def test_the_actors_cards_are_kept_per_version(tmp_path: Path) -> None:
    """Cards are looked up once per version and process (``Backend.memo``): a backend that
    follows the link to a new version sees the new cards, a pinned one keeps its version's, and a
    card handed out can be changed without changing the kept one."""
    from claimgraph.queries.details import actors
    store = tmp_path / "store"
    _actor_version(store, "One", "aaa")
    backend = EmbeddedBackend(store)
    pinned = backend.pin()
    first = actors(["russia", "nobody"], backend)
    assert first["russia"]["label"] == "One" and "nobody" not in first
    first["russia"]["label"] = "changed by a caller"
    assert actors(["russia"], backend)["russia"]["label"] == "One"
    assert set(backend.memo("actor-cards")) == {"russia", "nobody"}  # found and not found, both kept
    _actor_version(store, "Two", "bbb")
    assert actors(["russia"], backend)["russia"]["label"] == "Two"
    assert actors(["russia"], pinned)["russia"]["label"] == "One"
    assert EmbeddedBackend(store.parent / os.readlink(store)).memo("actor-cards") is None  # a plain folder
