"""``claimgraph publish``, ``serve --endpoint`` and ``ask --endpoint`` on the real servers."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from claimgraph.api.app import create_app
from claimgraph.ontology.errors import ForbiddenQuery, QueryTimeout, ResultTruncated
from claimgraph.queries.publish import graphs_from_store
from claimgraph.queries.sandbox import QuerySandbox
from claimgraph.queries.settings import Settings
from claimgraph.queries.store import GRAPH_PREFIX, RemoteBackend

from .conftest import publish_cli

pytestmark = pytest.mark.slow

CORPUS = Path(__file__).resolve().parents[2] / "corpus"
HEADLINE = {"event": "azal-crash", "actor": "russia"}
REGISTRY = GRAPH_PREFIX + "registry"
EVENTS = ("PREFIX cg: <https://w3id.org/claimgraph/ontology#> "
          "SELECT ?slug ?label WHERE { ?e a cg:Event ; cg:slug ?slug ; <http://www.w3.org/2000/01/rdf-schema#label> ?label } "
          "ORDER BY STR(?slug)")


@pytest.fixture(scope="session")
def local_sizes(corpus_store: Path) -> dict[str, int]:
    return {g.iri: len(g.triples) for g in graphs_from_store(corpus_store)}


def test_publish_twice_leaves_each_graph_as_in_the_store(remote: RemoteBackend, corpus_store: Path,
                                                         local_sizes: dict[str, int]) -> None:
    assert remote.graph_sizes() == local_sizes  # the fixture published once
    again = publish_cli(remote.endpoint, "--store", str(corpus_store))
    assert again.returncode == 0, again.stderr
    assert remote.graph_sizes() == local_sizes  # replaced, not added to
    assert "published" in again.stderr and f"{len(local_sizes)} graphs" in again.stderr
    for iri, count in local_sizes.items():  # a progress line per graph
        assert f"{iri.removeprefix(GRAPH_PREFIX)}: {count} triples" in again.stderr


def test_publish_drops_stale_claimgraph_graphs_only(remote: RemoteBackend, corpus_store: Path,
                                                    local_sizes: dict[str, int]) -> None:
    stale, foreign = GRAPH_PREFIX + "article/withdrawn-article", "urn:someone-else:graph"
    remote.update(f"INSERT DATA {{ GRAPH <{stale}> {{ <urn:a> <urn:b> <urn:c> }} "
                  f"GRAPH <{foreign}> {{ <urn:a> <urn:b> <urn:c> }} }}")
    try:
        done = publish_cli(remote.endpoint, "--store", str(corpus_store))
        assert done.returncode == 0, done.stderr
        assert "dropped article/withdrawn-article" in done.stderr
        assert remote.graph_sizes() == local_sizes
        assert remote.ask(f"ASK {{ GRAPH <{foreign}> {{ ?s ?p ?o }} }}", {})  # not ours: untouched
    finally:
        remote.update(f"DROP SILENT GRAPH <{foreign}>")


def test_publish_from_the_corpus_folder_gives_the_same_graphs(remote: RemoteBackend,
                                                               local_sizes: dict[str, int]) -> None:
    done = publish_cli(remote.endpoint, str(CORPUS))
    assert done.returncode == 0, done.stderr
    assert remote.graph_sizes() == local_sizes


def test_a_published_server_holds_the_derived_graphs(remote: RemoteBackend, corpus_store: Path,
                                                     local_sizes: dict[str, int]) -> None:
    """The facts derived at ingestion (ontology/rules/) go to the server with the rest: one derived
    graph per article, each with the store's triples, and the same answer to a derived fact."""
    from claimgraph.queries.store import EmbeddedBackend
    derived = {iri: n for iri, n in local_sizes.items() if iri.startswith(GRAPH_PREFIX + "derived/")}
    articles = [iri for iri in local_sizes if iri.startswith(GRAPH_PREFIX + "article/")]
    assert len(derived) == len(articles) and all(derived.values())
    assert {iri: remote.graph_sizes().get(iri) for iri in derived} == derived
    query = ("PREFIX cg: <https://w3id.org/claimgraph/ontology#> SELECT ?claim ?stance WHERE { "
             "?claim cg:speaksFor <https://w3id.org/claimgraph/id/actor/russia> ; cg:stance ?stance } "
             "ORDER BY STR(?claim)")
    local = EmbeddedBackend(corpus_store).select(query, {})[1]
    assert local and remote.select(query, {})[1] == local


def test_publish_refuses_a_store_and_a_corpus_at_once(remote: RemoteBackend, corpus_store: Path) -> None:
    done = publish_cli(remote.endpoint, str(CORPUS), "--store", str(corpus_store))
    assert done.returncode == 1 and "not both" in done.stderr


def test_ask_with_endpoint_answers_as_the_store(remote: RemoteBackend, corpus_store: Path) -> None:
    def run(*where: str) -> Any:
        done = subprocess.run([sys.executable, "-m", "claimgraph.api.cli", "ask", "attributions",
                               "--event", "azal-crash", "--actor", "russia", "--format", "json", *where],
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)
    assert run("--endpoint", remote.endpoint) == run("--store", str(corpus_store))


@pytest.fixture
def served(remote: RemoteBackend) -> Any:
    with TestClient(create_app(Settings(endpoint=remote.endpoint, query_timeout=30, max_rows=50))) as c:
        yield c


def test_serve_endpoint_answers_the_headline_as_the_store(served: TestClient, client: TestClient,
                                                          remote: RemoteBackend) -> None:
    health = served.get("/health").json()
    assert health == {"status": "ok", "backend": "remote", "store": remote.endpoint,
                      "endpoint": remote.endpoint, "server": remote.kind, "version": None}  # a server has none
    got = served.get("/questions/attributions", params=HEADLINE)
    assert got.status_code == 200, got.text
    assert got.json() == client.get("/questions/attributions", params=HEADLINE).json()
    assert got.json()["count"] >= 1
    missing = served.get("/questions/attributions", params={"event": "azal-crash", "actor": "no-such-actor"})
    assert missing.status_code == 404


def test_answers_from_a_server_get_a_body_etag_and_no_cache(served: TestClient) -> None:
    """A server has no store version (anyone may publish to it): the ETag is the digest of the
    body and clients must ask again (no-cache); a matching If-None-Match still saves the transfer."""
    r = served.get("/questions/attributions", params=HEADLINE)
    assert r.headers["cache-control"] == "no-cache"
    assert r.headers["etag"] == f'"{hashlib.sha256(r.content).hexdigest()[:32]}"'
    again = served.get("/questions/attributions", params=HEADLINE, headers={"If-None-Match": r.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    # Nor does the answer cache keep anything: the server's data may change under us.
    repeat = served.get("/questions/attributions", params=HEADLINE)
    assert repeat.status_code == 200 and "x-answer-cache" not in repeat.headers
    assert len(served.app.state.answer_cache) == 0 and served.app.state.answer_cache.hits == 0


def test_sparql_over_a_remote_server_answers_as_the_store(served: TestClient, client: TestClient) -> None:
    for accept in ("application/sparql-results+json", "text/csv"):
        remote_answer = served.post("/sparql", data={"query": EVENTS}, headers={"Accept": accept})
        local_answer = client.post("/sparql", data={"query": EVENTS}, headers={"Accept": accept})
        assert remote_answer.status_code == 200, remote_answer.text
        if accept == "text/csv":
            assert remote_answer.text == local_answer.text
        else:
            assert remote_answer.json() == local_answer.json()
    # The dataset may name the server's claimgraph graphs.
    own = served.post("/sparql", data={"query": f"ASK FROM <{REGISTRY}> {{ ?s ?p ?o }}"})
    assert own.status_code == 200 and own.json()["boolean"] is True
    graph = served.get("/sparql", params={"query": f"CONSTRUCT {{ ?s a ?t }} WHERE {{ GRAPH <{REGISTRY}> {{ ?s a ?t }} }}"},
                       headers={"Accept": "application/n-triples"})
    assert graph.status_code == 200 and graph.headers.get("X-Claimgraph-Truncated") == "max-rows=50"
    assert graph.text.count("\n") == 50


@pytest.mark.parametrize(("how", "request_args"), [
    ("update parameter", {"data": {"update": "DROP ALL"}}),
    ("update body", {"content": b"DROP ALL", "headers": {"Content-Type": "application/sparql-update"}}),
    ("update as a query", {"data": {"query": "DROP ALL"}}),
    ("insert as a query", {"data": {"query": "INSERT DATA { GRAPH <urn:x> { <urn:a> <urn:b> <urn:c> } }"}}),
    ("load", {"data": {"query": "LOAD <http://example.org/data.ttl>"}}),
    ("service", {"data": {"query": "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }"}}),
    ("foreign graph", {"data": {"query": "SELECT * FROM <urn:someone-else:graph> WHERE { ?s ?p ?o }"}}),
    ("virtuoso file read", {"data": {"query": "PREFIX b: <bif:> SELECT (b:file_to_string('virtuoso.ini') AS ?x) {}"}}),
    ("virtuoso procedure", {"data": {"query": "SELECT ?x WHERE { ?x <sql:DB.DBA.USER_CREATE> ?y }"}}),
    ("extension function", {"data": {"query": "SELECT (<urn:fn>(1) AS ?x) {}"}}),
])
def test_sparql_over_a_remote_server_refuses_writes_and_escapes(served: TestClient, remote: RemoteBackend,
                                                                local_sizes: dict[str, int], how: str,
                                                                request_args: dict[str, Any]) -> None:
    answer = served.post("/sparql", **request_args)
    # An unknown function is the client's mistake (400) on every store; the rest are refused (403).
    expected = 400 if how == "extension function" else 403
    assert answer.status_code == expected, f"{how}: {answer.status_code} {answer.text}"
    assert remote.graph_sizes() == local_sizes


def test_virtuoso_row_cap_is_reported_not_silently_cut(remote: RemoteBackend) -> None:
    if remote.kind != "virtuoso":
        pytest.skip("only Virtuoso caps rows silently")
    pairs = f"SELECT ?a ?b WHERE {{ GRAPH <{REGISTRY}> {{ ?a ?p ?o }} GRAPH <{REGISTRY}> {{ ?b ?q ?r }} }}"
    with pytest.raises(ResultTruncated, match="row cap of 10000"):
        remote.select(pairs, {})
    with QuerySandbox(RemoteBackend(remote.endpoint, timeout=30), workers=1, timeout_s=30, max_rows=20_000) as proxy:
        result = proxy.run(pairs, media_type="text/csv")
    assert result.truncated and result.body.count(b"\n") == 10_001


def test_remote_sparql_guard_runs_before_the_server(remote: RemoteBackend) -> None:
    with QuerySandbox(RemoteBackend(remote.endpoint, timeout=30), workers=1, timeout_s=30) as proxy:
        with pytest.raises(ForbiddenQuery):
            proxy.inspect("CLEAR ALL", max_length=1000)
        info = proxy.inspect(f"SELECT * FROM NAMED <{REGISTRY}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}", max_length=1000)
        assert info.from_named_graphs == (REGISTRY,)


def test_oxigraph_server_cancelled_answer_is_a_timeout(tmp_path: Path) -> None:
    """A real Oxigraph server with --timeout-s cuts its streamed JSON after HTTP 200."""
    from .conftest import Server, free_port, oxigraph_command, stop, wait_ready
    command = oxigraph_command()
    if command is None:
        pytest.skip("oxigraph is not installed")
    port = free_port()
    log = tmp_path / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen([command, "serve", "--location", str(tmp_path / "db"), "--bind",
                                    f"127.0.0.1:{port}", "--timeout-s", "1"], stdout=out, stderr=subprocess.STDOUT)
    server = Server("oxigraph", f"http://127.0.0.1:{port}/query", tmp_path, process, log)
    try:
        wait_ready(server)
        backend = RemoteBackend(server.endpoint, timeout=60)
        body = "".join(f"<urn:s{i}> <urn:p> \"{i}\" .\n" for i in range(400)).encode()
        backend.put_graph(GRAPH_PREFIX + "filler", body)
        with pytest.raises(QueryTimeout, match="cancelled"):
            backend.select("SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }", {})
    finally:
        stop(process)
