"""The server launchers of ``tools.servers`` and Virtuoso's bulk-loader publish path."""

from __future__ import annotations

from pathlib import Path

import pytest

from claimgraph.queries.publish import StoreDump, graphs_from_store, publish
from claimgraph.queries.virtuoso_loader import VirtuosoLoader
from tools import servers
from claimgraph.ontology.errors import BackendError
from claimgraph.queries.store import GRAPH_PREFIX, RemoteBackend
from claimgraph.queries.run import ask

from .conftest import Server

pytestmark = pytest.mark.slow

STALE, FOREIGN = GRAPH_PREFIX + "article/withdrawn-article", "urn:someone-else:graph"


def test_a_missing_server_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(servers, "oxigraph_command", lambda: None)
    monkeypatch.setattr(servers.shutil, "which", lambda name: None)
    with pytest.raises(servers.Unavailable, match="pip install oxigraph"):
        with servers.LAUNCHERS["oxigraph-server"](tmp_path / "o"):
            pass
    with pytest.raises(servers.Unavailable, match="apt-get install virtuoso-opensource"):
        with servers.LAUNCHERS["virtuoso"](tmp_path / "v"):
            pass


@pytest.mark.parametrize("name", sorted(servers.LAUNCHERS))
def test_launchers_yield_a_ready_backend_and_stop_the_server(name: str, tmp_path: Path) -> None:
    try:
        with servers.LAUNCHERS[name](tmp_path / name) as remote:
            assert isinstance(remote, RemoteBackend)
            assert remote.ask("ASK {}", {}) is True
            assert remote.kind == {"oxigraph-server": "oxigraph"}.get(name, name)
            process = remote.server.process
    except servers.Unavailable as exc:
        pytest.skip(str(exc))
    assert process.poll() is not None  # stopped


def test_bulk_load_replaces_graphs_and_drops_stale_ones(virtuoso_server: Server, corpus_store: Path,
                                                        backend) -> None:
    local = {g.iri: len(g.triples) for g in graphs_from_store(corpus_store)}
    remote = RemoteBackend(virtuoso_server.endpoint, timeout=60)
    lines: list[str] = []
    report = publish(remote, graphs_from_store(corpus_store), loader=virtuoso_server.loader(), progress=lines.append)
    assert remote.graph_sizes() == local and not report.mismatched
    assert any("bulk loader" in line for line in lines)

    remote.update(f"INSERT DATA {{ GRAPH <{STALE}> {{ <urn:a> <urn:b> <urn:c> }} "
                  f"GRAPH <{FOREIGN}> {{ <urn:a> <urn:b> <urn:c> }} }}")
    try:
        again = publish(remote, StoreDump(corpus_store), loader=virtuoso_server.loader(),  # the whole store at once
                        progress=lines.append)
        assert again.dropped == [STALE] and again.graphs == local
        assert remote.graph_sizes() == local  # replaced, not added to
        assert remote.ask(f"ASK {{ GRAPH <{FOREIGN}> {{ ?s ?p ?o }} }}", {})  # not ours: untouched
    finally:
        remote.update(f"DROP SILENT GRAPH <{FOREIGN}>")
    headline = {"event": "azal-crash", "actor": "russia"}
    assert ask("attributions", headline, remote).as_json() == ask("attributions", headline, backend).as_json()
    # The loader's files are gone, and so are its entries in Virtuoso's load list.
    assert not any((virtuoso_server.folder / "load").iterdir())
    listed = virtuoso_server.loader().sql("SELECT 'CGCOUNT=' || CAST(COUNT(*) AS VARCHAR) FROM DB.DBA.load_list;")
    assert "CGCOUNT=0" in listed


def test_bulk_load_is_for_virtuoso_only(oxigraph_server: Server, corpus_store: Path) -> None:
    with pytest.raises(BackendError, match="bulk loader is Virtuoso's"):
        publish(oxigraph_server.endpoint, graphs_from_store(corpus_store), progress=lambda m: None,
                loader=VirtuosoLoader(isql_port=1, folder=oxigraph_server.folder))


def test_bench_bulk_load_of_the_oxigraph_server(tmp_path: Path, corpus_store: Path) -> None:
    local = {g.iri: len(g.triples) for g in graphs_from_store(corpus_store)}
    try:
        with servers.LAUNCHERS["oxigraph-server"](tmp_path / "o") as remote:
            report = servers.bulk_load_oxigraph(corpus_store, remote)
            assert remote.graph_sizes() == local == report.on_server
            process = remote.server.process  # started again after the load
    except servers.Unavailable as exc:
        pytest.skip(str(exc))
    assert process.poll() is not None


def test_claimgraph_publish_to_virtuoso_at_a_thousand_claims_twice(tmp_path: Path) -> None:
    """The real command with SPARQL Update, twice, on a corpus whose registry graph alone is
    over the size of one request Virtuoso accepts, and with the server already holding it."""
    from claimgraph.ingest.pipeline import ingest
    from tools.synthetic import write_corpus

    from .conftest import publish_cli

    write_corpus(tmp_path / "corpus", claims=1000, seed=1)
    store = tmp_path / "store"
    ingest(tmp_path / "corpus", store=store, progress=lambda message: None)
    local = {g.iri: len(g.triples) for g in graphs_from_store(store)}
    assert max(local.values()) > 2000
    try:
        with servers.LAUNCHERS["virtuoso"](tmp_path / "virtuoso", query_timeout=120) as remote:
            for _ in range(2):
                done = publish_cli(remote.endpoint, "--store", str(store))
                assert done.returncode == 0, done.stderr[-2000:]
                assert remote.graph_sizes() == local
    except servers.Unavailable as exc:
        pytest.skip(str(exc))
