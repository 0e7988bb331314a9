"""The read-only SPARQL 1.1 Protocol endpoint, ``/sparql``.

Security posture (``docs/decisions/0005-sparql-security.md``; the API is the only public surface):

* only SELECT, ASK, CONSTRUCT and DESCRIBE run. Updates (``update=`` or a body of type
  ``application/sparql-update``) are answered 403 without being parsed or executed; an update
  sent as a query is recognised by the guard and refused the same way;
* every query is pre-parsed by :mod:`claimgraph.queries.guard` before Oxigraph sees it:
  ``SERVICE`` is refused, and ``FROM``/``FROM NAMED``/``default-graph-uri``/``named-graph-uri``
  may only name the store's own graphs (refusals are 403; syntax errors 400);
* query length is capped (413), request bodies are read only up to what that cap allows;
* queries run in :class:`~claimgraph.queries.sandbox.QuerySandbox` worker processes over the
  store (the embedded one read-only; a server through its query endpoint only), each within one
  time budget for checking and running it (503 with ``Retry-After`` when it expires) and a
  worker memory limit (422); answers are capped at ``max_rows`` rows or triples and at a number
  of bytes, cut at a row, and a cut answer carries ``X-Claimgraph-Truncated: max-rows=N`` (or
  ``max-bytes=N``);
* clients share the workers fairly (:mod:`claimgraph.api.clients` says what a client is): a
  client may have a few requests in flight (429 past that), its queries hold at most a few
  workers, and a query waits for a free worker in a queue served round-robin by client for a
  bounded time (503 "busy");
* a client must take its answer within the send timeout, or it is disconnected: answers go out
  in chunks that wait for the client, so a client that never reads cannot grow the API's memory.

Relative IRIs in a query are resolved against the endpoint's URL (SPARQL 1.1 Query §4.1.1.2).
Domain errors are raised, not answered here: :func:`claimgraph.api.errors.register` maps them to
HTTP in one place (``{"error": kind, "detail": message}``). Only the protocol's own 415 (unknown
body type) is built here, in the same JSON shape.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Annotated
from urllib.parse import parse_qs

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from claimgraph.api.clients import Admissions, TimedResponse, client_key
from claimgraph.api.deps import StoreVersionDep, accepts_other_parameters
from claimgraph.api.errors import error_doc, problem
from claimgraph.api.negotiation import choose
from claimgraph.ontology.errors import ForbiddenQuery, NotAcceptable, ParameterError, QueryTooLong
from claimgraph.queries.guard import UPDATES_REFUSED
from claimgraph.queries.sandbox import QuerySandbox
from claimgraph.queries.store.base import QueryForm
from claimgraph.queries.store.formats import GRAPH_MEDIA_TYPES, RESULTS_MEDIA_TYPES, media_types

TRUNCATED_HEADER = "X-Claimgraph-Truncated"

#: ``?format=`` names, per kind of answer.
RESULTS_FORMATS = dict(zip(("json", "xml", "csv", "tsv"), RESULTS_MEDIA_TYPES))
GRAPH_FORMATS = {"turtle": "text/turtle", "ttl": "text/turtle", "ntriples": "application/n-triples",
                 "nt": "application/n-triples", "jsonld": "application/ld+json",
                 "json-ld": "application/ld+json", "json": "application/ld+json",
                 "rdfxml": "application/rdf+xml", "xml": "application/rdf+xml"}
FORMS: tuple[QueryForm, ...] = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")
#: Other names clients use for the offered types (the answer always uses the canonical one).
_ALIASES = {
    "application/sparql-results+json": ("application/json",),
    "application/sparql-results+xml": ("application/xml", "text/xml"),
    "application/ld+json": ("application/json",),
    "application/rdf+xml": ("application/xml", "text/xml"),
}
_FORM_TYPE = "application/x-www-form-urlencoded"
_QUERY_TYPE = "application/sparql-query"
_UPDATE_TYPE = "application/sparql-update"


def negotiate(accept: str | None, form: QueryForm, format: str | None = None) -> str:
    """Choose the answer's media type from ``?format=`` or else the Accept header.

    Accept ranges with q-values and wildcards are honoured: each offered type takes the q of the
    most specific range that matches it; the highest q wins, then the more specific match, then
    the range the client listed first, then the server's order (defaults first).

    >>> negotiate("text/csv;q=0.5, application/sparql-results+xml", "SELECT")
    'application/sparql-results+xml'
    >>> negotiate("*/*", "CONSTRUCT")
    'text/turtle'
    >>> negotiate(None, "SELECT", "tsv")
    'text/tab-separated-values'
    >>> negotiate("text/csv", "ASK")
    Traceback (most recent call last):
    ...
    claimgraph.ontology.errors.NotAcceptable: none of the requested media types is available for this answer; offered: application/sparql-results+json, application/sparql-results+xml
    """
    offered = media_types(form)
    if format:
        return _by_format_name(format.strip().lower(), offered)
    choice = choose(accept or "*/*", offered, _ALIASES)
    if choice is None:
        raise NotAcceptable(offered)
    return choice


def _by_format_name(name: str, offered: tuple[str, ...]) -> str:
    names = GRAPH_FORMATS if offered == GRAPH_MEDIA_TYPES else RESULTS_FORMATS
    media_type = names.get(name, name)
    if media_type in offered:
        return media_type
    if name in RESULTS_FORMATS or name in GRAPH_FORMATS or "/" in name:
        raise NotAcceptable(offered)
    known = sorted({*RESULTS_FORMATS, *GRAPH_FORMATS})
    raise ParameterError(f"unknown format {name[:40]!r}; use one of: {', '.join(known)}")


def negotiate_forms(accept: str | None, format: str | None = None) -> dict[str, str | None]:
    """The media type for an answer of each query form (None where none is acceptable), chosen
    before the query is parsed, so that the sandbox parses it once.

    >>> negotiate_forms("text/csv, text/turtle")
    {'SELECT': 'text/csv', 'ASK': None, 'CONSTRUCT': 'text/turtle', 'DESCRIBE': 'text/turtle'}
    """
    chosen: dict[str, str | None] = {}
    for form in FORMS:
        try:
            chosen[form] = negotiate(accept, form, format)
        except NotAcceptable:
            chosen[form] = None
    return chosen


# -- the router ---------------------------------------------------------------------------------

_DESCRIPTION = """\
Read-only [SPARQL 1.1 Protocol](https://www.w3.org/TR/sparql11-protocol/) endpoint over the
claim graph (one named graph per article; without `FROM`, the default graph is their union).

* **GET** `/sparql?query=...`, **POST** `application/x-www-form-urlencoded` (`query=...`) or
  **POST** `application/sparql-query` (the query is the body).
* Only SELECT, ASK, CONSTRUCT and DESCRIBE. Updates (`update=`, `application/sparql-update`,
  or an update sent as a query), `SERVICE`, and `FROM`/`FROM NAMED`/`default-graph-uri`/
  `named-graph-uri` naming a graph that is not in the store are refused with **403**.
* Answers by `Accept` (q-values and wildcards honoured) or `?format=`: SELECT in
  `application/sparql-results+json` (default, `json`), `application/sparql-results+xml` (`xml`),
  `text/csv` (`csv`), `text/tab-separated-values` (`tsv`); ASK in JSON or XML only (CSV and TSV
  have no boolean form: **406**); CONSTRUCT/DESCRIBE in `text/turtle` (default, `turtle`),
  `application/n-triples` (`ntriples`), `application/ld+json` (`jsonld`), `application/rdf+xml`
  (`rdfxml`).
* Relative IRIs in the query are resolved against this endpoint's URL.
* Limits: query length (**413**); one time budget per query for checking and running it
  (**503** with `Retry-After`); a worker memory limit per query (**422**); per client, a few
  requests in flight (**429**) and a share of the workers; a queue for a free worker with a
  deadline (**503** busy); rows and bytes per answer: a cut answer carries the header
  `X-Claimgraph-Truncated: max-rows=N` or `max-bytes=N`; a client that does not take its answer
  within the send timeout is disconnected.
* Errors: `{"error": kind, "detail": message}`; 400 syntax errors, unknown functions and
  ill-typed literals; 406 no acceptable format.
"""

_QUERY_DOC = "The SPARQL query (SELECT, ASK, CONSTRUCT or DESCRIBE)."
_DEFAULT_DOC = "A graph of the store to use as the default graph (repeatable; overrides FROM)."
_NAMED_DOC = "A graph of the store to make available to GRAPH (repeatable; overrides FROM NAMED)."
_FORMAT_DOC = "Answer format, overriding Accept: json, xml, csv, tsv, turtle, ntriples, jsonld or rdfxml."


_RESPONSES: dict[int | str, dict[str, object]] = {
    200: {"description": "The answer, in the negotiated format. A cut answer carries "
                         "`X-Claimgraph-Truncated`. A GET without a query that asks for HTML by name gets "
                         "the query editor; one that asks for an RDF type, the service description.",
          "content": {media_type: {"schema": {}}
                      for media_type in (*RESULTS_MEDIA_TYPES, *GRAPH_MEDIA_TYPES, "text/html")}},
    400: error_doc("Syntax error (with line and column), unknown function, ill-typed literal, "
                    "missing query or bad parameter."),
    403: error_doc("Refused: an update, SERVICE, or a graph outside the store."),
    406: error_doc("No acceptable format; the detail lists what is offered."),
    413: error_doc("The query is longer than the configured cap."),
    415: error_doc("POST with a body type other than form or sparql-query."),
    422: error_doc("The query needs more memory than a query may use, or one row of its answer "
                    "is over the answer's byte cap."),
    429: error_doc("This client already has as many requests in flight as it may (see Retry-After)."),
    503: error_doc("The query ran past its time budget, or no worker became free in time "
                    "(see Retry-After)."),
}

_POST_BODY = {"requestBody": {"required": True, "content": {
    _FORM_TYPE: {"schema": {"type": "object", "required": ["query"], "properties": {
        "query": {"type": "string", "minLength": 1, "description": _QUERY_DOC},
        "default-graph-uri": {"type": "array", "items": {"type": "string"}, "description": _DEFAULT_DOC},
        "named-graph-uri": {"type": "array", "items": {"type": "string"}, "description": _NAMED_DOC},
    }}},
    _QUERY_TYPE: {"schema": {"type": "string", "minLength": 1, "description": _QUERY_DOC},
                  "example": "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"},
}}}

QueryParam = Annotated[str | None, Query(min_length=1, description=_QUERY_DOC)]
DefaultGraphParam = Annotated[list[str] | None, Query(alias="default-graph-uri", description=_DEFAULT_DOC)]
NamedGraphParam = Annotated[list[str] | None, Query(alias="named-graph-uri", description=_NAMED_DOC)]
FormatParam = Annotated[str | None, Query(description=_FORMAT_DOC)]


def sparql_router(
    get_sandbox: Callable[[], QuerySandbox],
    *,
    max_query_length: int = 20_000,
    send_timeout: float = 30.0,
    client_requests: int = 4,
    max_requests: int = 64,
    path: str = "/sparql",
    without_query: Sequence[Callable[[Request], Response | None]] = (),
) -> APIRouter:
    """The ``/sparql`` routes. ``get_sandbox`` is called per request, so the app may swap the
    sandbox (e.g. after a re-ingest). Include :func:`claimgraph.api.errors.register` on the app.
    ``without_query``: what a GET with no query may get instead of the 400 (the editor for a
    browser, the service description for Turtle); the first that answers wins.

    A client may have ``client_requests`` requests in flight and all clients ``max_requests``
    (:class:`~claimgraph.api.clients.Admissions`); each must take its answer within
    ``send_timeout`` seconds.
    """
    router = APIRouter(tags=["sparql"])
    body_limit = 12 * max_query_length + 4096  # worst case: every character percent-encoded UTF-8
    admissions = Admissions(per_client=client_requests, total=max_requests)

    @router.get(path, summary="SPARQL 1.1 query (GET)", description=_DESCRIPTION,
                response_class=Response, responses=_RESPONSES, dependencies=[Depends(_no_update)])
    @accepts_other_parameters
    async def sparql_get(request: Request, version: StoreVersionDep, query: QueryParam = None,
                         default_graph_uri: DefaultGraphParam = None,
                         named_graph_uri: NamedGraphParam = None,
                         format: FormatParam = None) -> Response:
        params = request.query_params
        if "query" not in params:
            for alternative in without_query:
                response = await run_in_threadpool(alternative, request)
                if response is not None:
                    return response
        return await _answer(request, params.getlist("query"), params.getlist("default-graph-uri"),
                             params.getlist("named-graph-uri"), format, version)

    @router.post(path, summary="SPARQL 1.1 query (POST, form or direct)", description=_DESCRIPTION,
                 response_class=Response, responses=_RESPONSES, openapi_extra=_POST_BODY)
    @accepts_other_parameters
    async def sparql_post(request: Request, version: StoreVersionDep, default_graph_uri: DefaultGraphParam = None,
                          named_graph_uri: NamedGraphParam = None,
                          format: FormatParam = None) -> Response:
        params = request.query_params
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type == _UPDATE_TYPE or "update" in params:
            raise ForbiddenQuery(UPDATES_REFUSED)
        defaults, named = params.getlist("default-graph-uri"), params.getlist("named-graph-uri")
        if content_type == _QUERY_TYPE:
            queries = [_decode(await _read_body(request, body_limit))]
        elif content_type == _FORM_TYPE:
            form = _parse_form(await _read_body(request, body_limit))
            if "update" in form:
                raise ForbiddenQuery(UPDATES_REFUSED)
            queries = form.get("query", [])
            defaults = [*defaults, *form.get("default-graph-uri", [])]
            named = [*named, *form.get("named-graph-uri", [])]
        else:
            return problem(415, "unsupported-media-type",
                            f"POST a body of type {_FORM_TYPE} or {_QUERY_TYPE}, "
                            f"not {content_type[:80] or 'nothing'}")
        return await _answer(request, queries, defaults, named, format, version)

    async def _answer(request: Request, queries: list[str], defaults: list[str], named: list[str],
                      format: str | None, version: str | None) -> Response:
        # ``version``: the store version this request is pinned to; the worker answers from it.
        if len(queries) != 1:
            raise ParameterError("give exactly one query parameter" if queries else
                                 "missing the query parameter")
        chosen = negotiate_forms(request.headers.get("accept"), format)
        ticket = admissions.admit(client_key(request))
        try:
            result = await get_sandbox().run_async(
                queries[0], media_type=chosen, max_length=max_query_length, default_graph_uris=defaults,
                named_graph_uris=named, base_iri=str(request.url).split("?", 1)[0], client=ticket.client,
                version=version)
        except BaseException:
            ticket.release()
            raise
        headers = {"Vary": "Accept"}
        if result.truncated:
            headers[TRUNCATED_HEADER] = result.truncated
        return TimedResponse(result.body, media_type=result.media_type, headers=headers,
                             send_timeout=send_timeout, on_close=ticket.release)

    return router


def _no_update(request: Request) -> None:
    """An update sent with GET is refused as an update (403), before the missing query is noticed."""
    if "update" in request.query_params:
        raise ForbiddenQuery(UPDATES_REFUSED)


async def _read_body(request: Request, limit: int) -> bytes:
    """The request body, refused with QueryTooLong as soon as it passes ``limit`` bytes."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise QueryTooLong(f"the request body is {declared} bytes; the limit is {limit}")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise QueryTooLong(f"the request body is over {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _decode(body: bytes) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ParameterError(f"the request body is not UTF-8: {exc}") from None


def _parse_form(body: bytes) -> dict[str, list[str]]:
    try:
        return parse_qs(body.decode("ascii"), keep_blank_values=True, encoding="utf-8",
                        errors="strict", max_num_fields=1000)
    except (UnicodeDecodeError, ValueError) as exc:
        raise ParameterError(f"malformed form body: {exc}") from None
