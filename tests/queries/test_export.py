"""Exports of the real corpus store re-import into a fresh store with exactly the same quads."""

from __future__ import annotations

import json
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import RDF, Dataset, Graph, Literal, Namespace, URIRef

from claimgraph.ontology import iris
from claimgraph.queries.export import CONTEXT_URL, FORMATS, context, export, get_format, inline_context
from claimgraph.ontology.errors import ParameterError
from claimgraph.queries.store import Backend, EmbeddedBackend

SCHEMA = Namespace("https://schema.org/")
CG = "https://w3id.org/claimgraph/ontology#"
RDF_FORMAT = {"trig": ox.RdfFormat.TRIG, "nquads": ox.RdfFormat.N_QUADS, "jsonld": ox.RdfFormat.JSON_LD}


@pytest.fixture(scope="module")
def store(backend) -> ox.Store:
    """The real corpus store (read-only), as ingestion wrote it."""
    return backend.store


def _reimport(data: bytes, fmt: str) -> set[ox.Quad]:
    fresh = ox.Store()
    fresh.load(inline_context(data) if fmt == "jsonld" else data, format=RDF_FORMAT[fmt])
    return set(fresh)


@pytest.mark.parametrize("fmt", ["trig", "nquads", "jsonld"])
def test_export_reimports_into_a_fresh_store_with_the_same_quads(store, backend, fmt):
    data = b"".join(export(backend, fmt))
    original = set(store)
    assert len(original) > 5000
    assert not any(isinstance(t, ox.BlankNode) for q in original for t in (q.subject, q.object)), \
        "the store has blank nodes: compare as graphs, not as sets"
    back = _reimport(data, fmt)
    assert back == original, (f"{len(original - back)} quads lost, {len(back - original)} added; "
                              f"e.g. {sorted(map(str, original - back))[:2]} {sorted(map(str, back - original))[:2]}")


def test_trig_has_one_named_graph_per_article_plus_registry_and_ontology(backend, store):
    data = b"".join(export(backend, "trig"))
    graphs = {q.graph_name for q in ox.parse(data, format=ox.RdfFormat.TRIG)}
    articles = {q.subject.value.rsplit("/", 1)[1] for q in store.quads_for_pattern(
        None, ox.NamedNode(str(RDF.type)), ox.NamedNode(CG + "Article"), None)}
    assert len(articles) == 5
    per_article = {g for g in graphs if g.value.startswith(iris.GRAPH + "article/")}
    assert per_article == {ox.NamedNode(str(iris.article_graph(slug))) for slug in articles}
    assert {ox.NamedNode(str(iris.REGISTRY_GRAPH)), ox.NamedNode(str(iris.ONTOLOGY_GRAPH))} <= graphs
    # every claim act sits in the graph of its own article
    for q in store.quads_for_pattern(None, ox.NamedNode(CG + "inArticle"), None, None):
        assert q.graph_name.value == str(iris.article_graph(q.object.value.rsplit("/", 1)[1]))
    assert data.count(b"@prefix cg:") == 1  # prefixes once, then one block per graph


def test_jsonld_refers_to_the_published_context_and_rdflib_reads_it_too(backend, store, client):
    data = b"".join(export(backend, "jsonld"))
    doc = json.loads(data)
    assert doc["@context"] == CONTEXT_URL
    first = doc["@graph"][0]
    assert first["@id"].startswith("graph:article/") and first["@graph"][0]["@id"].startswith("id:")
    # The context the API publishes is the one the export is compacted with.
    assert client.get("/context.jsonld").json() == context()
    # A second JSON-LD processor (rdflib) reads the same number of quads in every graph.
    ds = Dataset()
    ds.parse(data=inline_context(data), format="json-ld")
    by_graph = {str(g.identifier): len(g) for g in ds.graphs() if len(g)}
    expected: dict[str, int] = {}
    for q in store:
        expected[q.graph_name.value] = expected.get(q.graph_name.value, 0) + 1
    assert by_graph == expected


def test_schema_view_has_every_claim_with_its_speaker_and_article(backend, store):
    data = b"".join(export(backend, "schema"))
    g = Graph().parse(data=data, format="json-ld")  # inline context: no network needed
    assert (None, RDF.type, SCHEMA.ClaimReview) not in g, "claimgraph does not rate claims"
    claims = store.query("""
        PREFIX cg: <https://w3id.org/claimgraph/ontology#>
        PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        SELECT ?claim ?paraphrase ?speaker ?speakerLabel ?article ?title ?outletLabel WHERE {
          ?claim a cg:ClaimAct ; cg:speaker ?speaker ; cg:inArticle ?article ; cg:paraphrase ?paraphrase .
          FILTER NOT EXISTS { ?claim a cg:ReportingAct }
          ?speaker rdfs:label ?speakerLabel .
          ?article cg:outlet/rdfs:label ?outletLabel .
          OPTIONAL { ?article cg:title ?title }  # as printed; an untitled article has a description
        }""", use_default_graph_as_union=True)
    rows = list(claims)
    assert len(rows) > 150
    listed = set(g.subjects(RDF.type, SCHEMA.Claim))
    assert len(listed) == len(rows)
    for row in rows:
        claim = URIRef(row["claim"].value)
        assert claim in listed
        assert g.value(claim, SCHEMA.text) == Literal(row["paraphrase"].value)
        author = g.value(claim, SCHEMA.author)
        assert author == URIRef(row["speaker"].value), claim
        assert g.value(author, SCHEMA.name) == Literal(row["speakerLabel"].value)
        assert set(g.objects(author, RDF.type)) & {SCHEMA.Person, SCHEMA.Organization, SCHEMA.GovernmentOrganization,
                                                  SCHEMA.NewsMediaOrganization}, claim
        article = g.value(claim, SCHEMA.appearance)
        assert article == URIRef(row["article"].value)
        assert (article, RDF.type, SCHEMA.NewsArticle) in g
        title = row["title"]
        assert g.value(article, SCHEMA.headline) == (Literal(title.value) if title is not None else None)
        assert g.value(g.value(article, SCHEMA.publisher), SCHEMA.name) == Literal(row["outletLabel"].value)
    # The headline event is what some claims are about.
    assert (None, SCHEMA.about, URIRef(str(iris.entity("event", "azal-crash")))) in g


def test_unknown_format_lists_the_formats():
    with pytest.raises(ParameterError) as caught:
        get_format("xml")
    for name in FORMATS:
        assert name in str(caught.value)


class SparqlOnly(EmbeddedBackend):
    """The embedded store read as a remote SPARQL server is: its graphs and quads through SELECT
    (the store interface's own way), not through pyoxigraph's quad index."""

    graphs = Backend.graphs
    quads = Backend.quads


def test_a_backend_without_a_local_store_exports_through_sparql(backend, store, monkeypatch):
    import claimgraph.queries.store.base as module
    monkeypatch.setattr(module, "PAGE", 700)  # several pages per graph
    data = b"".join(export(SparqlOnly.from_store(backend.store), "nquads"))
    assert set(ox.parse(data, format=ox.RdfFormat.N_QUADS)) == set(store)


def test_cli_export_writes_the_file_and_refuses_an_unknown_format(corpus_store: Path, store, tmp_path, capsys):
    from claimgraph.api.cli import main
    out = tmp_path / "graph.nq"
    assert main(["export", "--format", "nquads", "--out", str(out), "--store", str(corpus_store)]) == 0
    assert set(ox.parse(out.read_bytes(), format=ox.RdfFormat.N_QUADS)) == set(store)
    assert not list(tmp_path.glob(".*partial*"))
    assert main(["export", "--format", "xml", "--store", str(corpus_store)]) == 1
    err = capsys.readouterr().err
    assert "unknown export format 'xml'" in err and "trig, nquads, jsonld, schema" in err


def test_api_export_streams_each_format_and_refuses_an_unknown_one(client, store):
    r = client.get("/export", params={"format": "trig"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/trig")
    assert set(ox.parse(r.content, format=ox.RdfFormat.TRIG)) == set(store)
    r = client.get("/export", params={"format": "jsonld"})
    assert r.headers["content-type"].startswith("application/ld+json") and CONTEXT_URL in r.headers["link"]
    assert _reimport(r.content, "jsonld") == set(store)
    r = client.get("/export", params={"format": "schema"})
    assert r.status_code == 200 and r.json()["@type"] == "ItemList"
    r = client.get("/export", params={"format": "xml"})
    assert r.status_code == 400
    body = r.json()
    assert body["error"] == "parameter-error" and all(name in body["detail"] for name in FORMATS)
