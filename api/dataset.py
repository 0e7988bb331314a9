"""Descriptions of the service and the dataset, for tools that discover SPARQL endpoints.

* ``GET /sparql`` asking for Turtle (or N-Triples, JSON-LD) with no query: a SPARQL 1.1 Service
  Description of the endpoint (its URL, SPARQL 1.1 Query, the result and graph formats, the
  union default graph, the named graphs of the store with their sizes).
* ``GET /.well-known/void``: a VoID description of the dataset (its triples, the named graphs as
  subsets, class and property partitions, the URI space, the vocabulary, the SPARQL endpoint and
  the dump), in Turtle by default, or N-Triples or JSON-LD by ``Accept``; anything else is 406.

Counts come from ``queries/resources/graphs.rq``, ``classes.rq`` and ``properties.rq``. URLs are
the deployment's: the ``base_url`` setting, or the URL the request came to.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from rdflib import DCTERMS, RDF, XSD, BNode, Graph, Literal, Namespace, URIRef

from claimgraph.api.deps import get_backend
from claimgraph.api.negotiation import choose
from claimgraph.ontology import iris
from claimgraph.queries.resources import rows
from claimgraph.queries.store.formats import GRAPH_MEDIA_TYPES, RESULTS_MEDIA_TYPES

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
VOID = Namespace("http://rdfs.org/ns/void#")
FORMATS = Namespace("http://www.w3.org/ns/formats/")
GRAPH_TYPES = ("text/turtle", "application/n-triples", "application/ld+json")
RDFLIB = {"text/turtle": "turtle", "application/n-triples": "nt", "application/ld+json": "json-ld"}
#: The W3C format IRIs of the media types /sparql answers in.
FORMAT_IRIS = {"application/sparql-results+json": "SPARQL_Results_JSON", "application/sparql-results+xml":
               "SPARQL_Results_XML", "text/csv": "SPARQL_Results_CSV", "text/tab-separated-values": "SPARQL_Results_TSV",
               "text/turtle": "Turtle", "application/n-triples": "N-Triples", "application/ld+json": "JSON-LD",
               "application/rdf+xml": "RDF_XML"}


def deployment(request: Request) -> str:
    """The deployment's base URL, ending in ``/``."""
    base = request.app.state.settings.base_url
    return base or str(request.base_url)


def _graph() -> Graph:
    g = Graph(bind_namespaces="core")
    for prefix, ns in (("sd", SD), ("void", VOID), ("formats", FORMATS), ("dcterms", DCTERMS)):
        g.bind(prefix, ns)
    return g


def _answer(g: Graph, media_type: str) -> Response:
    body = g.serialize(format=RDFLIB[media_type], encoding="utf-8")
    return Response(body, media_type=media_type + ("" if media_type == "application/ld+json" else "; charset=utf-8"),
                    headers={"Vary": "Accept"})


def service_description(request: Request) -> Graph:
    base = deployment(request)
    endpoint = URIRef(base + "sparql")
    g = _graph()
    g.add((endpoint, RDF.type, SD.Service))
    g.add((endpoint, SD.endpoint, endpoint))
    g.add((endpoint, SD.supportedLanguage, SD.SPARQL11Query))
    g.add((endpoint, SD.feature, SD.UnionDefaultGraph))
    for media_type in (*RESULTS_MEDIA_TYPES, *GRAPH_MEDIA_TYPES):
        g.add((endpoint, SD.resultFormat, FORMATS[FORMAT_IRIS[media_type]]))
    g.add((endpoint, DCTERMS.title, Literal("claimgraph SPARQL endpoint (read-only)")))
    g.add((endpoint, DCTERMS.description, Literal(
        "SELECT, ASK, CONSTRUCT and DESCRIBE over the claim graph; without FROM the default graph is the union of "
        "the named graphs. No updates, no SERVICE; queries are limited in length, time and rows.")))
    dataset, default = BNode("dataset"), BNode("default")
    g.add((endpoint, SD.defaultDataset, dataset))
    g.add((dataset, RDF.type, SD.Dataset))
    g.add((dataset, DCTERMS.source, URIRef(base + ".well-known/void")))
    g.add((dataset, SD.defaultGraph, default))
    g.add((default, RDF.type, SD.Graph))
    total = 0
    for row in rows("graphs", get_backend(request)):
        named, graph = BNode(), BNode()
        g.add((dataset, SD.namedGraph, named))
        g.add((named, RDF.type, SD.NamedGraph))
        g.add((named, SD.name, URIRef(row["graph"])))
        g.add((named, SD.graph, graph))
        g.add((graph, RDF.type, SD.Graph))
        g.add((graph, VOID.triples, Literal(row["triples"], datatype=XSD.integer)))
        total += row["triples"]
    g.add((default, VOID.triples, Literal(total, datatype=XSD.integer)))
    return g


def void(request: Request) -> Graph:
    base = deployment(request)
    backend = get_backend(request)
    me = URIRef(base + ".well-known/void#claimgraph")
    g = _graph()
    g.add((me, RDF.type, VOID.Dataset))
    g.add((me, DCTERMS.title, Literal("claimgraph")))
    g.add((me, DCTERMS.description, Literal(
        "Who claims what about which event, in their own voice or by reporting someone else: claim acts, "
        "their propositions and attribution chains, curated from news articles; one named graph per article.")))
    g.add((me, VOID.sparqlEndpoint, URIRef(base + "sparql")))
    g.add((me, VOID.uriSpace, Literal(iris.ID)))
    g.add((me, VOID.vocabulary, URIRef("https://w3id.org/claimgraph/ontology#")))
    g.add((me, VOID.dataDump, URIRef(base + "export?format=nquads")))
    g.add((me, VOID.exampleResource, URIRef(iris.ID + "event/azal-crash")))
    g.add((me, VOID.exampleResource, URIRef(iris.ID + "actor/russia")))
    total = 0
    for row in rows("graphs", backend):
        subset = URIRef(row["graph"])
        g.add((me, VOID.subset, subset))
        g.add((subset, RDF.type, VOID.Dataset))
        g.add((subset, VOID.triples, Literal(row["triples"], datatype=XSD.integer)))
        total += row["triples"]
    g.add((me, VOID.triples, Literal(total, datatype=XSD.integer)))
    classes = rows("classes", backend)
    g.add((me, VOID.classes, Literal(len(classes), datatype=XSD.integer)))
    g.add((me, VOID.entities, Literal(sum(c["entities"] for c in classes), datatype=XSD.integer)))
    for row in classes:
        part = BNode()
        g.add((me, VOID.classPartition, part))
        g.add((part, VOID["class"], URIRef(row["class"])))
        g.add((part, VOID.entities, Literal(row["entities"], datatype=XSD.integer)))
    properties = rows("properties", backend)
    g.add((me, VOID.properties, Literal(len(properties), datatype=XSD.integer)))
    for row in properties:
        part = BNode()
        g.add((me, VOID.propertyPartition, part))
        g.add((part, VOID.property, URIRef(row["property"])))
        g.add((part, VOID.triples, Literal(row["triples"], datatype=XSD.integer)))
    return g


def description_for(request: Request) -> Response | None:
    """For ``GET /sparql`` without a query: the service description when an RDF type is asked for
    by name; None otherwise (the endpoint then says a query is missing)."""
    media_type = choose(request.headers.get("accept"), GRAPH_TYPES, exact=True)
    return None if media_type is None else _answer(service_description(request), media_type)


def router() -> APIRouter:
    r = APIRouter(tags=["service"])

    @r.get("/.well-known/void", summary="VoID description of the dataset (Turtle, N-Triples or JSON-LD)",
           response_class=Response, responses={200: {"content": {t: {} for t in GRAPH_TYPES}},
                                               406: {"description": "none of the offered types is acceptable"}})
    def well_known_void(request: Request) -> Response:
        media_type = choose(request.headers.get("accept"), GRAPH_TYPES)
        if media_type is None:
            return JSONResponse({"error": "not-acceptable", "detail": "the VoID description is available as "
                                 + ", ".join(GRAPH_TYPES)}, status_code=406, headers={"Vary": "Accept"})
        return _answer(void(request), media_type)

    return r
