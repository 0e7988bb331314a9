"""The dashboard's views: each one a page at a shareable URL whose query parameters reproduce it.

Every view asks the named questions (:func:`claimgraph.queries.run.ask`, the definitions the JSON
API answers from, within its limits: :mod:`claimgraph.api.question_limits`) and shows their
answers as tables and drawings: no question's SPARQL is
repeated here. What the pages need beyond the questions (an entity's label) comes from the
resource queries (``queries/resources/*.rq``).

Actors are shown as the answers describe them: a person with their role and affiliation
(``Maria Zakharova (spokesperson of the Foreign Ministry; represents: Ministry of Foreign
Affairs of Russia)``), a joint statement with all its speakers; an article by its title as
printed, or by its label when the text shows none.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import escape

from claimgraph.api.deps import get_backend
from claimgraph.api.errors import status_for
from claimgraph.api.web.render import Column, Links, Page, Table, page_params, respond, sliced
from claimgraph.ontology import iris
from claimgraph.ontology.errors import ClaimgraphError
from claimgraph.queries.resources import rows as resource_rows

logger = logging.getLogger(__name__)

MATRIX = (("own", "affirms"), ("own", "denies"), ("reported", "affirms"), ("reported", "denies"))
VOICE = {"own": "in its own voice", "reported": "reporting someone"}


def _links(request: Request) -> Links:
    return Links(request.app.state.settings.base_url)


def _answer(request: Request, name: str, **params: Any) -> dict[str, Any]:
    """The JSON answer of a question, as ``GET /questions/NAME`` gives it."""
    given = {k: v for k, v in params.items() if v not in (None, "")}
    return request.app.state.questions.answer(name, given, get_backend(request))


def view(fn: Callable[..., Page]) -> Callable[..., Response]:
    """A view: its Page as HTML (or a table as CSV); a domain error shown in the page."""
    @wraps(fn)
    def wrapper(request: Request) -> Response:
        try:
            page = fn(request)
        except ClaimgraphError as exc:
            page = Page("error.html", "Cannot show this", {"message": str(exc)}, status=status_for(exc))
        return respond(request, page)
    return wrapper


def who(actor: dict[str, Any] | None) -> str:
    """An actor as the answers describe it: its label, with its role and affiliations if any.

    >>> who({"label": "Maria Zakharova", "role": "spokesperson", "affiliations": [
    ...     {"relation": "represents", "slug": "mfa", "label": "Foreign Ministry"}]})
    'Maria Zakharova (spokesperson; represents: Foreign Ministry)'
    >>> who({"label": "Russia", "role": None, "affiliations": []})
    'Russia'
    """
    if not actor:
        return ""
    details = [actor["role"]] if actor.get("role") else []
    by_relation: dict[str, list[str]] = {}
    for a in actor.get("affiliations") or []:
        by_relation.setdefault(a["relation"].replace("-", " "), []).append(a["label"] or a["slug"])
    details += [f"{relation}: {', '.join(labels)}" for relation, labels in by_relation.items()]
    return f"{actor['label']} ({'; '.join(details)})" if details else actor["label"]


def article_name(article: dict[str, Any]) -> str:
    """An article by its title as printed, else its label (our description), else its slug."""
    return article.get("title") or article.get("label") or article["slug"]


def _claim_rows(links: Links, claims: list[dict[str, Any]], outlet: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    rows = []
    for c in claims:
        o = outlet or c.get("outlet") or {}
        article = c["article"] if isinstance(c["article"], dict) else {"slug": c["article"], "title": c["article"]}
        speakers = c.get("speakers") or [c["speaker"]]
        rows.append({
            "claim": c["evidence"]["paraphrase"], "claim_href": links.href(c["claim"]),
            "speaker": " and ".join(who(s) for s in speakers), "speaker_href": links.entity("actor", c["speaker"]["slug"]),
            "outlet": o.get("label"), "outlet_href": links.entity("actor", o.get("slug")),
            "chain": " → ".join(link["label"] for link in c["chain"]),
            "voice": c.get("voice"), "illocution": c.get("illocution"), "polarity": c.get("polarity"),
            "stance": c.get("stance"), "certainty": c.get("certainty"), "confidence": c.get("analystConfidence"),
            "quote": c["evidence"].get("quote"), "when": (c.get("when") or {}).get("label"),
            "article": article_name(article), "article_href": links.entity("article", article["slug"]),
        })
    return rows


CLAIM_COLUMNS = (Column("claim", "Claim (paraphrase)", "claim_href"), Column("speaker", "Original speaker", "speaker_href"),
                 Column("chain", "Chain (first voice → speaker)"), Column("voice", "Voice"), Column("illocution", "Act"),
                 Column("stance", "Stance"), Column("certainty", "Certainty"), Column("quote", "Quote"),
                 Column("when", "When"), Column("article", "Article", "article_href"))


# ------------------------------------------------------------------------------------------ home

@view
def home(request: Request) -> Page:
    links = _links(request)
    offset, limit = page_params(request, "", 25)
    answer = _answer(request, "articles", limit=limit, offset=offset)
    articles = [{"title": article_name(a), "title_href": links.entity("article", a["article"]),
                 "outlet": a["outlet"]["label"], "outlet_href": links.entity("actor", a["outlet"]["slug"]),
                 "authors": ", ".join(who(author) for author in a["authors"]),
                 "published": (a["published"] or {}).get("label"), "claims": a["claims"]}
                for a in answer["results"]]
    page = Page("home.html", "Who claims what, in whose voice")
    page.add(Table("articles", "Articles in the corpus, by publication date", (
        Column("title", "Article", "title_href"), Column("outlet", "Outlet", "outlet_href"), Column("authors", "Authors"),
        Column("published", "Published"), Column("claims", "Claims", numeric=True)), articles,
        total=answer["total"], offset=offset, limit=limit))
    return page


# ---------------------------------------------------------------------------------- attributions

def _cells(entry: dict[str, Any]) -> dict[str, dict[str, Any]]:
    cells = {}
    for voice, stance in MATRIX:
        claims = [c for c in entry["claims"] if c["voice"] == voice and c["stance"] == stance]
        cells[f"{voice}-{stance}"] = {"voice": voice, "stance": stance, "count": len(claims),
                                      "certainty": sorted({c.get("certainty") or "unknown" for c in claims})}
    return cells


@view
def attributions(request: Request) -> Page:
    q = request.query_params
    event, actor = q.get("event", "").strip(), q.get("actor", "").strip()
    page = Page("attributions.html", "Attributions: which outlets hold whom responsible",
                {"event": event, "actor": actor, "matrix": MATRIX, "voices": VOICE})
    if not (event and actor):
        return page
    links = _links(request)
    offset, limit = page_params(request, "", 25)
    answer = _answer(request, "attributions", event=event, actor=actor, limit=limit, offset=offset)
    outlet, voice, stance = q.get("outlet"), q.get("voice"), q.get("stance")
    rows, claims = [], []
    for entry in answer["results"]:
        articles = {a["slug"]: a for a in entry["articles"]}
        for c in entry["claims"]:
            c["outlet"], c["article"] = entry["outlet"], articles.get(c["article"], {"slug": c["article"]})
        cells = _cells(entry)
        row = {"outlet": entry["outlet"]["label"], "outlet_slug": entry["outlet"]["slug"],
               "outlet_href": links.entity("actor", entry["outlet"]["slug"]), "cells": cells,
               "articles": "; ".join(article_name(a) for a in entry["articles"]), "stance": entry["stance"]}
        row.update({key: cell["count"] for key, cell in cells.items()})
        rows.append(row)
        if outlet in (None, "", entry["outlet"]["slug"]):
            claims += [c for c in entry["claims"] if voice in (None, "", c["voice"]) and stance in (None, "", c["stance"])]
    matrix = Table("matrix", "Outlets × how they attribute it (claims per cell)",
                   (Column("outlet", "Outlet", "outlet_href"),
                    *(Column(f"{v}-{s}", f"{VOICE[v]}, {s}", numeric=True) for v, s in MATRIX),
                    Column("stance", "Overall"), Column("articles", "Articles")),
                   rows, total=answer["total"], offset=offset, limit=limit,
                   empty="No outlet attributes this event to this actor or its parts.")
    selected = " · ".join(filter(None, (outlet and next((r["outlet"] for r in rows if r["outlet_slug"] == outlet), outlet),
                                        voice and VOICE.get(voice, voice), stance)))
    page.add(matrix, sliced(request, "claims", f"Claims: {selected}" if selected else "Claims behind the matrix",
                            CLAIM_COLUMNS, _claim_rows(links, claims), prefix="claims_"))
    page.context.update(rows=rows, selected={"outlet": outlet, "voice": voice, "stance": stance},
                        event_label=_label_of(request, event, "event"), actor_label=_label_of(request, actor, "actor"))
    return page


def _label_of(request: Request, slug: str, kind: str) -> str:
    """The label of an entity by its slug (its resource's rdfs:label)."""
    rows = resource_rows("resource", get_backend(request), {"resource": str(iris.entity(kind, slug))})  # type: ignore[arg-type]
    return next((r["value"] for r in rows if r["property"].endswith("#label")), slug)


def suggest(request: Request) -> HTMLResponse:
    """``<option>``s for a datalist: entities whose names contain the typed text (the search question)."""
    q = request.query_params
    kind = q.get("type")
    text = (q.get(q.get("field", "text")) or q.get("text") or "").strip()
    if len(text) < 2 or kind not in (None, "actor", "event", "place"):
        return HTMLResponse("")
    try:
        found = _answer(request, "search", text=text, type=kind, limit=12)["results"]
    except ClaimgraphError:
        return HTMLResponse("")
    return HTMLResponse("".join(f'<option value="{escape(r["slug"])}">{escape(r["label"])} ({escape(r["kind"])})</option>'
                                for r in found))


# ------------------------------------------------------------------------------------- network

@view
def network(request: Request) -> Page:
    q = request.query_params
    kind = q.get("kind") or None
    focus = (q.get("actor") or "").strip() or None
    try:
        minimum = max(int(q.get("min") or 1), 1)
    except ValueError:
        minimum = 1
    offset, limit = page_params(request, "", 200)
    answer = _answer(request, "network", kind=kind, limit=limit, offset=offset)
    edges = [e for e in answer["edges"] if e["count"] >= minimum and focus in (None, e["source"], e["target"])]
    ids = {e[end] for e in edges for end in ("source", "target")}
    nodes = [n for n in answer["nodes"] if n["id"] in ids]
    labels = {n["id"]: n["label"] for n in answer["nodes"]}
    links = _links(request)
    rows = [{"source": labels.get(e["source"], e["source"]), "source_href": links.entity("actor", e["source"]),
             "kind": "gives voice to" if e["kind"] == "voice" else "accuses",
             "target": labels.get(e["target"], e["target"]), "target_href": links.entity("actor", e["target"]),
             "count": e["count"], "articles": e["articles"],
             "about": ", ".join(e.get("deeds", []) + e.get("events", []))} for e in edges]
    for row, e in zip(rows, edges):
        if e["kind"] == "voice":  # read as: the outlet gives voice to the speaker
            row.update(source=row["target"], source_href=row["target_href"], target=labels.get(e["source"], e["source"]),
                       target_href=links.entity("actor", e["source"]))
    page = Page("network.html", "Network: who is given voice where, who accuses whom",
                {"graph": {"nodes": [{**n, "href": links.entity("actor", n["id"])} for n in nodes], "edges": edges},
                 "kind": kind or "", "minimum": minimum, "focus": focus or ""})
    page.add(Table("edges", "Edges", (Column("source", "From", "source_href"), Column("kind", "Relation"),
                                      Column("target", "To", "target_href"), Column("count", "Claims", numeric=True),
                                      Column("articles", "Articles", numeric=True), Column("about", "About")),
                   rows, total=answer["total"], offset=offset, limit=limit, empty="No edge matches these filters."))
    return page


# ------------------------------------------------------------------------------------ timeline

def timeline_data(request: Request, since: str | None = None, until: str | None = None,
                  limit: int = 200, offset: int = 0) -> dict[str, Any]:
    answer = _answer(request, "timeline", since=since, until=until, limit=limit, offset=offset)
    links = _links(request)
    for item in answer["results"]:
        item["href"] = links.entity("event", item["event"])
    return answer


TIMELINE_COLUMNS = (Column("label", "Event", "href"), Column("time", "When (as curated)"),
                    Column("earliest", "Earliest"), Column("latest", "Latest"), Column("type", "Type"),
                    Column("place", "Place", "place_href"), Column("claims", "Claims", numeric=True),
                    Column("outlets", "Outlets", numeric=True))


def timeline_rows(request: Request, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    links = _links(request)
    return [{"label": i["label"], "href": i["href"], "time": (i["time"] or {}).get("label"),
             "earliest": (i["time"] or {}).get("earliest"), "latest": (i["time"] or {}).get("latest"),
             "type": i["type"], "place": (i["place"] or {}).get("label"),
             "place_href": links.entity("place", (i["place"] or {}).get("slug")),
             "claims": i["claims"], "outlets": i["outlets"]} for i in items]


@view
def timeline(request: Request) -> Page:
    q = request.query_params
    since, until = q.get("since") or None, q.get("until") or None
    offset, limit = page_params(request, "", 100)
    answer = timeline_data(request, since, until, limit, offset)
    page = Page("timeline.html", "Timeline: events with their vague time",
                {"events": answer["results"], "since": since or "", "until": until or "", "highlight": q.get("event")})
    page.add(Table("events", "Events in time order", TIMELINE_COLUMNS, timeline_rows(request, answer["results"]),
                   total=answer["total"], offset=offset, limit=limit, empty="No event in this window."))
    return page


# -------------------------------------------------------------------- contradictions, corroboration

def _side(links: Links, side: dict[str, Any]) -> dict[str, Any]:
    return {**side, "href": links.href(side["claim"]), "speaker_who": who(side["speaker"]),
            "speaker_href": links.entity("actor", side["speaker"]["slug"]),
            "outlet_href": links.entity("actor", side["outlet"]["slug"]),
            "proposition_href": links.href(side["proposition"]["iri"])}


@view
def contradictions(request: Request) -> Page:
    links = _links(request)
    offset, limit = page_params(request, "", 10)
    pairs = _answer(request, "contradictions", limit=limit, offset=offset)
    items = [{"left": _side(links, p["left"]), "right": _side(links, p["right"]), "reasons": p["reasons"]}
             for p in pairs["results"]]
    q = request.query_params
    single = q.get("single") in ("1", "true", "on")
    c_offset, c_limit = page_params(request, "corr_", 25)
    corroboration = _answer(request, "corroboration", only_single_outlet=single or None, limit=c_limit, offset=c_offset)
    page = Page("contradictions.html", "Contradictions and corroboration",
                {"pairs": items, "single": single, "summary": {k: corroboration.get(k) for k in ("single_outlet", "propositions")}})
    page.add(Table("pairs", "Pairs of conflicting claims", (
        Column("left_speaker", "Left: speaker"), Column("left_stance", "Left: stance"), Column("left", "Left: claim", "left_href"),
        Column("right_speaker", "Right: speaker"), Column("right_stance", "Right: stance"),
        Column("right", "Right: claim", "right_href"), Column("reasons", "Why they conflict")),
        [{"left_speaker": p["left"]["speaker"]["label"], "left_stance": p["left"]["stance"],
          "left": p["left"]["paraphrase"], "left_href": p["left"]["href"],
          "right_speaker": p["right"]["speaker"]["label"], "right_stance": p["right"]["stance"],
          "right": p["right"]["paraphrase"], "right_href": p["right"]["href"], "reasons": ", ".join(p["reasons"])}
         for p in items], total=pairs["total"], offset=offset, limit=limit))
    page.add(Table("corroboration", "Propositions and charges by how many outlets carry them", (
        Column("proposition", "Proposition or charge", "href"), Column("type", "Type"),
        Column("wordings", "Wordings"), Column("carried_by", "Original speakers"),
        Column("outlets", "Outlets", numeric=True), Column("utterances", "Utterances", numeric=True),
        Column("claims", "Claims", numeric=True), Column("denials", "Denials", numeric=True),
        Column("single", "Rests on one outlet")),
        [{"proposition": i["proposition"]["label"], "href": links.href(i["proposition"]["iri"]),
          "type": i["proposition"]["type"] + (" (one charge)" if len(i["variants"]) > 1 else ""),
          "wordings": "; ".join(v["proposition"]["label"] for v in i["variants"]) if len(i["variants"]) > 1 else None,
          "carried_by": ", ".join(s["label"] for s in i["carried_by"]), "outlets": i["outlets"],
          "utterances": i["utterances"], "claims": i["claims"], "denials": i["denials"],
          "single": "yes" if i["single_outlet"] else "no"} for i in corroboration["results"]],
        total=corroboration["total"], offset=c_offset, limit=c_limit, prefix="corr_"))
    return page


# -------------------------------------------------------------------------------------- search

@view
def search(request: Request) -> Page:
    q = request.query_params
    text, kind = (q.get("text") or "").strip(), q.get("type") or ""
    page = Page("search.html", "Search: actors, events, places, articles, claims", {"text": text, "kind": kind})
    if not text:
        return page
    links = _links(request)
    offset, limit = page_params(request, "", 25)
    answer = _answer(request, "search", text=text, type=kind or None, limit=limit, offset=offset)
    found = [{"label": who(r) if r["type"] == "actor" else r["label"],
              "href": links.href(r["claim"]) if r["type"] == "claim" else links.entity(r["type"], r["slug"]),
              "kind": r["kind"].replace("-", " "), "match": r["match"],
              "article": r["slug"] if r["type"] == "claim" else None,
              "article_href": links.entity("article", r["slug"]) if r["type"] == "claim" else None}
             for r in answer["results"]]
    page.add(Table("results", f"Results for “{text}”", (
        Column("label", "Name or claim", "href"), Column("kind", "Kind"), Column("match", "Match"),
        Column("article", "In article", "article_href")), found, total=answer["total"], offset=offset, limit=limit,
        empty="Nothing matches; try part of a name (accents and case do not matter)."))
    return page


def router() -> APIRouter:
    r = APIRouter(tags=["dashboard"], include_in_schema=False)
    for path, fn in (("/", home), ("/attributions", attributions), ("/network", network), ("/timeline", timeline),
                     ("/contradictions", contradictions), ("/search", search)):
        r.add_api_route(path, fn, methods=["GET"], response_class=HTMLResponse)
    r.add_api_route("/suggest", suggest, methods=["GET"], response_class=HTMLResponse)
    return r
