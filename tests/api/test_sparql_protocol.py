"""/sparql end to end: a real Oxigraph store on disk, real worker processes, no mocks."""

from __future__ import annotations

import csv
import io
import json
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from fastapi import FastAPI
from fastapi.testclient import TestClient
from rdflib.compare import isomorphic

from claimgraph.api import errors
from claimgraph.api.sparql_protocol import sparql_router
from claimgraph.ontology.errors import ForbiddenQuery
from claimgraph.queries.sandbox import QuerySandbox
from claimgraph.queries.store import EmbeddedBackend

pytestmark = pytest.mark.slow

EX = "http://example.org/"
G1 = "http://example.org/graph/article-1"
G2 = "http://example.org/graph/article-2"
FILLER = 3000
MAX_ROWS = 100
MAX_LENGTH = 5000
XSD_INTEGER = "http://www.w3.org/2001/XMLSchema#integer"

G1_TURTLE = """
@prefix ex: <http://example.org/> .
ex:alice ex:name "Alice"@en ; ex:age 42 ; ex:knows ex:bob .
ex:bob ex:name "Bob"@en ; ex:age 37 .
"""
PEOPLE = ("PREFIX ex: <http://example.org/> SELECT ?person ?name ?age "
          "WHERE { ?person ex:name ?name ; ex:age ?age } ORDER BY ?name")
PEOPLE_ROWS = [
    {"person": EX + "alice", "name": "Alice", "age": "42"},
    {"person": EX + "bob", "name": "Bob", "age": "37"},
]
G1_CONSTRUCT = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{G1}> {{ ?s ?p ?o }} }}"
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
RESULTS_JSON = "application/sparql-results+json"


@pytest.fixture(scope="session")
def sparql_store_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store with two named graphs: a few people in G1 and FILLER numbered items in G2."""
    path = tmp_path_factory.mktemp("sparql") / "store"
    store = ox.Store(str(path))
    store.load(G1_TURTLE.encode(), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(G1))
    value = ox.NamedNode(EX + "value")
    store.extend(ox.Quad(ox.NamedNode(f"{EX}item/{i}"), value, ox.Literal(str(i), datatype=ox.NamedNode(XSD_INTEGER)),
                         ox.NamedNode(G2)) for i in range(FILLER))
    store.flush()
    del store
    return path


def make_client(sandbox: QuerySandbox) -> TestClient:
    app = FastAPI()
    errors.register(app)
    app.include_router(sparql_router(lambda: sandbox, max_query_length=MAX_LENGTH))
    return TestClient(app)


@pytest.fixture(scope="module")
def sandbox(sparql_store_path: Path) -> Iterator[QuerySandbox]:
    with QuerySandbox(EmbeddedBackend(sparql_store_path), workers=2, timeout_s=2.0, max_rows=MAX_ROWS) as sandbox:
        yield sandbox


@pytest.fixture(scope="module")
def client(sandbox: QuerySandbox) -> TestClient:
    return make_client(sandbox)


def store_dump(path: Path) -> list[str]:
    store = ox.Store.read_only(str(path))
    return sorted(str(quad) for quad in store)


# -- answers in every format -------------------------------------------------------------------


def rows_from_json(body: bytes) -> list[dict[str, str]]:
    data = json.loads(body)
    assert data["head"]["vars"] == ["person", "name", "age"]
    first = data["results"]["bindings"][0]
    assert first["name"] == {"type": "literal", "value": "Alice", "xml:lang": "en"}
    assert first["age"]["datatype"] == XSD_INTEGER
    return [{k: v["value"] for k, v in b.items()} for b in data["results"]["bindings"]]


def rows_from_xml(body: bytes) -> list[dict[str, str]]:
    ns = {"r": "http://www.w3.org/2005/sparql-results#"}
    root = ET.fromstring(body)
    assert [v.get("name") for v in root.findall("r:head/r:variable", ns)] == ["person", "name", "age"]
    return [{b.get("name"): b[0].text for b in result.findall("r:binding", ns)}
            for result in root.findall("r:results/r:result", ns)]


def rows_from_csv(body: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(body.decode())))


def rows_from_tsv(body: bytes) -> list[dict[str, str]]:
    header, *lines = body.decode().splitlines()
    assert header.split("\t") == ["?person", "?name", "?age"]
    rows = [dict(zip(("person", "name", "age"), line.split("\t"))) for line in lines]
    assert rows[0] == {"person": f"<{EX}alice>", "name": '"Alice"@en', "age": "42"}
    return [{"person": r["person"].strip("<>"), "name": r["name"].split('"')[1], "age": r["age"]}
            for r in rows]


@pytest.mark.parametrize(("accept", "media_type", "parse"), [
    (RESULTS_JSON, RESULTS_JSON, rows_from_json),
    ("application/sparql-results+xml", "application/sparql-results+xml", rows_from_xml),
    ("text/csv", "text/csv", rows_from_csv),
    ("text/tab-separated-values", "text/tab-separated-values", rows_from_tsv),
], ids=["json", "xml", "csv", "tsv"])
def test_select_in_each_results_format(client: TestClient, accept: str, media_type: str, parse) -> None:
    response = client.get("/sparql", params={"query": PEOPLE}, headers={"Accept": accept})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith(media_type)
    assert "x-claimgraph-truncated" not in response.headers
    assert parse(response.content) == PEOPLE_ROWS


def test_select_defaults_to_json_over_the_union_of_graphs(client: TestClient) -> None:
    response = client.get("/sparql", params={"query": "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }"})
    assert response.headers["content-type"] == RESULTS_JSON
    assert response.json()["results"]["bindings"][0]["n"]["value"] == str(FILLER + 5)


@pytest.mark.parametrize(("query", "expected"), [
    (f"ASK {{ <{EX}alice> <{EX}knows> <{EX}bob> }}", True),
    (f"ASK {{ <{EX}bob> <{EX}knows> <{EX}alice> }}", False),
])
def test_ask(client: TestClient, query: str, expected: bool) -> None:
    response = client.get("/sparql", params={"query": query})
    assert response.status_code == 200
    assert response.json() == {"head": {}, "boolean": expected}
    xml = client.get("/sparql", params={"query": query, "format": "xml"})
    assert ET.fromstring(xml.content)[1].text == str(expected).lower()


@pytest.mark.parametrize(("accept", "rdflib_format"), [
    ("text/turtle", "turtle"),
    ("application/n-triples", "nt"),
    ("application/ld+json", "json-ld"),
])
def test_construct_in_each_graph_format(client: TestClient, accept: str, rdflib_format: str) -> None:
    response = client.get("/sparql", params={"query": G1_CONSTRUCT}, headers={"Accept": accept})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith(accept)
    got = rdflib.Graph().parse(data=response.content, format=rdflib_format)
    assert isomorphic(got, rdflib.Graph().parse(data=G1_TURTLE, format="turtle"))


def test_construct_defaults_to_turtle_with_the_querys_prefixes(client: TestClient) -> None:
    query = f"PREFIX ex: <{EX}> CONSTRUCT {{ ?s ex:name ?o }} WHERE {{ ?s ex:name ?o }}"
    response = client.get("/sparql", params={"query": query}, headers={"Accept": "*/*"})
    assert response.headers["content-type"].startswith("text/turtle")
    assert "@prefix ex: <http://example.org/>" in response.text
    assert len(rdflib.Graph().parse(data=response.text, format="turtle")) == 2


def test_describe(client: TestClient) -> None:
    response = client.get("/sparql", params={"query": f"DESCRIBE <{EX}bob>", "format": "ntriples"})
    got = rdflib.Graph().parse(data=response.text, format="nt")
    assert set(got.predicates()) == {rdflib.URIRef(EX + "name"), rdflib.URIRef(EX + "age")}


def test_get_urlencoded_post_and_direct_post_agree(client: TestClient) -> None:
    via_get = client.get("/sparql", params={"query": PEOPLE})
    via_form = client.post("/sparql", data={"query": PEOPLE})
    via_body = client.post("/sparql", content=PEOPLE.encode(),
                           headers={"Content-Type": "application/sparql-query; charset=UTF-8"})
    assert via_get.status_code == via_form.status_code == via_body.status_code == 200
    assert via_get.json() == via_form.json() == via_body.json()
    assert rows_from_json(via_body.content) == PEOPLE_ROWS


# -- negotiation -------------------------------------------------------------------------------


@pytest.mark.parametrize(("accept", "expected"), [
    ("text/csv;q=0.5, application/sparql-results+xml;q=0.9", "application/sparql-results+xml"),
    ("text/*", "text/csv"),
    ("text/tab-separated-values, */*;q=0.1", "text/tab-separated-values"),
    ("application/json", RESULTS_JSON),
    ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "application/sparql-results+xml"),
    ("image/png, */*;q=0.2", RESULTS_JSON),
    ("", RESULTS_JSON),
])
def test_accept_with_q_values_and_wildcards(client: TestClient, accept: str, expected: str) -> None:
    response = client.get("/sparql", params={"query": PEOPLE}, headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == expected


def test_format_parameter_overrides_accept(client: TestClient) -> None:
    response = client.post("/sparql", params={"format": "tsv"}, data={"query": PEOPLE},
                           headers={"Accept": "application/sparql-results+xml"})
    assert response.headers["content-type"].startswith("text/tab-separated-values")
    assert client.get("/sparql", params={"query": PEOPLE, "format": "yaml"}).status_code == 400


def test_unacceptable_accept_is_406_listing_the_offer(client: TestClient) -> None:
    response = client.get("/sparql", params={"query": PEOPLE}, headers={"Accept": "image/png"})
    assert response.status_code == 406
    assert response.json()["error"] == "not-acceptable"
    for media_type in (RESULTS_JSON, "application/sparql-results+xml", "text/csv", "text/tab-separated-values"):
        assert media_type in response.json()["detail"]
    graph = client.get("/sparql", params={"query": G1_CONSTRUCT, "format": "csv"})
    assert graph.status_code == 406 and "text/turtle" in graph.json()["detail"]


# -- refusals ----------------------------------------------------------------------------------

INSERT = f"INSERT DATA {{ GRAPH <{G1}> {{ <{EX}mallory> <{EX}name> \"Mallory\" }} }}"


@pytest.mark.parametrize("send", [
    pytest.param(lambda c: c.get("/sparql", params={"query": INSERT}), id="insert-as-get-query"),
    pytest.param(lambda c: c.post("/sparql", data={"query": INSERT}), id="insert-as-form-query"),
    pytest.param(lambda c: c.post("/sparql", content=INSERT, headers={"Content-Type": "application/sparql-query"}),
                 id="insert-as-direct-query"),
    pytest.param(lambda c: c.post("/sparql", data={"update": INSERT}), id="update-form-param"),
    pytest.param(lambda c: c.get("/sparql", params={"update": INSERT}), id="update-get-param"),
    pytest.param(lambda c: c.post("/sparql", content=INSERT, headers={"Content-Type": "application/sparql-update"}),
                 id="sparql-update-body"),
    pytest.param(lambda c: c.get("/sparql", params={"query": f"LOAD <file:///etc/passwd> INTO GRAPH <{G1}>"}),
                 id="load"),
    pytest.param(lambda c: c.get("/sparql", params={"query": "DROP ALL"}), id="drop"),
    pytest.param(lambda c: c.get("/sparql", params={"query": "DELETE WHERE { GRAPH ?g { ?s ?p ?o } }"}),
                 id="delete-where"),
    pytest.param(lambda c: c.get("/sparql", params={
        "query": "SELECT * { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }"}), id="service"),
    pytest.param(lambda c: c.get("/sparql", params={
        "query": "SELECT * { ?s ?p ?o FILTER EXISTS { SERVICE SILENT <http://127.0.0.1:9/> { ?s ?p ?o } } }"}),
        id="service-in-exists"),
    pytest.param(lambda c: c.get("/sparql", params={"query": "SELECT * FROM <file:///etc/passwd> { ?s ?p ?o }"}),
                 id="from-file"),
    pytest.param(lambda c: c.get("/sparql", params={
        "query": "SELECT * FROM NAMED <http://elsewhere.example/> { GRAPH ?g { ?s ?p ?o } }"}), id="from-named"),
    pytest.param(lambda c: c.get("/sparql", params={"query": "SELECT * { ?s ?p ?o }",
                                                    "default-graph-uri": "file:///etc/passwd"}),
                 id="default-graph-uri"),
    pytest.param(lambda c: c.post("/sparql", data={"query": "SELECT * { GRAPH ?g { ?s ?p ?o } }",
                                                   "named-graph-uri": "http://elsewhere.example/"}),
                 id="named-graph-uri"),
])
def test_refused_with_403_and_the_store_unchanged(client: TestClient, sparql_store_path: Path, send) -> None:
    before = store_dump(sparql_store_path)
    response = send(client)
    assert response.status_code == 403, response.text
    assert response.json()["error"] == "forbidden-query"
    assert response.json()["detail"]
    assert store_dump(sparql_store_path) == before
    mallory = client.get("/sparql", params={"query": 'ASK { ?s ?p "Mallory" }'})
    assert mallory.json()["boolean"] is False


def test_update_message_is_clear(client: TestClient) -> None:
    response = client.post("/sparql", content="CLEAR ALL", headers={"Content-Type": "application/sparql-update"})
    assert response.json() == {"error": "forbidden-query", "detail": "read-only endpoint: updates are refused"}


def test_from_and_graph_uris_of_the_store_choose_the_dataset(client: TestClient) -> None:
    def count(**params: str) -> int:
        response = client.get("/sparql", params={"query": "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }", **params})
        assert response.status_code == 200, response.text
        return int(response.json()["results"]["bindings"][0]["n"]["value"])

    assert count() == FILLER + 5
    assert count(**{"default-graph-uri": G1}) == 5
    from_g2 = client.get("/sparql", params={"query": f"SELECT (COUNT(*) AS ?n) FROM <{G2}> {{ ?s ?p ?o }}"})
    assert from_g2.json()["results"]["bindings"][0]["n"]["value"] == str(FILLER)
    only_named = client.get("/sparql", params={
        "query": f"SELECT DISTINCT ?g FROM NAMED <{G1}> {{ GRAPH ?g {{ ?s ?p ?o }} }}"})
    assert [b["g"]["value"] for b in only_named.json()["results"]["bindings"]] == [G1]


def test_syntax_error_is_400_naming_the_problem(client: TestClient) -> None:
    response = client.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p }"})
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "query-syntax-error"
    assert "line 1, column 18" in body["detail"] and "found '?'" in body["detail"]


def test_too_long_is_413(client: TestClient) -> None:
    long_query = "SELECT * { ?s ?p ?o } # " + "x" * MAX_LENGTH
    assert client.get("/sparql", params={"query": long_query}).status_code == 413
    direct = client.post("/sparql", content=long_query * 20, headers={"Content-Type": "application/sparql-query"})
    assert direct.status_code == 413 and direct.json()["error"] == "query-too-long"


def test_missing_query_and_unknown_body_type(client: TestClient) -> None:
    assert client.get("/sparql").status_code == 400
    assert client.post("/sparql", data={"nothing": "here"}).json()["detail"] == "missing the query parameter"
    wrong = client.post("/sparql", content=b"{}", headers={"Content-Type": "application/json"})
    assert wrong.status_code == 415 and wrong.json()["error"] == "unsupported-media-type"


def test_many_triple_patterns_pass_the_guard(client: TestClient) -> None:
    # rdflib's parser recurses about eleven frames per pattern: past the API process's limit
    patterns = " . ".join(f"ex:alice ex:name ?n{i}" for i in range(110))
    response = client.get("/sparql", params={"query": f"PREFIX ex: <{EX}> ASK {{ {patterns} }}"})
    assert response.status_code == 200, response.text
    assert response.json()["boolean"] is True


# -- limits ------------------------------------------------------------------------------------


def test_long_query_times_out_with_503_and_the_next_query_works(client: TestClient) -> None:
    started = time.monotonic()
    response = client.get("/sparql", params={"query": SLOW})
    elapsed = time.monotonic() - started
    assert response.status_code == 503, response.text
    assert response.json()["error"] == "query-timeout"
    assert "Retry-After" in response.headers
    assert elapsed < 5
    for _ in range(3):  # both workers, the replaced one included, still answer
        assert client.get("/sparql", params={"query": PEOPLE}).json()["results"]["bindings"]


def test_max_rows_truncates_and_says_so(client: TestClient) -> None:
    query = f"SELECT ?s ?v WHERE {{ GRAPH <{G2}> {{ ?s ?p ?v }} }}"
    for fmt, count in [("json", lambda r: len(r.json()["results"]["bindings"])),
                       ("csv", lambda r: len(r.text.splitlines()) - 1)]:
        response = client.get("/sparql", params={"query": query, "format": fmt})
        assert response.status_code == 200
        assert response.headers["X-Claimgraph-Truncated"] == f"max-rows={MAX_ROWS}"
        assert count(response) == MAX_ROWS
    graph = client.get("/sparql", params={
        "query": f"CONSTRUCT {{ ?s ?p ?v }} WHERE {{ GRAPH <{G2}> {{ ?s ?p ?v }} }}", "format": "ntriples"})
    assert graph.status_code == 200, graph.text
    assert graph.headers["X-Claimgraph-Truncated"] == f"max-rows={MAX_ROWS}"
    assert len(graph.text.splitlines()) == MAX_ROWS


def test_busy_when_every_worker_is_taken(sparql_store_path: Path) -> None:
    with QuerySandbox(EmbeddedBackend(sparql_store_path), workers=1, timeout_s=2.0, queue_timeout_s=0.2) as sandbox:
        client = make_client(sandbox)
        assert client.get("/sparql", params={"query": "ASK {}"}).status_code == 200  # worker up
        slow = threading.Thread(target=client.get, args=("/sparql",), kwargs={"params": {"query": SLOW}})
        slow.start()
        time.sleep(0.5)
        response = client.get("/sparql", params={"query": "ASK {}"})
        slow.join()
        assert response.status_code == 503
        assert response.json()["error"] == "busy" and "Retry-After" in response.headers
        assert client.get("/sparql", params={"query": "ASK {}"}).status_code == 200


def test_sandbox_run_checks_the_query_itself(sandbox: QuerySandbox) -> None:
    """Whoever calls it, the sandbox never executes a query that did not pass the guard."""
    with pytest.raises(ForbiddenQuery, match="SERVICE"):
        sandbox.run("SELECT * { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }", media_type=RESULTS_JSON)
    with pytest.raises(ForbiddenQuery, match="not in this store"):
        sandbox.run("SELECT * { ?s ?p ?o }", media_type=RESULTS_JSON, default_graph_uris=["file:///etc/passwd"])
    with pytest.raises(ForbiddenQuery, match="updates are refused"):
        sandbox.run("CLEAR ALL", media_type=RESULTS_JSON)


def test_openapi_documents_the_endpoint(client: TestClient) -> None:
    spec = client.app.openapi()["paths"]["/sparql"]
    assert spec["get"]["summary"] and "read-only" in spec["get"]["description"].lower()
    assert {p["name"] for p in spec["get"]["parameters"]} == {"query", "default-graph-uri", "named-graph-uri",
                                                             "format"}
    assert set(spec["post"]["requestBody"]["content"]) == {"application/x-www-form-urlencoded",
                                                          "application/sparql-query"}
    assert {"400", "403", "406", "413", "503"} <= set(spec["get"]["responses"])
