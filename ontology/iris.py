"""Deterministic IRIs for everything ingestion mints.

The same corpus always gives the same IRIs, so ingesting twice gives the same graph and two
claims with the same content share one proposition.

>>> str(entity("actor", "russia"))
'https://w3id.org/claimgraph/id/actor/russia'
>>> proposition("status", {"subject": "a", "status": "b"}) == proposition("status", {"status": "b", "subject": "a"})
True
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from typing import Any, Literal

from rdflib import URIRef

BASE = "https://w3id.org/claimgraph/"
ID = BASE + "id/"
GRAPH = BASE + "graph/"

EntityKind = Literal["actor", "event", "place"]

REGISTRY_GRAPH = URIRef(GRAPH + "registry")
ONTOLOGY_GRAPH = URIRef(GRAPH + "ontology")
SHARED_GRAPH = URIRef(GRAPH + "shared")
"""Nodes several articles use (propositions, curators): each triple is stored in one graph only,
so the union of all graphs, which the questions query, holds no duplicates."""


def entity(kind: EntityKind, slug: str) -> URIRef:
    return URIRef(f"{ID}{kind}/{slug}")


def derived_graph(article_slug: str) -> URIRef:
    """The graph of what the rules of ``ontology/rules/`` derive from one article's graph.

    >>> str(derived_graph("a1"))
    'https://w3id.org/claimgraph/graph/derived/a1'
    """
    return URIRef(f"{GRAPH}derived/{article_slug}")


def article(slug: str) -> URIRef:
    return URIRef(f"{ID}article/{slug}")


def article_graph(slug: str) -> URIRef:
    return URIRef(f"{GRAPH}article/{slug}")


def claim(article_slug: str, claim_id: str) -> URIRef:
    return URIRef(f"{ID}claim/{article_slug}/{claim_id}")


def relay(article_slug: str, claim_id: str, depth: int) -> URIRef:
    """The act by which the ``depth``-th relay (0 = the outlet) passes a claim on."""
    return URIRef(f"{ID}claim/{article_slug}/{claim_id}/relay-{depth}")


def curation(article_slug: str, claim_id: str) -> URIRef:
    return URIRef(f"{ID}curation/{article_slug}/{claim_id}")


def curator(slug: str) -> URIRef:
    return URIRef(f"{ID}curator/{slug}")


def unidentified_outlet_slug(article_slug: str) -> str:
    return f"unidentified-outlet-{article_slug}"


def normalize_text(text: str) -> str:
    """Case, accents, spacing and final punctuation do not change what a text says.

    >>> normalize_text("  Shot down  by Russian air defence. ")
    'shot down by russian air defence'
    """
    text = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(text.split()).rstrip(".;:!")


def proposition(kind: str, fields: dict[str, Any]) -> URIRef:
    """The IRI of a proposition: its type and its normalized fields, hashed."""
    canonical = json.dumps({"type": kind, **{k: v for k, v in fields.items() if v is not None}},
                           sort_keys=True, ensure_ascii=False)
    digest = hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]
    return URIRef(f"{ID}proposition/{kind}/{digest}")
