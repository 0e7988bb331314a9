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
  store (the embedded one read-only; a server through its query endpoint only), under a hard time limit (503 with ``Retry-After`` when it expires) and a
  concurrency cap (503 "busy"); answers are capped at ``max_rows`` rows or triples, and a cut
  answer carries ``X-Claimgraph-Truncated: max-rows=N``.

Domain errors are raised, not answered here: :func:`claimgraph.api.errors.register` maps them to
HTTP in one place (``{"error": kind, "detail": message}``). Only the protocol's own answers are
built here: 406 (no acceptable format, listing what is offered) and 415 (unknown body type),
in the same JSON shape.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Annotated
from urllib.parse import parse_qs

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response

from claimgraph.api.deps import StoreVersionDep
from claimgraph.api.negotiation import choose
from claimgraph.ontology.errors import ForbiddenQuery, ParameterError, QueryTooLong
from claimgraph.queries.guard import UPDATES_REFUSED
from claimgraph.queries.sandbox import QuerySandbox
from claimgraph.queries.store.base import QueryForm
from claimgraph.queries.store.formats import GRAPH_MEDIA_TYPES, RESULTS_MEDIA_TYPES, media_types

TRUNCATED_HEADER = "X-Claimgraph-Truncated"

#: ``?format=`` names, per kind of answer.
RESULTS_FORMATS = dict(zip(("json", "xml", "csv", "tsv"), RESULTS_MEDIA_TYPES))
GRAPH_FORMATS = {"turtle": "text/turtle", "ttl": "text/turtle", "ntriples": "application/n-triples",
                 "nt": "application/n-triples", "jsonld": "application/ld+json",
                 "json-ld": "application/ld+json", "json": "application/ld+json"}
#: Other names clients use for the offered types (the answer always uses the canonical one).
_ALIASES = {
    "application/sparql-results+json": ("application/json",),
    "application/sparql-results+xml": ("application/xml", "text/xml"),
    "application/ld+json": ("application/json",),
}
_FORM_TYPE = "application/x-www-form-urlencoded"
_QUERY_TYPE = "application/sparql-query"
_UPDATE_TYPE = "application/sparql-update"


class NotAcceptable(Exception):
    """No offered media type is acceptable to the client (HTTP 406)."""

    def __init__(self, offered: Sequence[str]) -> None:
        super().__init__("none of the requested media types is available; offered: " + ", ".join(offered))
        self.offered = tuple(offered)


def negotiate(accept: str | None, form: QueryForm, format: str | None = None) -> str:
    """Choose the answer's media type from ``?format=`` or else the Accept header.

    Accept ranges with q-values and wildcards are honoured: each offered type takes the q of the
    most specific range that matches it; the highest q wins, then the more specific match, then
    the range the client listed first, then the server's order (defaults first).

    >>> negotiate("text/csv;q=0.5, application/sparql-results+xml", "SELECT")
    'application/sparql-results+xml'
    >>> negotiate("*/*", "CONSTRUCT")
    'text/turtle'
    >>> negotiate(None, "ASK", "tsv")
    'text/tab-separated-values'
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
    raise ParameterError(f"unknown format {name!r}; use one of: {', '.join(known)}")


# -- the router ---------------------------------------------------------------------------------

_DESCRIPTION = """\
Read-only [SPARQL 1.1 Protocol](https://www.w3.org/TR/sparql11-protocol/) endpoint over the
claim graph (one named graph per article; without `FROM`, the default graph is their union).

* **GET** `/sparql?query=...`, **POST** `application/x-www-form-urlencoded` (`query=...`) or
  **POST** `application/sparql-query` (the query is the body).
* Only SELECT, ASK, CONSTRUCT and DESCRIBE. Updates (`update=`, `application/sparql-update`,
  or an update sent as a query), `SERVICE`, and `FROM`/`FROM NAMED`/`default-graph-uri`/
  `named-graph-uri` naming a graph that is not in the store are refused with **403**.
* Answers by `Accept` (q-values and wildcards honoured) or `?format=`: SELECT/ASK in
  `application/sparql-results+json` (default, `json`), `application/sparql-results+xml` (`xml`),
  `text/csv` (`csv`), `text/tab-separated-values` (`tsv`); CONSTRUCT/DESCRIBE in `text/turtle`
  (default, `turtle`), `application/n-triples` (`ntriples`), `application/ld+json` (`jsonld`).
* Limits: query length (**413**), a hard time limit per query (**503** with `Retry-After`), a
  few queries at once (**503** busy), and a row cap: a cut answer carries the header
  `X-Claimgraph-Truncated: max-rows=N`.
* Errors: `{"error": kind, "detail": message}`; 400 syntax, 406 no acceptable format.
"""

_QUERY_DOC = "The SPARQL query (SELECT, ASK, CONSTRUCT or DESCRIBE)."
_DEFAULT_DOC = "A graph of the store to use as the default graph (repeatable; overrides FROM)."
_NAMED_DOC = "A graph of the store to make available to GRAPH (repeatable; overrides FROM NAMED)."
_FORMAT_DOC = "Answer format, overriding Accept: json, xml, csv, tsv, turtle, ntriples or jsonld."


def _error_doc(description: str) -> dict[str, object]:
    return {"description": description, "content": {"application/json": {"example": {
        "error": "kind", "detail": "what went wrong"}}}}


_RESPONSES: dict[int | str, dict[str, object]] = {
    200: {"description": "The answer, in the negotiated format.",
          "content": {media_type: {} for media_type in (*RESULTS_MEDIA_TYPES, *GRAPH_MEDIA_TYPES)}},
    400: _error_doc("Syntax error (with line and column), missing query or bad parameter."),
    403: _error_doc("Refused: an update, SERVICE, or a graph outside the store."),
    406: _error_doc("No acceptable format; the detail lists what is offered."),
    413: _error_doc("The query is longer than the configured cap."),
    415: _error_doc("POST with a body type other than form or sparql-query."),
    503: _error_doc("The query ran past its time limit, or too many queries are running "
                    "(see Retry-After)."),
}

_POST_BODY = {"requestBody": {"required": True, "content": {
    _FORM_TYPE: {"schema": {"type": "object", "required": ["query"], "properties": {
        "query": {"type": "string", "description": _QUERY_DOC},
        "default-graph-uri": {"type": "array", "items": {"type": "string"}, "description": _DEFAULT_DOC},
        "named-graph-uri": {"type": "array", "items": {"type": "string"}, "description": _NAMED_DOC},
    }}},
    _QUERY_TYPE: {"schema": {"type": "string", "description": _QUERY_DOC},
                  "example": "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"},
}}}

QueryParam = Annotated[str | None, Query(description=_QUERY_DOC)]
DefaultGraphParam = Annotated[list[str] | None, Query(alias="default-graph-uri", description=_DEFAULT_DOC)]
NamedGraphParam = Annotated[list[str] | None, Query(alias="named-graph-uri", description=_NAMED_DOC)]
FormatParam = Annotated[str | None, Query(description=_FORMAT_DOC)]


def sparql_router(
    get_sandbox: Callable[[], QuerySandbox],
    *,
    max_query_length: int = 20_000,
    path: str = "/sparql",
) -> APIRouter:
    """The ``/sparql`` routes. ``get_sandbox`` is called per request, so the app may swap the
    sandbox (e.g. after a re-ingest). Include :func:`claimgraph.api.errors.register` on the app.
    """
    router = APIRouter(tags=["sparql"])
    body_limit = 12 * max_query_length + 4096  # worst case: every character percent-encoded UTF-8

    @router.get(path, summary="SPARQL 1.1 query (GET)", description=_DESCRIPTION,
                response_class=Response, responses=_RESPONSES)
    async def sparql_get(request: Request, version: StoreVersionDep, query: QueryParam = None,
                         default_graph_uri: DefaultGraphParam = None,
                         named_graph_uri: NamedGraphParam = None,
                         format: FormatParam = None) -> Response:
        params = request.query_params
        if "update" in params:
            raise ForbiddenQuery(UPDATES_REFUSED)
        return await _answer(request, params.getlist("query"), params.getlist("default-graph-uri"),
                             params.getlist("named-graph-uri"), format, version)

    @router.post(path, summary="SPARQL 1.1 query (POST, form or direct)", description=_DESCRIPTION,
                 response_class=Response, responses=_RESPONSES, openapi_extra=_POST_BODY)
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
            return _problem(415, "unsupported-media-type",
                            f"POST a body of type {_FORM_TYPE} or {_QUERY_TYPE}, "
                            f"not {content_type or 'nothing'}")
        return await _answer(request, queries, defaults, named, format, version)

    async def _answer(request: Request, queries: list[str], defaults: list[str], named: list[str],
                      format: str | None, version: str | None) -> Response:
        # ``version``: the store version this request is pinned to; the worker answers from it.
        if len(queries) != 1:
            raise ParameterError("give exactly one query parameter" if queries else
                                 "missing the query parameter")
        query = queries[0]
        sandbox = get_sandbox()
        info = await sandbox.inspect_async(query, max_length=max_query_length,
                                           default_graph_uris=defaults, named_graph_uris=named, version=version)
        try:
            media_type = negotiate(request.headers.get("accept"), info.form, format)
        except NotAcceptable as exc:
            return _problem(406, "not-acceptable", str(exc))
        explicit = bool(defaults or named)
        result = await sandbox.run_async(
            query, form=info.form, media_type=media_type,
            default_graphs=defaults if explicit else None, named_graphs=named if explicit else None,
            union_default_graph=not info.has_dataset, prefixes=info.prefixes, version=version)
        headers = {"Vary": "Accept"}
        if result.truncated:
            headers[TRUNCATED_HEADER] = f"max-rows={sandbox.max_rows}"
        return Response(result.body, media_type=result.media_type, headers=headers)

    return router


def _problem(status: int, kind: str, detail: str) -> JSONResponse:
    return JSONResponse({"error": kind, "detail": detail}, status_code=status)


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
