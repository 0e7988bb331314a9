"""The media types of raw SPARQL answers, and how pyoxigraph writes each.

Every implementation of the store interface writes raw answers with pyoxigraph (a server's
answer is read and written again), so ``/sparql`` gives the same bytes whichever store answers.

Answers are capped twice: at ``max_rows`` rows (or triples) and at ``max_bytes`` bytes, cut at
a row boundary so that what is sent is a complete document. :class:`Cut` says which cap applied
(the value of the ``X-Claimgraph-Truncated`` header). When not even the first row fits in
``max_bytes``, the answer is refused (:class:`~claimgraph.ontology.errors.QueryTooCostly`) rather
than sent empty.

>>> results_format("text/csv").media_type
'text/csv; charset=utf-8'
>>> term_json(ox.Literal("x", language="en"))
{'type': 'literal', 'value': 'x', 'xml:lang': 'en'}
>>> rows = [{"n": ox.Literal(str(i))} for i in range(1000)]
>>> body, _, cut = write_solutions(["n"], rows, "text/csv", 10)
>>> body.count(b"\\n"), cut
(11, 'max-rows=10')
>>> body, _, cut = write_solutions(["n"], rows, "text/csv", 1000, max_bytes=100)
>>> len(body) <= 100, cut
(True, 'max-bytes=100')
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, TypeVar

import pyoxigraph as ox

from claimgraph.ontology.errors import BackendError, QueryTooCostly

T = TypeVar("T")

#: Media types of SELECT and ASK answers, the default first.
RESULTS_MEDIA_TYPES: tuple[str, ...] = (
    "application/sparql-results+json",
    "application/sparql-results+xml",
    "text/csv",
    "text/tab-separated-values",
)
#: Media types of ASK answers, the default first: a boolean has no CSV or TSV form
#: (SPARQL 1.1 Query Results CSV and TSV Formats write solution sequences only).
BOOLEAN_MEDIA_TYPES: tuple[str, ...] = RESULTS_MEDIA_TYPES[:2]
#: Media types of CONSTRUCT and DESCRIBE answers, the default first.
GRAPH_MEDIA_TYPES: tuple[str, ...] = ("text/turtle", "application/n-triples", "application/ld+json",
                                      "application/rdf+xml")

_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def media_types(form: str) -> tuple[str, ...]:
    """The media types an answer of this query form can be written in, the default first."""
    if form in ("CONSTRUCT", "DESCRIBE"):
        return GRAPH_MEDIA_TYPES
    return BOOLEAN_MEDIA_TYPES if form == "ASK" else RESULTS_MEDIA_TYPES


def _format(media_types: Sequence[str], formats: Sequence[Any], media_type: str, forms: str) -> Any:
    chosen = dict(zip(media_types, formats)).get(media_type)
    if chosen is None:
        raise BackendError(f"{media_type} is not a format for {forms} answers")
    return chosen


def results_format(media_type: str) -> Any:
    return _format(RESULTS_MEDIA_TYPES, (ox.QueryResultsFormat.JSON, ox.QueryResultsFormat.XML,
                                         ox.QueryResultsFormat.CSV, ox.QueryResultsFormat.TSV),
                   media_type, "SELECT or ASK")


def rdf_format(media_type: str) -> Any:
    return _format(GRAPH_MEDIA_TYPES, (ox.RdfFormat.TURTLE, ox.RdfFormat.N_TRIPLES, ox.RdfFormat.JSON_LD,
                                       ox.RdfFormat.RDF_XML), media_type, "CONSTRUCT or DESCRIBE")


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


#: Rows written first to learn how many bytes a row takes, when the answer may be over the byte cap.
_PROBE_ROWS = 256


def _capped(rows: Iterable[T], write: Callable[[Sequence[T]], bytes], max_rows: int, max_bytes: int | None,
            cut: str | None) -> tuple[bytes, str | None]:
    """``write`` at most ``max_rows`` of ``rows`` in at most ``max_bytes``, cut at a row boundary;
    and the cap that cut them (``cut`` when the source was already cut).

    A long answer is neither read nor written whole to find out that it is too big: the first
    rows tell the size of a row, and only about as many rows as fit are read and written.
    """
    rows = iter(rows)
    budget = max_rows if max_bytes is None else min(max_rows, _PROBE_ROWS)
    kept = list(itertools.islice(rows, budget + 1))
    if max_bytes is not None and len(kept) > _PROBE_ROWS:
        probe = write(kept[:_PROBE_ROWS])
        budget = min(max_rows, max(1, int(max_bytes * _PROBE_ROWS / len(probe) * 0.98)))
        kept += itertools.islice(rows, max(0, budget + 1 - len(kept)))
    if len(kept) > budget:  # more rows than are kept: cut by the row cap, or by the byte estimate
        kept = kept[:budget]
        cut = f"max-rows={max_rows}" if budget == max_rows else f"max-bytes={max_bytes}"
    body = write(kept)
    count = len(kept)
    while max_bytes is not None and len(body) > max_bytes and count > 0:
        # Rows are about the same size: aim just under the cap, then step down.
        count = max(0, min(count - 1, int(count * max_bytes / len(body) * 0.95)))
        body = write(kept[:count])
        cut = f"max-bytes={max_bytes}"
    if count == 0 and kept:
        raise QueryTooCostly(f"the answer's first row alone is over the answer limit of {max_bytes} bytes "
                             "(CLAIMGRAPH_SPARQL_MAX_ANSWER_BYTES); select shorter values")
    return body, cut


def write_triples(triples: Iterable[ox.Triple | ox.Quad], media_type: str, prefixes: Mapping[str, str],
                  max_rows: int, *, max_bytes: int | None = None,
                  truncated: str | None = None) -> tuple[bytes, str, str | None]:
    """At most ``max_rows`` triples in at most ``max_bytes`` written as ``media_type``; and the
    cap that cut them, if one did."""
    fmt = rdf_format(media_type)

    def write(some: Sequence[ox.Triple]) -> bytes:
        try:
            return ox.serialize(list(some), format=fmt,
                                prefixes=dict(prefixes) if fmt == ox.RdfFormat.TURTLE else None)
        except (OSError, ValueError) as exc:
            raise BackendError(f"the answer cannot be written as {media_type}: {exc}") from None

    body, cut = _capped((t.triple if isinstance(t, ox.Quad) else t for t in triples), write, max_rows, max_bytes,
                        truncated)
    return body, fmt.media_type, cut


def write_boolean(value: bool, media_type: str) -> tuple[bytes, str, str | None]:
    """An ASK answer written as ``media_type``."""
    fmt = results_format(media_type)
    result = ox.parse_query_results(json.dumps({"head": {}, "boolean": bool(value)}).encode(),
                                    format=ox.QueryResultsFormat.JSON)
    return result.serialize(format=fmt), fmt.media_type, None


def write_solutions(names: list[str], rows: Iterable[Mapping[str, Any]], media_type: str, max_rows: int, *,
                    max_bytes: int | None = None, truncated: str | None = None) -> tuple[bytes, str, str | None]:
    """At most ``max_rows`` solutions (rows of terms, unbound variables absent) in at most
    ``max_bytes``, written as ``media_type`` by pyoxigraph re-reading them as SPARQL JSON results;
    and the cap that cut them, if one did."""
    fmt = results_format(media_type)

    def write(some: Sequence[Mapping[str, Any]]) -> bytes:
        document = {"head": {"vars": list(names)}, "results": {"bindings": [
            {name: term_json(term) for name, term in row.items() if term is not None} for row in some]}}
        try:  # the results are read as they are written
            solutions = ox.parse_query_results(json.dumps(document).encode(), format=ox.QueryResultsFormat.JSON)
            return solutions.serialize(format=fmt)
        except MemoryError:  # pyoxigraph reads no JSON value over 16 MiB
            raise QueryTooCostly("a value in the answer is over 16 MiB, more than an answer may carry; "
                                 "select shorter values") from None

    body, cut = _capped(rows, write, max_rows, max_bytes, truncated)
    return body, fmt.media_type, cut
