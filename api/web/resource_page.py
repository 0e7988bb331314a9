"""The HTML page of one resource (``/id/...``): its label, facts, links, and what the questions say.

Every resource gets its facts (the triples it is the subject of, values shown by their labels)
and what points at it. Some kinds get more, from the named questions:

* a **claim**: its chain drawn from the article's first voice (its author, or its outlet) to the
  original speaker, the evidence (paraphrase, short quote, cue, paragraph), the article, the
  statement it mentions, the speaker's certainty and the curator's confidence, every actor with
  role and affiliation (``queries/parts/claim-details.rq`` and ``parts/actor-details.rq``, as
  every claim question shows it);
* an **event**: its claims by stance and by speaker (``event-claims``), and the timeline;
* an **actor**: its parts, and what it said (``speaker``); an outlet also whom it quotes (``outlet``);
* an **article**: its claims in the curator's order (``article-claims``).
"""

from __future__ import annotations

from typing import Any

import pyoxigraph as ox
from fastapi import Request

from claimgraph.api.deps import get_backend
from claimgraph.api.web.render import Column, Links, Page, Table, first_label, iri_label, page_params, sliced
from claimgraph.api.web.views import (CLAIM_COLUMNS, TIMELINE_COLUMNS, _claim_rows, article_name, timeline_data,
                                      timeline_rows, who)
from claimgraph.queries.details import actor_slugs, actors, describe, lookup
from claimgraph.queries.layouts import fold_claims
from claimgraph.queries.terms import to_python

CG = "https://w3id.org/claimgraph/ontology#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
LABELS = ("http://www.w3.org/2000/01/rdf-schema#label", CG + "title", CG + "paraphrase")
#: Values derived to index a claim or an article for the questions (``ontology/rules/claim-key.rq``,
#: ``article-key.rq``): each of their fields is shown as a fact of its own, so the page leaves them
#: out (the machine formats keep them).
INDEXES = {CG + "claimKey", CG + "articleKey"}
PARTS = (CG + "partOf", CG + "represents")
OUTLETS = (CG + "NewsOutlet", CG + "UnidentifiedOutlet")
_KIND_TEMPLATES = {"claim": "resource_claim.html", "event": "resource_event.html"}


def _value(links: Links, term: Any, *labels: Any) -> dict[str, Any]:
    if isinstance(term, ox.Literal):
        return {"text": term.value, "lang": term.language}
    iri = term.value
    return {"text": first_label(*labels, iri=iri), "href": links.href(iri)}


def facts(links: Links, outgoing: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``[{property, href, values: [{text, href?}]}]``, one entry per property, labels for values."""
    grouped: dict[str, dict[str, Any]] = {}
    for row in outgoing:
        prop = row["property"].value
        if prop in INDEXES:
            continue
        entry = grouped.setdefault(prop, {"property": first_label(to_python(row.get("propertyLabel")), iri=prop),
                                          "iri": prop, "href": links.href(prop), "objects": []})
        value = _value(links, row["value"], to_python(row.get("valueLabel")), to_python(row.get("valueTitle")),
                       to_python(row.get("valueParaphrase")))
        if value not in entry["objects"]:
            entry["objects"].append(value)
    order = {RDF_TYPE: 0, LABELS[0]: 1}
    return sorted(grouped.values(), key=lambda e: (order.get(e["iri"], 2), e["property"].casefold()))


def own_label(iri: str, outgoing: list[dict[str, Any]]) -> str:
    by_property = {row["property"].value: row["value"].value for row in outgoing if isinstance(row["value"], ox.Literal)}
    return first_label(*(by_property.get(p) for p in LABELS), iri=iri, limit=200)


def page(request: Request, iri: str, path: str, outgoing: list[dict[str, Any]], incoming: list[dict[str, Any]]) -> Page:
    links = Links(request.app.state.settings.base_url)
    kind, _, rest = path.partition("/")
    types = {row["value"].value for row in outgoing if row["property"].value == RDF_TYPE}
    type_labels = sorted({first_label(to_python(row.get("valueLabel")), iri=row["value"].value)
                          for row in outgoing if row["property"].value == RDF_TYPE})
    label = own_label(iri, outgoing)
    pointing = [{"subject": first_label(*(to_python(row.get(k)) for k in ("subjectLabel", "subjectTitle", "subjectParaphrase")),
                                        iri=row["subject"].value),
                 "href": links.href(row["subject"].value),
                 "relation": first_label(to_python(row.get("propertyLabel")), iri=row["property"].value),
                 "property": row["property"].value} for row in incoming]
    relative = links.href(iri) or ("/id/" + path)
    result = Page(_KIND_TEMPLATES.get(kind, "resource.html") if "/relay-" not in path else "resource.html", label, {
        "iri": iri, "kind": kind, "types": type_labels, "facts": facts(links, outgoing),
        "formats": [("Turtle", f"{relative}?format=ttl"), ("JSON-LD", f"{relative}?format=jsonld"),
                    ("N-Triples", f"{relative}?format=nt")],
        "parts": [p for p in pointing if p["property"] in PARTS]})
    result.add(sliced(request, "links", "What points here", (
        Column("subject", "Resource", "href"), Column("relation", "Relation")), pointing, prefix="in_",
        empty="Nothing in the store points at this resource."))
    slug = rest.split("/")[0] if kind in ("actor", "event", "place", "article") else None
    if kind == "claim" and "/relay-" not in path:
        _claim(request, links, iri, result)
    elif kind == "event" and slug:
        _event(request, links, slug, result)
    elif kind == "actor" and slug:
        _actor(request, links, slug, result, is_outlet=bool(types & set(OUTLETS)))
    elif kind == "article" and slug:
        _claims_table(request, links, result, "article-claims", "Claims in this article, in the curator's order",
                      article=slug)
    return result


def _claims_table(request: Request, links: Links, result: Page, question: str, caption: str, **params: Any
                  ) -> dict[str, Any]:
    offset, limit = page_params(request, "", 25)
    answer = request.app.state.questions.answer(question, {**params, "limit": limit, "offset": offset},
                                                get_backend(request))
    result.add(Table("claims", caption, CLAIM_COLUMNS, _claim_rows(links, answer["results"]), total=answer["total"],
                     offset=offset, limit=limit))
    return answer


def _claim(request: Request, links: Links, iri: str, result: Page) -> None:
    """The claim as every claim question shows it: chain, evidence, article, certainty, confidence."""
    found = lookup([iri], get_backend(request)).get(iri, [])
    if not found or found[0]["facet"] != "claim":
        return
    record, rows = fold_claims(found)[iri]
    describe(record, actors(actor_slugs(found), get_backend(request)))
    first = record["root"]["as"]  # the first voice: the article's author, or its outlet
    chain = [{**link, "href": links.entity("actor", link["slug"]), "who": who(link)} for link in record["chain"]]
    answers = sorted({(r["linkProperty"], r["answered"]) for r in rows if r.get("answered")})
    result.context.update(claim=record, chain=chain, chain_svg=_chain_layout(chain, first), first_voice=first,
                          article_name=article_name(record["article"]),
                          speakers=[{"who": who(s), "href": links.entity("actor", s["slug"])} for s in record["speakers"]],
                          mention_href=links.entity("event", (record["mentionOf"] or {}).get("slug")),
                          article_href=links.entity("article", record["article"]["slug"]),
                          outlet_href=links.entity("actor", record["outlet"]["slug"]),
                          proposition_href=links.href(record["proposition"]["iri"]),
                          answers=[{"relation": iri_label(p), "href": links.href(a), "text": iri_label(a)} for p, a in answers])
    result.title = record["evidence"]["paraphrase"] or result.title


def _chain_layout(chain: list[dict[str, Any]], first: str = "outlet") -> dict[str, Any]:
    """Boxes left to right, from the first voice (``first``: the outlet, or the article's author)
    to the original speaker, for the SVG drawing."""
    width, gap = 210, 70
    boxes = []
    for i, link in enumerate(chain):
        text = link["label"] or link["slug"]
        boxes.append({**link, "x": 10 + i * (width + gap), "lines": _wrap(text, 26)[:3], "first": i == 0,
                      "role": first if i == 0 else "original speaker" if i == len(chain) - 1 else "relay"})
    return {"boxes": boxes, "width": 20 + len(chain) * width + (len(chain) - 1) * gap, "box": width, "gap": gap}


def _wrap(text: str, size: int) -> list[str]:
    lines, line = [], ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > size:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    if line:
        lines.append(line)
    return [ln if len(ln) <= size else ln[: size - 1] + "…" for ln in lines]


def _event(request: Request, links: Links, slug: str, result: Page) -> None:
    answer = _claims_table(request, links, result, "event-claims", "Claims about this event", event=slug)
    result.add(Table("speakers", "Claims by speaker and stance", (
        Column("speaker", "Speaker", "href"), Column("count", "Claims", numeric=True),
        Column("affirming", "Affirming", numeric=True), Column("denying", "Denying", numeric=True),
        Column("questioning", "Questioning", numeric=True)),
        [{"speaker": s["speaker"]["label"], "href": links.entity("actor", s["speaker"]["slug"]), "count": s["count"],
          **{k: s["stances"].get(k, 0) for k in ("affirming", "denying", "questioning")}} for s in answer["by_speaker"]]))
    events = timeline_data(request, limit=200)["results"]
    result.add(Table("events", "All events in time order", TIMELINE_COLUMNS, timeline_rows(request, events)))
    result.context.update(by_stance=answer["by_stance"], by_speaker=answer["by_speaker"], events=events, highlight=slug)


def _actor(request: Request, links: Links, slug: str, result: Page, *, is_outlet: bool) -> None:
    _claims_table(request, links, result, "speaker", "What this actor (or one of its parts) said", actor=slug)
    if is_outlet:
        answer = request.app.state.questions.answer("outlet", {"outlet": slug, "limit": 1}, get_backend(request))
        result.add(Table("quotes", "Whom this outlet quotes", (
            Column("speaker", "Speaker", "href"), Column("claims", "As original speaker", numeric=True),
            Column("relayed", "As a relay", numeric=True)),
            [{"speaker": q["speaker"]["label"], "href": links.entity("actor", q["speaker"]["slug"]),
              "claims": q["claims"], "relayed": q["relayed"]} for q in answer["quotes"]]))
        result.context["by_voice"] = answer["by_voice"]


__all__ = ["facts", "page"]
