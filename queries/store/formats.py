"""The media types of raw SPARQL answers, and how pyoxigraph writes each.

Every implementation of the store interface writes raw answers with pyoxigraph (a server's
answer is read and written again), so ``/sparql`` gives the same bytes whichever store answers.

>>> results_format("text/csv").media_type
'text/csv; charset=utf-8'
>>> term_json(ox.Literal("x", language="en"))
{'type': 'literal', 'value': 'x', 'xml:lang': 'en'}
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable, Mapping
from typing import Any

import pyoxigraph as ox

from claimgraph.ontology.errors import BackendError

#: Media types of SELECT and ASK answers, the default first.
RESULTS_MEDIA_TYPES: tuple[str, ...] = (
    "application/sparql-results+json",
    "application/sparql-results+xml",
    "text/csv",
    "text/tab-separated-values",
)
#: Media types of CONSTRUCT and DESCRIBE answers, the default first.
GRAPH_MEDIA_TYPES: tuple[str, ...] = ("text/turtle", "application/n-triples", "application/ld+json")

_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def media_types(form: str) -> tuple[str, ...]:
    """The media types an answer of this query form can be written in, the default first."""
    return GRAPH_MEDIA_TYPES if form in ("CONSTRUCT", "DESCRIBE") else RESULTS_MEDIA_TYPES


def results_format(media_type: str) -> Any:
    formats = dict(zip(RESULTS_MEDIA_TYPES, (ox.QueryResultsFormat.JSON, ox.QueryResultsFormat.XML,
                                             ox.QueryResultsFormat.CSV, ox.QueryResultsFormat.TSV)))
    if media_type not in formats:
        raise BackendError(f"{media_type} is not a format for SELECT or ASK answers")
    return formats[media_type]


def rdf_format(media_type: str) -> Any:
    formats = dict(zip(GRAPH_MEDIA_TYPES, (ox.RdfFormat.TURTLE, ox.RdfFormat.N_TRIPLES,
                                           ox.RdfFormat.JSON_LD)))
    if media_type not in formats:
        raise BackendError(f"{media_type} is not a format for CONSTRUCT or DESCRIBE answers")
    return formats[media_type]


def term_json(term: Any) -> dict[str, Any]:
    """One RDF term in the SPARQL 1.1 (and 1.2) JSON results format."""
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        out: dict[str, Any] = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
            if term.direction is not None:
                out["its:dir"] = str(term.direction)
        elif term.datatype.value != _XSD_STRING:
            out["datatype"] = term.datatype.value
        return out
    if isinstance(term, ox.Triple):
        return {"type": "triple", "value": {"subject": term_json(term.subject),
                                            "predicate": term_json(term.predicate),
                                            "object": term_json(term.object)}}
    raise BackendError(f"unexpected term in a solution: {term!r}")


def write_triples(triples: Iterable[ox.Triple | ox.Quad], media_type: str, prefixes: Mapping[str, str],
                  max_rows: int, *, truncated: bool = False) -> tuple[bytes, str, bool]:
    """At most ``max_rows`` triples written as ``media_type``; and whether they were cut."""
    fmt = rdf_format(media_type)
    kept = list(itertools.islice(triples, max_rows + 1))
    truncated = truncated or len(kept) > max_rows
    try:
        body = ox.serialize([t.triple if isinstance(t, ox.Quad) else t for t in kept[:max_rows]], format=fmt,
                            prefixes=dict(prefixes) if fmt == ox.RdfFormat.TURTLE else None)
    except (OSError, ValueError) as exc:
        raise BackendError(f"the answer cannot be written as {media_type}: {exc}") from None
    return body, fmt.media_type, truncated


def write_boolean(value: bool, media_type: str) -> tuple[bytes, str, bool]:
    """An ASK answer written as ``media_type``."""
    fmt = results_format(media_type)
    result = ox.parse_query_results(json.dumps({"head": {}, "boolean": bool(value)}).encode(),
                                    format=ox.QueryResultsFormat.JSON)
    return result.serialize(format=fmt), fmt.media_type, False


def write_solutions(names: list[str], rows: Iterable[Mapping[str, Any]], media_type: str, max_rows: int, *,
                    truncated: bool = False) -> tuple[bytes, str, bool]:
    """At most ``max_rows`` solutions (rows of terms, unbound variables absent) written as
    ``media_type``, by pyoxigraph re-reading them as SPARQL JSON results; and whether they were cut."""
    fmt = results_format(media_type)
    kept = list(itertools.islice(rows, max_rows + 1))
    truncated = truncated or len(kept) > max_rows
    document = {"head": {"vars": list(names)}, "results": {"bindings": [
        {name: term_json(term) for name, term in row.items() if term is not None} for row in kept[:max_rows]]}}
    solutions = ox.parse_query_results(json.dumps(document).encode(), format=ox.QueryResultsFormat.JSON)
    return solutions.serialize(format=fmt), fmt.media_type, truncated
