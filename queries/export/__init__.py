"""The graph for the wider ecosystem: TriG, N-Quads, JSON-LD with a published context, and a
schema.org ``Claim`` view for fact-checking tools.

Every format is written in chunks (one named graph, or one claim, at a time), so the API can
stream it and the command line can write it to a file without holding the whole text.

| format | what | media type |
| --- | --- | --- |
| ``trig`` | every quad of the store, one named graph per article plus the registry and the ontology | ``application/trig`` |
| ``nquads`` | the same quads, one per line | ``application/n-quads`` |
| ``jsonld`` | the same quads as JSON-LD 1.1 named graphs, compacted with the context published at :data:`CONTEXT_URL` | ``application/ld+json`` |
| ``schema`` | a schema.org view: every claim act as a ``schema:Claim`` in a ``schema:ItemList`` | ``application/ld+json`` |

The first three carry exactly the store's quads: importing them into an empty store gives the
same set of quads (``tests/queries/test_export.py`` shows it on the real corpus). The store has no
blank nodes (ingestion mints IRIs for everything and skolemizes the ontology's), so the quads
compare as plain sets.

The JSON-LD export refers to its context (:mod:`claimgraph.ontology.context`) by URL, as JSON-LD documents do. A processor that
cannot fetch it (no network) is given the context document itself, which is what
:func:`load_jsonld` does: it is the JSON-LD "document loader" step, not a change to the data.

The schema.org view is a *view*, not a copy of the graph: one ``schema:Claim`` per claim act
(reporting acts are not claims of their own), with ``author`` the original speaker
(``schema:Person`` for persons, ``schema:Organization`` or a subtype for every other actor,
since ``author`` admits nothing else), ``appearance`` the article (``schema:NewsArticle`` with
``headline``, ``datePublished`` when the day is known, ``publisher`` the outlet), ``text`` the
curator's paraphrase, ``about`` the events of its proposition and ``claimInterpreter`` the curator.
claimgraph does not rate claims, so it emits no ``schema:ClaimReview``: a ClaimReview without a
``reviewRating`` by a fact-checker would tell fact-checking tools that a review exists where none
does. The claims sit in an ``ItemList`` instead, and the illocution, polarity and certainty are
added with their ``cg:`` properties for tools that want to tell a denial from an accusation.

Each format is one module behind :class:`~claimgraph.queries.export.base.Exporter` (two
methods: the chunks, and a file written from them); every one reads the store through the store
interface, so the embedded store and a SPARQL server export alike.

>>> sorted(FORMATS)
['jsonld', 'nquads', 'schema', 'trig']
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pyoxigraph as ox

from claimgraph.ontology.context import CONTEXT_URL, context
from claimgraph.ontology.errors import ParameterError
from claimgraph.queries.export.base import Exporter
from claimgraph.queries.export.jsonld import JsonLdExporter, inline_context, load_jsonld
from claimgraph.queries.export.quads import QuadsExporter
from claimgraph.queries.export.schema import SchemaExporter
from claimgraph.queries.store import Backend

__all__ = ["CONTEXT_URL", "FORMATS", "Exporter", "Format", "context", "export", "get_format", "inline_context",
           "load_jsonld"]


@dataclass(frozen=True)
class Format:
    name: str
    media_type: str
    extension: str
    summary: str
    exporter: Exporter


FORMATS: dict[str, Format] = {f.name: f for f in (
    Format("trig", "application/trig", "trig", "TriG: one named graph per article, plus the registry and the ontology",
           QuadsExporter(ox.RdfFormat.TRIG)),
    Format("nquads", "application/n-quads", "nq", "N-Quads: the same quads, one per line",
           QuadsExporter(ox.RdfFormat.N_QUADS)),
    Format("jsonld", "application/ld+json", "jsonld", f"JSON-LD named graphs with the context at {CONTEXT_URL}",
           JsonLdExporter()),
    Format("schema", "application/ld+json", "schema.jsonld",
           "schema.org Claim view for fact-checking tools (an ItemList of schema:Claim; no ClaimReview)",
           SchemaExporter()),
)}


def get_format(name: str) -> Format:
    """The format called ``name``; a ParameterError listing the formats otherwise."""
    try:
        return FORMATS[name]
    except KeyError:
        raise ParameterError(f"unknown export format {name!r}: use one of {', '.join(FORMATS)}") from None


def export(source: Backend, fmt: str) -> Iterator[bytes]:
    """The export of the store ``source`` in format ``fmt``, in chunks.

    The format is checked at once (a ParameterError for an unknown one), before any chunk.
    """
    return get_format(fmt).exporter.chunks(source)
