"""The benchmark's floor (``tools/bench_pages.py``): the minimal engine query beside which every
question's first page is quoted. On the real corpus: it runs for every question as the API binds
it, and for a question that pages claims it gives the first page's claims in the answer's order
(up to ties the floor does not break: within an article, by paragraph)."""

from __future__ import annotations

from typing import Any

import pytest

from claimgraph.queries import run
from claimgraph.queries.catalog import catalog
from tools.bench_pages import FLOOR_ORDERS, floor_query

QUESTIONS = sorted(catalog())


def _examples(question: Any) -> dict[str, str]:
    return {p.name: str(p.example) for p in question.params if p.required and p.example is not None}


@pytest.mark.parametrize("name", QUESTIONS)
def test_the_floor_runs_for_every_question(name: str, backend: Any) -> None:
    question = catalog()[name]
    query, bindings = floor_query(question, _examples(question), backend)
    _, rows = backend.select(query, bindings)
    assert rows, f"{name}: the floor found nothing for the question's examples"


@pytest.mark.parametrize("name", sorted(n for n, q in catalog().items() if q.layout in FLOOR_ORDERS and q.details == "claims"))
def test_the_floor_gives_the_answers_claims_in_its_order(name: str, backend: Any) -> None:
    question = catalog()[name]
    params = _examples(question)
    query, bindings = floor_query(question, params, backend)
    _, rows = backend.select(query, bindings)
    floor = list(dict.fromkeys(row["claim"].value for row in rows))
    answer = run.ask(name, {**params, "limit": "100"}, backend).as_json()
    items = next(v for v in answer.values() if isinstance(v, list) and v and isinstance(v[0], dict) and "claim" in v[0])
    assert {item["claim"] for item in items} <= set(floor)  # the floor finds every claim the page shows
    # The floor sorts by what the answer sorts by, but for the ties it leaves (within one article
    # and one time, the answer goes by paragraph): the page's claims, in the floor's order, come
    # in the answer's order of those keys.
    position = {claim: i for i, claim in enumerate(floor)}
    by_when = FLOOR_ORDERS[question.layout] is FLOOR_ORDERS["event-claims"]

    def key(item: dict[str, Any]) -> tuple:
        when = item["when"] if by_when else {}
        return (when.get("earliest"), when.get("latest"), item["article"]["slug"])

    assert [key(i) for i in items] == [key(i) for i in sorted(items, key=lambda i: position[i["claim"]])]


def test_the_ingest_floor_loads_and_compacts_the_same_quads_and_says_what_each_costs(corpus_store: Any,
                                                                                   tmp_path: Any) -> None:
    from tools.bench import _floor_bulk_load, _floor_cells
    floor = _floor_bulk_load(corpus_store, tmp_path)
    assert set(floor) == {"load_s", "load_cpu_s", "compact_s", "compact_cpu_s"}
    assert floor["load_s"] > 0 and floor["load_cpu_s"] > 0
    assert floor["compact_s"] >= 0 and floor["compact_cpu_s"] >= 0  # a store with nothing to merge: at once
    assert not any(tmp_path.iterdir())  # its dump and its store are gone
    assert _floor_cells({"floor": floor}).count("|") == 1
    assert _floor_cells({}) == "– | –"  # a result measured before the floor's CPU time was
