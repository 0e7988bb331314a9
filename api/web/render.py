"""Rendering pages: the Jinja environment, links for IRIs, labels, and tables that page and
download as CSV.

A table downloads as the page shown (``?csv=<table id>``) or whole (``&rows=all``): the view then
asks its question once for the first :data:`~claimgraph.queries.catalog.MAX_LIMIT` rows (the most
any question gives at once) instead of a page. When the table has more, the page's link says so
("the first 1000 of 2345 rows"), and so do the download's file name (``-first-1000``) and its
``X-Claimgraph-Truncated: max-rows=1000`` header (the one ``/sparql`` uses for a cut answer).

Every IRI the project mints is shown by its label and linked to its page on this deployment
(``/id/...``, or under the ``base_url`` setting); a resource without a label gets a name read
from its IRI (``relay 1 of claim c4``), never the bare IRI.

>>> Links(None).href("https://w3id.org/claimgraph/id/actor/russia")
'/id/actor/russia'
>>> Links("https://claims.example.org/").href("https://w3id.org/claimgraph/ontology#ClaimAct")
'https://claims.example.org/ontology#ClaimAct'
>>> iri_label("https://w3id.org/claimgraph/id/claim/massis-post-2025-baku-moscow-rift/c4/relay-1")
'relay 1 of claim c4 (massis-post-2025-baku-moscow-rift)'
>>> iri_label("https://w3id.org/claimgraph/ontology#ClaimAct")
'ClaimAct'
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from claimgraph.api.sparql_protocol import TRUNCATED_HEADER
from claimgraph.ontology import iris
from claimgraph.queries.catalog import MAX_LIMIT

HERE = Path(__file__).parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"
MANIFEST = STATIC / "vendor" / "manifest.json"
ONTOLOGY = "https://w3id.org/claimgraph/ontology"

_KINDS = {"actor": "actor", "event": "event", "place": "place", "article": "article", "curator": "curator"}


class Links:
    """Where an IRI opens: IRIs under ``https://w3id.org/claimgraph/`` map to this deployment."""

    def __init__(self, base_url: str | None) -> None:
        self.base = base_url or "/"

    def href(self, iri: str | None) -> str | None:
        if not iri:
            return None
        if iri.startswith(iris.BASE):
            return self.base + iri[len(iris.BASE):]
        return iri

    def entity(self, kind: str, slug: str | None) -> str | None:
        """The page of an entity named by its slug (kind: actor, event, place, article, outlet)."""
        if not slug:
            return None
        kind = "actor" if kind in ("outlet", "speaker") else kind
        return self.base + f"id/{kind}/{slug}"


def iri_label(iri: str) -> str:
    """A readable name for an IRI without a label, from its path."""
    rest = iri[len(iris.ID):] if iri.startswith(iris.ID) else None
    if rest is None:
        return re.split(r"[#/]", iri.rstrip("/#"))[-1] or iri
    parts = rest.split("/")
    if parts[0] == "claim" and len(parts) >= 3:
        claim = f"claim {parts[2]} ({parts[1]})"
        return f"relay {parts[3].removeprefix('relay-')} of {claim}" if len(parts) > 3 else claim
    if parts[0] == "curation" and len(parts) >= 3:
        return f"curation of claim {parts[2]} ({parts[1]})"
    if parts[0] == "proposition" and len(parts) >= 3:
        return f"{parts[1]} {parts[2]}"
    return parts[-1]


def first_label(*candidates: Any, iri: str | None = None, limit: int = 140) -> str:
    """The first non-empty candidate, shortened; else a name read from the IRI."""
    for text in candidates:
        if text:
            text = " ".join(str(text).split())
            return text if len(text) <= limit else text[: limit - 1] + "…"
    return iri_label(iri) if iri else ""


@lru_cache(maxsize=1)
def vendor_files() -> dict[str, str]:
    """``{"htmx.min.js": "/static/vendor/htmx.org-2.0.8/htmx.min.js", ...}`` from the manifest."""
    manifest = json.loads(MANIFEST.read_text())
    return {file: f"/static/vendor/{entry['folder']}/{file}" for entry in manifest["packages"]
            for file in entry["files"] if file != "LICENSE"}


def vendored_packages() -> list[dict[str, Any]]:
    return json.loads(MANIFEST.read_text())["packages"]


def _json_script(value: Any) -> Markup:
    """JSON safe inside ``<script type="application/json">``."""
    text = json.dumps(value, ensure_ascii=False).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text)


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]),
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["json_script"] = _json_script
    env.globals["vendor"] = lambda name: vendor_files()[name]
    env.globals["iri_label"] = iri_label
    return env


# ------------------------------------------------------------------------------------- tables

@dataclass(frozen=True)
class Column:
    key: str
    label: str
    link: str | None = None      # the row key holding this cell's href
    numeric: bool = False


@dataclass
class Table:
    """A table of a page: what it shows, and which page of how many rows."""

    id: str
    caption: str
    columns: Sequence[Column]
    rows: list[dict[str, Any]]
    total: int | None = None     # rows in all (None: the table is not paged)
    offset: int = 0
    limit: int | None = None
    empty: str = "Nothing to show."
    prefix: str = ""             # of its paging parameters: ``offset`` / ``limit``, or ``claims_offset`` ...
    cap: int | None = MAX_LIMIT  # rows a whole download holds at most (None: the rows are all at hand)

    def param(self, name: str) -> str:
        return self.prefix + name

    @property
    def shown(self) -> str:
        """``1–25 of 80``; ``80`` when the table is not paged."""
        if self.total is None:
            return str(len(self.rows))
        if not self.rows:
            return f"0 of {self.total}"
        return f"{self.offset + 1}–{self.offset + len(self.rows)} of {self.total}"

    @property
    def previous(self) -> int | None:
        return None if self.total is None or self.offset <= 0 else max(self.offset - (self.limit or 0), 0)

    @property
    def next(self) -> int | None:
        if self.total is None or self.limit is None or self.offset + self.limit >= self.total:
            return None
        return self.offset + self.limit

    @property
    def whole(self) -> str | None:
        """What a whole download of a paged table holds: ``all 80 rows``, ``the first 1000 of
        2345 rows``; None when the page shows every row already."""
        if self.total is None or (self.previous is None and self.next is None):
            return None
        if self.cap is not None and self.total > self.cap:
            return f"the first {self.cap} of {self.total} rows"
        return f"all {self.total} rows"

    def csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow([c.label for c in self.columns])
        for row in self.rows:
            writer.writerow(["" if row.get(c.key) is None else row.get(c.key) for c in self.columns])
        return out.getvalue()


def with_params(request: Request, **changes: Any) -> str:
    """This page's URL (path and query) with some parameters changed (None removes one)."""
    params = [(k, v) for k, v in request.query_params.multi_items() if k not in changes]
    params += [(k, str(v)) for k, v in changes.items() if v is not None]
    query = urlencode(params)
    return request.url.path + (f"?{query}" if query else "")


@dataclass
class Page:
    """What a view hands to its template, and the tables a ``?csv=<id>`` request downloads."""

    template: str
    title: str
    context: dict[str, Any] = field(default_factory=dict)
    tables: dict[str, Table] = field(default_factory=dict)
    status: int = 200

    def add(self, *tables: Table) -> None:
        for table in tables:
            self.tables[table.id] = table


def wants_whole(request: Request) -> bool:
    """Does the request download a table whole (``?csv=<id>&rows=all``)?"""
    return request.query_params.get("csv") is not None and request.query_params.get("rows") == "all"


def respond(request: Request, page: Page) -> Response:
    """The page as HTML, or one of its tables as CSV when ``?csv=<table id>`` asks for it (the
    page shown, or with ``rows=all`` the whole table as far as its cap)."""
    wanted = request.query_params.get("csv")
    if wanted is not None:
        table = page.tables.get(wanted)
        if table is None:
            return Response(f"no table {wanted!r} on this page; tables: {', '.join(page.tables) or 'none'}\n",
                            status_code=404, media_type="text/plain; charset=utf-8")
        headers, suffix = {}, ""
        if wants_whole(request):
            cut = table.next is not None  # asked for all, and the question had more than its cap
            suffix = f"-first-{len(table.rows)}" if cut else "-all"
            if cut:
                headers[TRUNCATED_HEADER] = f"max-rows={table.limit}"
        name = re.sub(r"[^a-z0-9-]+", "-", f"{request.url.path.strip('/') or 'claimgraph'}-{wanted}".lower())
        headers["Content-Disposition"] = f'attachment; filename="{name.strip("-")}{suffix}.csv"'
        return Response(table.csv(), media_type="text/csv; charset=utf-8", headers=headers)
    settings = request.app.state.settings
    links = Links(settings.base_url)
    html = environment().get_template(page.template).render(
        title=page.title, request=request, links=links, tables=page.tables,
        url=lambda **changes: with_params(request, **changes), **page.context)
    return HTMLResponse(html, status_code=page.status)


def sliced(request: Request, table_id: str, caption: str, columns: Sequence[Column], rows: list[dict[str, Any]],
           *, prefix: str = "", default_limit: int = 25, empty: str = "Nothing to show.") -> Table:
    """A table paged here (rows computed whole, shown a page at a time): ``offset``/``limit``
    read from the request, under the table's prefix; a whole download gets every row."""
    offset, limit = (0, max(len(rows), 1)) if wants_whole(request) else page_params(request, prefix, default_limit)
    return Table(table_id, caption, columns, rows[offset:offset + limit], total=len(rows), offset=offset,
                 limit=limit, empty=empty, prefix=prefix, cap=None)


def page_params(request: Request, prefix: str = "", default_limit: int = 25, maximum: int = MAX_LIMIT
                ) -> tuple[int, int]:
    """``(offset, limit)`` from the request; malformed values fall back to the defaults. A whole
    download (:func:`wants_whole`) gets ``(0, maximum)``: the question's first rows, as many as
    it gives at once."""
    if wants_whole(request):
        return 0, maximum
    def number(name: str, default: int, low: int, high: int) -> int:
        try:
            return min(max(int(request.query_params.get(prefix + name, default)), low), high)
        except ValueError:
            return default
    return number("offset", 0, 0, 10**9), number("limit", default_limit, 1, maximum)
