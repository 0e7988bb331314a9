"""The ontology IRI resolving with content negotiation: ``/ontology`` and its three forms.

The ontology IRI ``https://w3id.org/claimgraph/ontology`` redirects here: HTML for browsers,
Turtle for ``Accept: text/turtle``, RDF/XML for ``Accept: application/rdf+xml``;
``/ontology.html``, ``/ontology.ttl`` and ``/ontology.owl`` name one form each. A term's IRI
``...ontology#ClaimAct`` lands on its entry: the page's anchors are the terms' local names.

The page served is the one ``make docs`` built (:mod:`claimgraph.ontology.docs`) when it was
built from the same ontology, generator and store as the API's (a stamp in the page says which);
otherwise the API builds it from its own store on the first request (a few seconds) and keeps it
in memory.

>>> negotiate("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")
'html'
>>> negotiate("application/rdf+xml, application/xml;q=0.7, */*;q=0.1")
'owl'
>>> negotiate("text/turtle;q=0.9, application/rdf+xml;q=0.5")
'ttl'
>>> negotiate("image/png") is None
True
"""

from __future__ import annotations

import threading
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from claimgraph import ontology
from claimgraph.api.negotiation import choose, parse_accept
from claimgraph.ontology import docs
from claimgraph.queries.settings import get_settings
from claimgraph.queries.store import Backend

# Media types we answer with, in the order we prefer them when the client has no preference.
FORMS: dict[str, tuple[str, ...]] = {
    "html": ("text/html", "application/xhtml+xml"),
    "ttl": ("text/turtle", "application/x-turtle"),
    "owl": ("application/rdf+xml", "application/xml", "text/xml"),
}
MEDIA_TYPE = {"html": "text/html; charset=utf-8", "ttl": "text/turtle; charset=utf-8",
              "owl": "application/rdf+xml"}


def negotiate(accept: str | None) -> str | None:
    """``html``, ``ttl`` or ``owl`` for an Accept header; None when it accepts none of them.

    No header, or ``*/*``, gets HTML (what a person following the IRI wants)."""
    if not accept or not parse_accept(accept):
        return "html"
    chosen = choose(accept, [t for types in FORMS.values() for t in types])
    return next((form for form, types in FORMS.items() if chosen in types), None)


class _Cache:
    """The page the app serves, found on disk or built once from the app's backend."""

    def __init__(self, docs_dir: Path) -> None:
        self.docs_dir = docs_dir
        self.lock = threading.Lock()
        self.page: str | None = None

    def get(self, backend: Backend) -> str:
        with self.lock:
            if self.page is None:
                wanted = docs.stamp(backend)
                built = self.docs_dir / docs.HTML_FILE
                text = built.read_text("utf-8") if built.is_file() else None
                self.page = text if text is not None and docs.page_stamp(text) == wanted else docs.build(backend)
            return self.page


def _not_acceptable(accept: str) -> JSONResponse:
    offered = ", ".join(t for types in FORMS.values() for t in types)
    return JSONResponse({"error": "not-acceptable",
                         "detail": f"the ontology is available as {offered}; the request accepts {accept!r}"},
                        status_code=406, headers={"Vary": "Accept"})


def router(docs_dir: Path | None = None) -> APIRouter:
    """``/ontology`` (negotiated), ``/ontology.html``, ``/ontology.ttl``, ``/ontology.owl``;
    the page built by ``make docs`` is looked for in ``docs_dir`` (by default the setting)."""
    r = APIRouter(tags=["ontology"])
    cache = _Cache(docs_dir if docs_dir is not None else get_settings().docs_dir)

    async def _html(request: Request) -> HTMLResponse:
        page = await run_in_threadpool(cache.get, request.app.state.backend)
        return HTMLResponse(page)

    def _form(form: str) -> Response:
        path = ontology.SOURCE if form == "ttl" else ontology.OWL_FILE
        return FileResponse(path, media_type=MEDIA_TYPE[form])

    @r.api_route("/ontology", methods=["GET", "HEAD"], summary="The ontology: HTML, Turtle or RDF/XML by Accept",
                 response_class=HTMLResponse,
                 responses={200: {"content": {"text/turtle": {}, "application/rdf+xml": {}}},
                            406: {"description": "none of HTML, Turtle, RDF/XML is acceptable"}})
    async def ontology_negotiated(request: Request) -> Response:
        accept = request.headers.get("accept", "")
        form = negotiate(accept)
        if form is None:
            return _not_acceptable(accept)
        response = await _html(request) if form == "html" else _form(form)
        response.headers["Vary"] = "Accept"
        response.headers["Content-Location"] = f"/ontology.{'html' if form == 'html' else form}"
        return response

    @r.api_route("/ontology.html", methods=["GET", "HEAD"], summary="The ontology's documentation (HTML)",
                 response_class=HTMLResponse)
    async def ontology_html(request: Request) -> Response:
        return await _html(request)

    @r.api_route("/ontology.ttl", methods=["GET", "HEAD"], summary="The ontology in Turtle (the edited source)",
                 response_class=Response, responses={200: {"content": {"text/turtle": {}}}})
    def ontology_ttl() -> Response:
        return _form("ttl")

    @r.api_route("/ontology.owl", methods=["GET", "HEAD"], summary="The ontology in RDF/XML",
                 response_class=Response, responses={200: {"content": {"application/rdf+xml": {}}}})
    def ontology_owl() -> Response:
        return _form("owl")

    return r


