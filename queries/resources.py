"""The queries behind resource pages and dataset descriptions: one ``.rq`` file each in
``resources/``, written and checked like the questions (a ``#+`` header with declared
parameters, values bound as terms), but not offered as questions of the API.

>>> sorted(resource_queries())
['articles', 'classes', 'graphs', 'incoming', 'properties', 'resource']
>>> [p.type for p in resource_queries()["resource"].params]
['iri']
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from claimgraph.queries.store import Backend, Term
from claimgraph.queries.catalog import Question, parse_question
from claimgraph.queries.run import fetch, prepare

RESOURCES_DIR = Path(__file__).parent / "resources"


@lru_cache(maxsize=1)
def resource_queries() -> dict[str, Question]:
    return {q.name: q for q in map(parse_question, sorted(RESOURCES_DIR.glob("*.rq")))}


def rows(name: str, backend: Backend, params: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
    """The rows of one resource query as plain values (IRIs as strings), not laid out and not paged."""
    prepared = prepare(resource_queries()[name], dict(params or {}), backend)
    return fetch(prepared, backend)[1]


def term_rows(name: str, backend: Backend, params: Mapping[str, Any] | None = None) -> list[dict[str, Term]]:
    """The rows as RDF terms (datatypes and languages kept), for writing RDF."""
    prepared = prepare(resource_queries()[name], dict(params or {}), backend)
    return backend.select(prepared.query, prepared.bindings)[1]


__all__ = ["RESOURCES_DIR", "resource_queries", "rows", "term_rows"]
