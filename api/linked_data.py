"""Every IRI the project mints resolves here: ``https://w3id.org/claimgraph/id/<path>`` is served
at ``/id/<path>`` (the ``base_url`` setting says where ``https://w3id.org/claimgraph/`` points).

One resource, four representations chosen by ``Accept`` or ``?format=`` (``html``, ``ttl``,
``jsonld``, ``nt``, or a media type): an HTML page for people (its label, its facts, what it
relates to, and for claims, events, actors and articles what the questions say about them), and
Turtle, JSON-LD and N-Triples for machines. Exactly one of those types is returned, or 406.
Every answer carries ``Link: <...>; rel="alternate"; type="..."`` for the other forms and
``Vary: Accept``.

The triples are the resource's own (every graph), what points at it (at most 500), and the
labels of both, read by ``queries/resources/resource.rq`` and ``incoming.rq`` with the IRI
bound as a term.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote

import pyoxigraph as ox
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from rdflib import RDFS, BNode, Graph, Literal, URIRef

from claimgraph.api.deps import accepts_other_parameters, get_backend
from claimgraph.api.negotiation import choose
from claimgraph.api.web import resource_page
from claimgraph.api.web.render import Links, respond
from claimgraph.ontology import iris
from claimgraph.ontology.context import context, prefixes
from claimgraph.queries.resources import term_rows

logger = logging.getLogger(__name__)

HTML, TURTLE, JSONLD, NTRIPLES = "text/html", "text/turtle", "application/ld+json", "application/n-triples"
OFFERED = (HTML, TURTLE, JSONLD, NTRIPLES)
#: ``?format=`` names, and the name each type is linked with.
FORMAT_NAMES = {"html": HTML, "ttl": TURTLE, "turtle": TURTLE, "jsonld": JSONLD, "json-ld": JSONLD,
                "nt": NTRIPLES, "ntriples": NTRIPLES, "n-triples": NTRIPLES}
LINK_NAME = {HTML: "html", TURTLE: "ttl", JSONLD: "jsonld", NTRIPLES: "nt"}
RDFLIB_FORMAT = {TURTLE: "turtle", JSONLD: "json-ld", NTRIPLES: "nt"}
_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def requested(request: Request) -> str | None:
    """The media type to answer with: ``?format=`` wins over ``Accept``; None when neither names
    one of the offered types."""
    name = request.query_params.get("format")
    if name is not None:
        media_type = FORMAT_NAMES.get(name.strip().lower(), name.strip().lower())
        return media_type if media_type in OFFERED else None
    return choose(request.headers.get("accept"), OFFERED)


def link_header(path: str) -> str:
    return ", ".join(f'<{path}?format={LINK_NAME[t]}>; rel="alternate"; type="{t}"' for t in OFFERED)


def rdf_term(term: Any) -> Any:
    """A pyoxigraph term as rdflib's."""
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if term.language:
        return Literal(term.value, lang=term.language)
    datatype = term.datatype.value
    return Literal(term.value, datatype=None if datatype == _XSD_STRING else URIRef(datatype))


def graph_of(iri: str, outgoing: list[dict[str, Any]], incoming: list[dict[str, Any]]) -> Graph:
    """The resource's triples, what points at it, and the labels of both."""
    g = Graph(bind_namespaces="none")
    for prefix, namespace in prefixes().items():
        g.bind(prefix, namespace)
    me = URIRef(iri)
    for row in outgoing:
        value = rdf_term(row["value"])
        g.add((me, rdf_term(row["property"]), value))
        if row.get("valueLabel") is not None and isinstance(value, URIRef):
            g.add((value, RDFS.label, rdf_term(row["valueLabel"])))
    for row in incoming:
        subject = rdf_term(row["subject"])
        g.add((subject, rdf_term(row["property"]), me))
        if row.get("subjectLabel") is not None:
            g.add((subject, RDFS.label, rdf_term(row["subjectLabel"])))
    return g


def serialize(g: Graph, media_type: str) -> bytes:
    if media_type == JSONLD:
        return g.serialize(format="json-ld", context=context()["@context"], auto_compact=True, indent=2).encode("utf-8")
    return g.serialize(format=RDFLIB_FORMAT[media_type], encoding="utf-8")


def router() -> APIRouter:
    r = APIRouter(tags=["linked data"])

    @r.get("/id/{path:path}", summary="Any IRI the project mints: HTML, Turtle, JSON-LD or N-Triples",
           response_class=Response,
           responses={200: {"content": {t: {} for t in OFFERED}}, 404: {"description": "no such resource"},
                      406: {"description": "none of HTML, Turtle, JSON-LD, N-Triples is acceptable"}})
    @accepts_other_parameters  # a page's own parameters: format, and the paging and CSV of its tables
    def resource(path: str, request: Request) -> Response:
        iri = iris.ID + path
        # Header values are latin-1: an IRI's other characters go percent-encoded.
        here = quote(Links(request.app.state.settings.base_url).href(iri) or request.url.path, safe=":/%#?=&")
        headers = {"Link": link_header(here), "Vary": "Accept"}
        media_type = requested(request)
        if media_type is None:
            return JSONResponse({"error": "not-acceptable", "detail": f"{iri} is available as {', '.join(OFFERED)}"
                                 " (Accept, or ?format=html|ttl|jsonld|nt)"}, status_code=406, headers=headers)
        backend = get_backend(request)
        try:
            ox.NamedNode(iri)
        except ValueError:
            outgoing = []
        else:
            outgoing = term_rows("resource", backend, {"resource": iri})
        if not outgoing:
            return _not_found(request, iri, media_type, headers)
        incoming = term_rows("incoming", backend, {"resource": iri})
        if media_type == HTML:
            response = respond(request, resource_page.page(request, iri, path, outgoing, incoming))
        else:
            body = serialize(graph_of(iri, outgoing, incoming), media_type)
            charset = "" if media_type == JSONLD else "; charset=utf-8"
            response = Response(body, media_type=media_type + charset)
        response.headers.update(headers)
        if "csv" not in request.query_params:
            response.headers["Content-Location"] = f"{here}?format={LINK_NAME[media_type]}"
        return response

    return r


def _not_found(request: Request, iri: str, media_type: str, headers: dict[str, str]) -> Response:
    message = f"no resource {iri if len(iri) <= 200 else iri[:200] + '...'} in this store"
    if media_type == HTML:
        from claimgraph.api.web.render import Page
        response = respond(request, Page("error.html", "Not found", {"message": message}, status=404))
        response.headers.update(headers)
        return response
    return JSONResponse({"error": "not-found", "detail": message}, status_code=404, headers=headers)
