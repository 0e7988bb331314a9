"""The page's details only (``queries/pages.py``): a question that pages by keys gives exactly the
answer the whole path gives, page by page, and looks up full details for the page's claims only.

Every case of the identical-answers test (the catalog's questions with their parameters varied
over the real corpus) is asked with small pages, so that the corpus's answers span several.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from claimgraph.ontology.errors import ClaimgraphError
from claimgraph.queries import details, run
from claimgraph.queries.catalog import get
from claimgraph.queries.pages import BY_CHARGE, PAGED, pages_by_keys
from tests.servers.test_same_answers import CASES

pytestmark = pytest.mark.slow

PAGED_CASES = [case for case in CASES if get(case.values[0]).layout in PAGED]
PAGES = ((1, 0), (2, 1), (3, 4), (5, 10))


def whole_path(prepared: run.Prepared, backend: Any) -> dict[str, Any]:
    """The answer as it was built before pages: every claim's details, the whole answer laid out."""
    variables, rows, cards = run.fetch(prepared, backend)
    return run.Answer(prepared.question, prepared.params, variables, rows, prepared.options, prepared.limit,
                      prepared.offset, cards).as_json()


class Counting:
    """The real backend, counting the claims each details query asks about."""

    def __init__(self, backend: Any) -> None:
        self.backend = backend
        self.looked_up: list[int] = []

    def select(self, query: str, bindings: Any = None) -> Any:
        if "BIND(\"relayCue\" AS ?facet)" in query:  # parts/claim-details.rq
            self.looked_up.append(query.count("<https://w3id.org/claimgraph/id/claim/"))
        return self.backend.select(query, bindings)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.backend, name)


def both_ways(name: str, asked: dict[str, str], backend: Any) -> tuple[Any, run.Answer, Any, Counting] | None:
    """The answer as :func:`run.run` gives it (counting the claims it looks up in full), checked
    equal to the whole path's; None when both refuse it with the same error. The store's
    tallies are left aside (``event-claims`` and ``speaker`` page from them where the store keeps
    them: ``tests/queries/test_tallies.py``)."""
    try:
        prepared = run.prepare(name, asked, backend, tallies=False)
        counting = Counting(backend)
        answer = run.run(prepared, counting)
        got = json.loads(json.dumps(answer.as_json()))
    except ClaimgraphError as exc:
        with pytest.raises(type(exc)):
            whole_path(run.prepare(name, asked, backend, tallies=False), backend)
        return None
    assert got == json.loads(json.dumps(whole_path(prepared, backend))), asked
    return prepared, answer, got, counting


def test_the_cases_cover_every_paged_layout() -> None:
    assert {get(case.values[0]).layout for case in PAGED_CASES} == set(PAGED)


@pytest.mark.parametrize(("name", "params"), PAGED_CASES)
def test_every_page_is_the_whole_answers_page(name: str, params: dict[str, str], backend: Any) -> None:
    paged = 0
    for limit, offset in PAGES:
        found = both_ways(name, {**params, "limit": str(limit), "offset": str(offset)}, backend)
        if found is None:
            return
        prepared, answer, got, counting = found
        if answer.built is not None:
            paged += 1
            assert pages_by_keys(prepared)
            assert sum(counting.looked_up) <= limit  # full details for the page's claims only
    if get(name).layout != "speaker" or params.get("affiliated") != "true":
        # Small answers (a page holds them all) take the whole path; the others page by keys.
        total = got["total"]
        assert paged == sum(1 for limit, _ in PAGES if total > limit) or total <= 1


def test_keys_leave_out_what_details_leave_out(backend: Any) -> None:
    """The key rows and the details' claim rows agree on which claims they hold and on every key
    column, for every claim of the corpus."""
    _, rows = backend.select("SELECT DISTINCT ?c WHERE { ?c <https://w3id.org/claimgraph/ontology#curation> ?x }")
    claims = sorted(row["c"].value for row in rows) + ["https://w3id.org/claimgraph/id/claim/none/c1"]
    keyed, full = details.keys(claims, backend), details.lookup(claims, backend)
    assert set(keyed) == {c for c, found in full.items() if found and found[0]["facet"] == "claim"}
    assert len(keyed) > 100
    for claim, key in keyed.items():
        card = full[claim][0]
        shared = set(key) & set(card) - {"facet"}
        assert {k: key[k] for k in shared} == {k: card[k] for k in shared}, claim
        assert shared >= {"articleSlug", "outletSlug", "speakerSlug", "illocution", "polarity", "published"}


CHARGE_CASES = [case for case in CASES if get(case.values[0]).layout in BY_CHARGE]


@pytest.mark.parametrize(("name", "params"), CHARGE_CASES)
def test_every_page_of_charges_is_the_whole_answers_page(name: str, params: dict[str, str], backend: Any) -> None:
    """accusations pages by charge: each page, its total and its order, as the whole path gives
    them, with full details for the page's charges' claims only."""
    paged = 0
    for limit, offset in PAGES:
        found = both_ways(name, {**params, "limit": str(limit), "offset": str(offset)}, backend)
        if found is None:
            return
        _, answer, got, counting = found
        if answer.built is not None:
            paged += 1
            page_claims = {c["claim"] for item in got["results"] for role in ("accusations", "denials", "questions",
                                                                              "responses") for c in item[role]}
            assert sum(counting.looked_up) <= len(page_claims) + 2 * limit  # the page's charges' claims only
    assert paged or got["total"] <= 5


@pytest.mark.parametrize("threads", [1, 2, 3])
def test_a_pages_claims_are_read_in_parts_side_by_side_as_in_one(threads: int, backend: Any,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """``details.lookup`` reads the claims in one part per thread of ``CLAIMGRAPH_DETAIL_THREADS``
    (at least ``DETAIL_PART`` claims each): the same rows as one query gives, each claim asked once."""
    from claimgraph.queries import details
    from claimgraph.queries.settings import get_settings
    _, rows = backend.select("PREFIX cg: <https://w3id.org/claimgraph/ontology#> "
                             "SELECT DISTINCT ?claim WHERE { ?claim cg:inArticle ?article }")
    claims = sorted(row["claim"].value for row in rows)[:120]
    assert len(claims) == 120
    whole = details.lookup(claims, backend, chunk=1000)  # one query
    monkeypatch.setenv("CLAIMGRAPH_DETAIL_THREADS", str(threads))
    get_settings.cache_clear()
    try:
        counting = Counting(backend)
        assert details.lookup(claims, counting) == whole
    finally:
        monkeypatch.delenv("CLAIMGRAPH_DETAIL_THREADS")
        get_settings.cache_clear()
    assert sorted(counting.looked_up) == {1: [120], 2: [60, 60], 3: [40, 40, 40]}[threads]
