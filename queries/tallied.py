"""Answers whose counts come from the store's tallies (:mod:`claimgraph.queries.tally`).

A question with ``tallied: true`` in its header, asked of a store that keeps tallies:

- ``timeline``: its own query runs without its ``#if !tallied`` block (the claims about each
  event), which leaves the events alone, a short join; each event's counts (claims, articles,
  outlets, when they were said) are then the sums of the articles' rows (:func:`fill_timeline`).
- ``network``: its own query does not run. The edges' totals are kept per edge, ordered by an
  index, so the page of edges asked for is one read, and ``total`` a count of rows
  (:func:`network`); the outlets, deeds and events of the page's edges come from their articles'
  rows, and the names of their actors, deeds and events from the store (``parts/entity-names.rq``).

The rows handed to the layout are those the question's query would give, so the layout, and the
answer, are the same (``tests/queries/test_tallies.py`` asks every case both ways).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from claimgraph.ontology import iris
from claimgraph.queries.details import CHUNK, rows_of, actors, describe
from claimgraph.queries.layouts import LAYOUTS, Whole
from claimgraph.queries.store import Backend
from claimgraph.queries.tally import Tallies

if TYPE_CHECKING:
    from claimgraph.queries.run import Prepared

NAMES_FILE = Path(__file__).parent / "parts" / "entity-names.rq"


def fill_timeline(rows: list[dict[str, Any]], tallies: Tallies) -> list[dict[str, Any]]:
    """The timeline's event rows with their counts, summed over the articles' tallies."""
    counts = tallies.event_counts()
    for row in rows:
        found = counts.get(str(iris.entity("event", row["slug"])))
        if found is not None:
            row["claims"], row["articles"], row["outlets"], row["firstSaid"], row["lastSaid"] = found
    return rows


def _names(entities: Sequence[str], backend: Backend) -> dict[str, dict[str, Any]]:
    """Slug, label and class of each entity (the first class found, for the actors: they have one)."""
    found: dict[str, dict[str, Any]] = {}
    for row in rows_of(sorted(entities), backend, NAMES_FILE, CHUNK, variable="entity"):
        found.setdefault(row["entity"], row)
    return found


def network(prepared: Prepared, backend: Backend, tallies: Tallies) -> Whole:
    """The network's page of edges, with the nodes they touch described; ``total`` is every edge's
    count (of ``kind``, when given)."""
    kind = prepared.options.get("kind")
    total, page = tallies.edges(kind=kind, limit=prepared.limit, offset=prepared.offset)
    sets = tallies.edge_sets([edge[:3] for edge in page])
    slugs = sorted({edge[1] for edge in page} | {edge[2] for edge in page})
    actor = {slug: str(iris.entity("actor", slug)) for slug in slugs}
    others = {value for outlets, deeds, events in sets.values() for value in (*deeds, *events)}
    names = _names([*actor.values(), *others], backend)

    def slugs_of(values: set[str]) -> str:
        return " ".join(sorted(names[v]["slug"] for v in values if v in names))

    rows = []
    for edge_kind, source, target, claims, articles in page:
        ends = {"source": names.get(actor[source]), "target": names.get(actor[target])}
        if any(end is None or end.get("label") is None or end.get("class") is None for end in ends.values()):
            continue  # an actor with no name or class: the question's own query leaves its edges out too
        outlets, deeds, events = sets[(edge_kind, source, target)]
        row = {"kind": edge_kind, "count": claims, "articles": articles, "outletSlugs": " ".join(sorted(outlets)),
               "deeds": slugs_of(deeds), "events": slugs_of(events)}
        for end, name in ends.items():
            row.update({f"{end}Slug": name["slug"], f"{end}Label": name["label"], f"{end}Class": name["class"]})
        rows.append(row)
    whole = LAYOUTS["network"].build(rows, kind=kind)
    describe(whole.extra, actors(slugs, backend))
    whole.total, whole.start = total, prepared.offset
    return whole


__all__ = ["fill_timeline", "network"]
