"""The schema.org view: every claim act as a ``schema:Claim`` in a ``schema:ItemList``.

A *view*, not a copy of the graph: one ``schema:Claim`` per claim act (reporting acts are not
claims of their own), with ``author`` the original speaker (``schema:Person`` for persons,
``schema:Organization`` or a subtype for every other actor, since ``author`` admits nothing
else), ``appearance`` the article (``schema:NewsArticle`` with ``headline``, ``datePublished``
when the day is known, ``publisher`` the outlet), ``text`` the curator's paraphrase, ``about``
the events of its proposition and ``claimInterpreter`` the curator. claimgraph does not rate
claims, so it emits no ``schema:ClaimReview``: a ClaimReview without a ``reviewRating`` by a
fact-checker would tell fact-checking tools that a review exists where none does. The claims sit
in an ``ItemList`` instead, and the illocution, polarity and certainty are added with their
``cg:`` properties for tools that want to tell a denial from an accusation.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from claimgraph.ontology import iris
from claimgraph.ontology.context import CG, compact
from claimgraph.queries.export.base import Exporter
from claimgraph.queries.store import Backend

SCHEMA = "https://schema.org/"

_CG = f"PREFIX cg: <{CG}>\n"
PERSON_CLASSES = {CG + "Person"}
ORGANIZATION_TYPES = {CG + "NewsOutlet": "NewsMediaOrganization", CG + "UnidentifiedOutlet": "NewsMediaOrganization",
                      CG + "GovernmentBody": "GovernmentOrganization"}

_CLAIMS = _CG + """PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?claim ?paraphrase ?quote ?speaker ?article ?illocution ?polarity ?certainty ?earliest ?latest
       ?curator ?curatorLabel
WHERE {
  ?claim a cg:ClaimAct ; cg:inArticle ?article ; cg:speaker ?speaker ; cg:paraphrase ?paraphrase .
  FILTER NOT EXISTS { ?claim a cg:ReportingAct }
  OPTIONAL { ?claim cg:quote ?quote }
  OPTIONAL { ?claim cg:illocution ?illocution }
  OPTIONAL { ?claim cg:polarity ?polarity }
  OPTIONAL { ?claim cg:certainty ?certainty }
  OPTIONAL { ?claim cg:earliest ?earliest ; cg:latest ?latest }
  OPTIONAL { ?claim cg:curation/prov:wasAttributedTo ?curator . OPTIONAL { ?curator rdfs:label ?curatorLabel } }
}
ORDER BY ?article ?claim
"""

_ACTORS = _CG + """PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?actor ?label ?type WHERE {
  ?actor a ?type .
  ?type rdfs:subClassOf* cg:Actor .
  OPTIONAL { ?actor rdfs:label ?label }
}
"""

_ARTICLES = _CG + """SELECT ?article ?title ?earliest ?latest ?url ?language ?outlet ?author WHERE {
  ?article a cg:Article .
  OPTIONAL { ?article cg:title ?title }
  OPTIONAL { ?article cg:earliest ?earliest ; cg:latest ?latest }
  OPTIONAL { ?article cg:url ?url }
  OPTIONAL { ?article cg:language ?language }
  OPTIONAL { ?article cg:outlet ?outlet }
  OPTIONAL { ?article cg:author ?author }
}
"""

_ABOUT = _CG + """PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?claim ?event ?label ?earliest ?latest WHERE {
  ?claim a cg:ClaimAct ; cg:content ?proposition .
  ?proposition cg:aboutEvent|cg:causeEvent ?event .
  OPTIONAL { ?event rdfs:label ?label }
  OPTIONAL { ?event cg:earliest ?earliest ; cg:latest ?latest }
}
"""


def _rows(source: Backend, query: str) -> list[dict[str, Any]]:
    return source.select(query)[1]


def _text(term: Any) -> str | None:
    return None if term is None else term.value


def _day(earliest: Any, latest: Any) -> str | None:
    """A date when the bounds name one day; None for a vaguer time."""
    return earliest.value if earliest is not None and latest is not None and earliest.value == latest.value else None


def schema_view(source: Any) -> Iterator[dict[str, Any]]:
    """One ``schema:Claim`` node per claim act, in article order."""
    actors: dict[str, dict[str, Any]] = {}
    for row in _rows(source, _ACTORS):
        iri = row["actor"].value
        entry = actors.setdefault(iri, {"name": None, "types": set()})
        entry["types"].add(row["type"].value)
        entry["name"] = entry["name"] or _text(row.get("label"))

    def agent(iri: str | None) -> dict[str, Any] | None:
        if iri is None:
            return None
        entry = actors.get(iri, {"name": None, "types": set()})
        if entry["types"] & PERSON_CLASSES:
            kind = "Person"
        else:
            kind = next((ORGANIZATION_TYPES[t] for t in sorted(entry["types"]) if t in ORGANIZATION_TYPES), "Organization")
        node = {"@id": compact(iri), "@type": kind}
        if entry["name"]:
            node["name"] = entry["name"]
        return node

    articles: dict[str, dict[str, Any]] = {}
    for row in _rows(source, _ARTICLES):
        iri = row["article"].value
        node: dict[str, Any] = {"@id": compact(iri), "@type": "NewsArticle"}
        if row.get("title"):
            node["headline"] = row["title"].value
        if day := _day(row.get("earliest"), row.get("latest")):
            node["datePublished"] = day
        if row.get("url"):
            node["url"] = row["url"].value
        if row.get("language"):
            node["inLanguage"] = row["language"].value
        if publisher := agent(_text(row.get("outlet"))):
            node["publisher"] = publisher
        if author := agent(_text(row.get("author"))):
            node["author"] = author
        articles[iri] = node

    about: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in sorted(_rows(source, _ABOUT), key=lambda r: (r["claim"].value, r["event"].value)):
        event: dict[str, Any] = {"@id": compact(row["event"].value), "@type": "Event"}
        if row.get("label"):
            event["name"] = row["label"].value
        if row.get("earliest") is not None and row.get("latest") is not None:
            event["startDate"] = row["earliest"].value
        if event not in about[row["claim"].value]:
            about[row["claim"].value].append(event)

    seen: set[str] = set()
    for row in _rows(source, _CLAIMS):
        iri = row["claim"].value
        if iri in seen:  # a claim act with two curators or time bounds would repeat: keep the first row
            continue
        seen.add(iri)
        claim: dict[str, Any] = {"@id": compact(iri), "@type": "Claim", "text": row["paraphrase"].value}
        if author := agent(row["speaker"].value):
            claim["author"] = author
        if row["article"].value in articles:
            claim["appearance"] = articles[row["article"].value]
        if day := _day(row.get("earliest"), row.get("latest")):
            claim["dateCreated"] = day
        if about.get(iri):
            claim["about"] = about[iri] if len(about[iri]) > 1 else about[iri][0]
        if row.get("curator") is not None:
            interpreter = {"@id": compact(row["curator"].value), "@type": "Organization"}
            if row.get("curatorLabel"):
                interpreter["name"] = row["curatorLabel"].value
            claim["claimInterpreter"] = interpreter
        if row.get("quote"):
            claim["cg:quote"] = row["quote"].value
        for key in ("illocution", "polarity", "certainty"):
            if row.get(key) is not None:
                claim[f"cg:{key}"] = {"@id": compact(row[key].value)}
        yield claim


SCHEMA_CONTEXT = {"@vocab": SCHEMA, "cg": CG, "id": iris.ID}


class SchemaExporter(Exporter):
    """The schema.org ``Claim`` view, as one JSON-LD ``ItemList``."""

    def chunks(self, source: Backend) -> Iterator[bytes]:
        claims = list(schema_view(source))
        head = {
            "@context": SCHEMA_CONTEXT,
            "@type": "ItemList",
            "name": "claimgraph: claims as schema.org Claim",
            "description": ("Every claim act of the graph as a schema:Claim: author is the original speaker, "
                            "appearance the article, text the curator's paraphrase, about the events. claimgraph "
                            "records who claims what and does not rate claims, so there is no ClaimReview."),
            "numberOfItems": len(claims),
        }
        text = json.dumps(head, ensure_ascii=False, indent=1)
        yield (text[: text.rstrip().rfind("}")].rstrip() + ',\n "itemListElement": [').encode()
        for position, claim in enumerate(claims, start=1):
            item = {"@type": "ListItem", "position": position, "item": claim}
            yield (("\n" if position == 1 else ",\n") + json.dumps(item, ensure_ascii=False, indent=1)).encode()
        yield b"\n ]\n}\n"
