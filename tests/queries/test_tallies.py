"""The store's tallies (``queries/tally.py``, ``queries/tallied.py``): a question that reads its
counts from them gives exactly the answer its own query gives on the same store without them.

The same version is opened twice: through its link (the tallies beside it are found) and as a
plain folder (nothing beside it: the question's own query answers). Every case of the
identical-answers test for the tallied questions is asked both ways, with pages across the
answer, on the real corpus and on a synthetic one whose edges and events span many articles.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import pytest

from claimgraph.ontology.errors import ClaimgraphError
from claimgraph.queries import run
from claimgraph.queries.catalog import TALLIED, catalog, get
from claimgraph.queries.store.embedded import EmbeddedBackend
from claimgraph.queries.tally_store import FILE
from tests.queries.test_pages import Counting
from tests.servers.test_same_answers import CASES

pytestmark = pytest.mark.slow

TALLIED_CASES = [case for case in CASES if get(case.values[0]).tallied]
PAGES = ((None, None), ("1", "0"), ("2", "1"), ("3", "4"), ("5", "70"), ("1000", "0"), ("10", "100000"),
         ("10", str(10**25)))  # past what SQLite counts in: nothing, as the question's own query gives


def answer(name: str, params: dict[str, str], backend: Any, *, tallied: bool) -> Any:
    try:
        prepared = run.prepare(name, params, backend)
        assert prepared.tallied is tallied
        return json.loads(json.dumps(run.run(prepared, backend).as_json()))
    except ClaimgraphError as exc:
        return {"error": type(exc).__name__, "detail": str(exc)}


def without_tallies(store: Path) -> EmbeddedBackend:
    """The version the store's link points at, opened as a plain folder: no tallies beside it."""
    return EmbeddedBackend(store.parent / os.readlink(store))


def copied(store: Path, tmp_path: Path) -> tuple[Path, Path]:
    """A copy of the store's folder (its versions, links and tallies) to change: the copy's store
    link, and the tallies file of the version it points at."""
    import shutil

    shutil.copytree(store.parent, tmp_path / "copy", symlinks=True)
    copy = tmp_path / "copy" / store.name
    return copy, copy.parent / (os.readlink(copy) + ".meta") / FILE


def both_ways(name: str, params: dict[str, str], tallied: Any, plain: Any) -> None:
    for limit, offset in PAGES:
        asked = {**params, **({"limit": limit, "offset": offset} if limit else {})}
        got = answer(name, asked, tallied, tallied=True)
        assert got == answer(name, asked, plain, tallied=False), asked
        if "error" not in got:
            assert got["count"] == len(got[{"network": "edges"}.get(name, "results")])


def test_the_tallied_questions() -> None:
    assert {q.name for q in catalog().values() if q.tallied} == {"timeline", "network", "contradictions", "articles",
                                                               "event-claims", "speaker", "outlet", "accusations",
                                                               "corroboration", "search"}
    assert {q.layout for q in catalog().values() if q.tallied} == set(TALLIED)


@pytest.mark.parametrize(("name", "params"), TALLIED_CASES)
def test_the_tallies_give_the_questions_answer(name: str, params: dict[str, str], corpus_store: Path,
                                               backend: Any) -> None:
    both_ways(name, params, backend, without_tallies(corpus_store))


def test_an_events_related_claims_come_from_the_tallies_added_up(corpus_store: Path, backend: Any) -> None:
    """``event-claims`` with ``related`` on the real corpus, for every event related to others:
    each related event's counts added up, less the claims about several of them, give the
    question's own answer, page by page. The corpus has such claims within one answer (checked),
    so taking them out is tested."""
    from claimgraph.queries import tallied
    from claimgraph.queries.tally_store import tallies_of
    _, rows = backend.select("PREFIX cg: <https://w3id.org/claimgraph/ontology#> "
                             "SELECT ?event ?slug WHERE { ?event cg:eventType ?type ; cg:slug ?slug }")
    overlapping = 0
    with tallies_of(backend) as tallies:
        for row in rows:
            how = tallied.related_events(row["event"], backend)
            if len(how) < 2:
                continue
            slugs = [iri.rsplit("/", 1)[-1] for iri in how]
            claims = [claim for _, claim, *_ in tallies.event_overlaps(slugs)]
            overlapping += len(claims) > len(set(claims))
            prepared = run.prepare("event-claims", {"event": row["slug"].value, "related": "true", "limit": "5"},
                                   backend)
            assert tallied.answers(prepared, tallies)
            assert tallied.claims(prepared, backend, tallies) is not None  # not the question's own query
            both_ways("event-claims", {"event": row["slug"].value, "related": "true"}, backend,
                      without_tallies(corpus_store))
    assert overlapping >= 2


@pytest.fixture(scope="module")
def synthetic_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from claimgraph.ingest.pipeline import ingest
    from tools.synthetic import write_corpus
    folder = tmp_path_factory.mktemp("synthetic")
    write_corpus(folder / "corpus", claims=2000, seed=11)
    for path in (folder / "corpus" / "articles").glob("*.yaml"):  # c2 before c10: natural order, not text's
        text = path.read_text(encoding="utf-8")
        path.write_text(re.sub(r"\bc0*(\d+)\b", r"c\1", text), encoding="utf-8")
    ingest(folder / "corpus", store=folder / "store", progress=lambda message: None)
    return folder / "store"


@pytest.fixture(scope="module")
def changed_store(synthetic_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the synthetic store after changes (two articles gone, two copied under new
    slugs): its tallies are a base and the changes since, read as one (``tally_store``)."""
    import shutil

    from claimgraph.ingest.pipeline import ingest
    from claimgraph.queries.tally_store import CHANGES
    from tests.ingest.test_incremental import copy_article
    folder = tmp_path_factory.mktemp("changed")
    shutil.copytree(synthetic_store.parent / "corpus", folder / "corpus")
    ingest(folder / "corpus", store=folder / "store", progress=lambda message: None)
    articles = sorted((folder / "corpus" / "articles").glob("*.yaml"))
    for i, path in enumerate(articles[:2]):
        copy_article(path, path.with_name(f"zz-copy-{i}.yaml"), f"zz-copy-{i}")
    for path in articles[-2:]:
        path.unlink()
    report = ingest(folder / "corpus", store=folder / "store", progress=lambda message: None)
    assert report.mode == "incremental"
    assert (folder / "store").parent.joinpath(os.readlink(folder / "store") + ".meta", CHANGES).is_file()
    return folder / "store"


@pytest.fixture(params=["built", "changed"])
def synthetic(request: pytest.FixtureRequest) -> Path:
    """The synthetic store as a full build made it, and after changes."""
    return request.getfixturevalue("synthetic_store" if request.param == "built" else "changed_store")


@pytest.mark.parametrize("params", [{}, {"kind": "voice"}, {"kind": "accuses"}, {"since": "2025-01-01"},
                                    {"until": "2025-03-01"}, {"event": "azal-crash"},
                                    {"event": "azal-crash", "related": "true"}, {"outlet": "outlet-3"},
                                    {"outlet": "outlet-3", "voice": "own"}, {"outlet": "outlet-3", "voice": "reported"},
                                    {"actor": "russia"}, {"actor": "russia", "affiliated": "true"},
                                    {"actor": "russia-body-0", "affiliated": "true"},
                                    {"actor": "azerbaijan", "event": "azal-crash"}, {"event": "nowhere"},
                                    {"accused": "russia"}, {"accuser": "azerbaijan"},
                                    {"accuser": "russia", "accused": "azerbaijan"}, {"accused": "nowhere"},
                                    {"only_single_outlet": "true"}, {"event": "azal-crash", "only_single_outlet": "true"},
                                    {"text": "russia"}, {"text": "state 1"}, {"text": "1"}, {"text": "article", "type": "article"},
                                    {"text": "e", "type": "actor"}, {"text": "claim", "type": "claim"},
                                    {"text": "state 1", "type": "claim"}, {"text": "e", "type": "claim"},
                                    {"text": "no such text", "type": "claim"}, {"text": "zz"},
                                    {"text": "no such name"}])
def test_on_a_synthetic_corpus(params: dict[str, str], synthetic: Path) -> None:
    tallied, plain = EmbeddedBackend(synthetic), without_tallies(synthetic)
    for name in ("network", "timeline", "contradictions", "articles", "event-claims", "speaker", "outlet", "accusations",
                 "corroboration", "search"):
        own = {p.name for p in get(name).params}
        if set(params) <= own:
            both_ways(name, params, tallied, plain)
    network = answer("network", {}, tallied, tallied=True)
    assert any(edge["articles"] > 1 for edge in network["edges"])  # totals summed over articles


@pytest.mark.parametrize(("name", "params", "used"), [
    ("event-claims", {"event": "azal-crash"}, True), ("event-claims", {"event": "azal-crash", "related": "false"}, True),
    ("event-claims", {"event": "azal-crash", "related": "true"}, True), ("speaker", {"actor": "russia"}, True),
    ("speaker", {"actor": "russia", "event": "azal-crash"}, False),
    ("speaker", {"actor": "russia", "affiliated": "true"}, True), ("outlet", {"outlet": "outlet-3"}, True),
    ("outlet", {"outlet": "outlet-3", "voice": "own"}, True), ("outlet", {"outlet": "outlet-3", "voice": "reported"}, True)])
def test_which_claim_pages_come_from_the_tallies(name: str, params: dict[str, str], used: bool,
                                                 synthetic_store: Path) -> None:
    """The claim questions page from the tallies with their anchor alone (a false boolean is as
    if not given), the outlet with its ``voice`` too (its claims of each voice are counted
    apart) and an event with ``related`` (the related events' counts added up); with another parameter, which claims or what the answer shows of all of them changes,
    and the question's own query answers."""
    from claimgraph.queries import tallied
    from claimgraph.queries.tally_store import tallies_of
    backend = EmbeddedBackend(synthetic_store)
    prepared = run.prepare(name, {**params, "limit": "10"}, backend)
    with tallies_of(backend) as tallies:
        assert tallied.answers(prepared, tallies) is used
        if used:
            counting = Counting(backend)
            whole = tallied.claims(prepared, counting, tallies)
            assert whole is not None and whole.total > 10 and len(whole.items) == 10  # a page of many: the walk is tested
            apart = whole.extra.get("affiliated", {"claims": []})["claims"]  # the same page of those affiliated
            assert bool(apart) is (params.get("affiliated") == "true")
            assert sum(counting.looked_up) == 10 + len(apart)  # full details for the page's claims only


@pytest.mark.parametrize("params", [{}, {"accused": "russia"}, {"accuser": "azerbaijan"}])
def test_accusations_page_from_the_tallies(params: dict[str, str], synthetic_store: Path) -> None:
    """The accusations question finds its page of charges in the tallies, and looks up in full
    only the claims of the page's charges."""
    from claimgraph.queries import tallied
    from claimgraph.queries.tally_store import tallies_of
    backend = EmbeddedBackend(synthetic_store)
    prepared = run.prepare("accusations", {**params, "limit": "10", "offset": "3"}, backend)
    with tallies_of(backend) as tallies:
        assert tallied.answers(prepared, tallies)
        counting = Counting(backend)
        whole = tallied.accusations(prepared, counting, tallies)
        assert whole is not None and whole.total > 13 and len(whole.items) == 10 and whole.start == 3
        page_claims = {record["claim"] for item in whole.items
                       for role in ("accusations", "denials", "questions", "responses") for record in item[role]}
        assert sum(counting.looked_up) == len(page_claims)  # full details for the page's claims only


def test_tallies_without_an_outlets_claims_by_voice_answer_from_the_query(synthetic_store: Path,
                                                                          tmp_path: Path) -> None:
    """Tallies made before an outlet's claims were counted per voice (no ``outlet:`` groups) do
    not give an empty page: the tallied answer steps aside and the question's own query answers."""
    import sqlite3

    from claimgraph.queries import tallied
    from claimgraph.queries.tally_store import tallies_of
    store, tallies_file = copied(synthetic_store, tmp_path)
    with sqlite3.connect(tallies_file) as db:
        assert db.execute("DELETE FROM claim_groups WHERE kind LIKE 'outlet:%'").rowcount > 0
    backend = EmbeddedBackend(store)
    prepared = run.prepare("outlet", {"outlet": "outlet-3", "voice": "own", "limit": "10"}, backend)
    with tallies_of(backend) as tallies:
        assert tallied.claims(prepared, backend, tallies) is None
    asked = {"outlet": "outlet-3", "voice": "own", "limit": "10"}
    assert answer("outlet", asked, backend, tallied=True) == answer("outlet", asked, without_tallies(store),
                                                                    tallied=False)


def test_a_store_built_before_the_affiliated_rule_answers_from_the_query(synthetic_store: Path,
                                                                          tmp_path: Path) -> None:
    """A store made before ``cg:affiliatedVoiceOf`` had a rule has neither the fact nor its counts:
    its ontology graph does not name the rule, the tallied answer steps aside, and the question's
    own query (which joins for those affiliated itself) answers as on a store that has them."""
    import pyoxigraph as ox

    from claimgraph.ontology import iris
    from claimgraph.ontology.namespace import CG
    from claimgraph.queries import tallied
    from claimgraph.queries.tally_store import tallies_of
    store, _ = copied(synthetic_store, tmp_path)
    asked = {"actor": "russia", "affiliated": "true", "limit": "3", "offset": "1"}
    before = answer("speaker", asked, EmbeddedBackend(store), tallied=True)
    writable = ox.Store(str(store.resolve()))
    named = [q for q in writable.quads_for_pattern(ox.NamedNode(str(CG.affiliatedVoiceOf)), None, None,
                                                   ox.NamedNode(str(iris.ONTOLOGY_GRAPH)))]
    assert named
    for quad in named:
        writable.remove(quad)
    writable.flush()
    del writable
    backend = EmbeddedBackend(store)
    assert not tallied.derives(backend, CG.affiliatedVoiceOf)
    prepared = run.prepare("speaker", asked, backend)
    with tallies_of(backend) as tallies:
        assert tallied.answers(prepared, tallies) and tallied.claims(prepared, backend, tallies) is None
    assert answer("speaker", asked, backend, tallied=True) == before
    assert before["affiliated"]["total"] > 3 and len(before["affiliated"]["claims"]) == 3


def test_search_matches_the_names_kept_in_the_tallies(synthetic: Path) -> None:
    """The search question finds entities in the tallies' names, without a query of the store's
    names (whose cost grows with every entity: 1.1 s at a million claims), and gives the rows its
    own query gives; claims are found in their texts (below)."""
    from claimgraph.queries import tallied
    from claimgraph.queries.tally_store import tallies_of
    backend, plain = EmbeddedBackend(synthetic), without_tallies(synthetic)
    for asked in ({"text": "russia"}, {"text": "state"}, {"text": "2", "type": "place"}, {"text": "a", "type": "article"}):
        prepared = run.prepare("search", asked, backend)
        with tallies_of(backend) as tallies:
            rows = tallied.search_rows(prepared, tallies)
        assert rows, asked
        variables, own = run.question_rows(run.prepare("search", asked, plain), plain)
        assert variables == tallied.SEARCH_VARIABLES
        key = lambda row: json.dumps(row, sort_keys=True)  # noqa: E731
        assert sorted(rows, key=key) == sorted(own, key=key), asked
    prepared = run.prepare("search", {"text": "claim", "type": "claim"}, backend)
    with tallies_of(backend) as tallies:
        assert tallied.search_rows(prepared, tallies) is None


def test_the_names_kept_are_of_the_kinds_the_search_question_finds() -> None:
    """``tallies/names.rq`` is the first branch of ``questions/search.rq``: the same table of kinds."""
    from claimgraph.queries.tally import FOLDER

    def kinds(text: str) -> list[str]:
        found = re.search(r"VALUES \(\?class \?kind \?entityType\) \{(.*?)\}", text, re.DOTALL)
        assert found is not None
        return found.group(1).split()

    assert kinds((FOLDER / "names.rq").read_text(encoding="utf-8")) == kinds(get("search").path.read_text(encoding="utf-8"))


def test_tallies_without_names_answer_the_search_from_the_query(synthetic_store: Path, tmp_path: Path) -> None:
    """Tallies made before the names were kept: the search question's own query answers."""
    import sqlite3

    from claimgraph.queries import tallied
    from claimgraph.queries.tally_store import tallies_of
    store, tallies_file = copied(synthetic_store, tmp_path)
    before = answer("search", {"text": "russia"}, EmbeddedBackend(store), tallied=True)
    with sqlite3.connect(tallies_file) as db:
        db.execute("DROP TABLE names")
    backend = EmbeddedBackend(store)
    with tallies_of(backend) as tallies:
        assert tallied.search_rows(run.prepare("search", {"text": "russia"}, backend), tallies) is None
    assert answer("search", {"text": "russia"}, backend, tallied=True) == before
    assert before["count"] >= 3


@pytest.mark.parametrize("matches", [1000, 3])  # the claims one read ranks and pages alone, at most
@pytest.mark.parametrize("text", ["claim", "state 1", "russia", "e", "article 3", "claim 1 ", "no such text"])
def test_search_pages_claims_from_their_texts_in_the_tallies(text: str, matches: int, synthetic: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """With ``type`` claim, the search question matches, ranks and pages the claims' texts kept in
    the tallies (``tallies/claim-texts.rq``): no query of the store runs, ``total`` counts every
    match, and each page is the one the question's own query gives; the same when the matches
    are ranked and paged in one read and when they are counted per rank and each rank paged."""
    from claimgraph.queries import tallied
    from claimgraph.queries.tally_store import Tallies, tallies_of
    monkeypatch.setattr(Tallies, "TEXT_MATCHES", matches)
    recording, plain = Recording(EmbeddedBackend(synthetic)), without_tallies(synthetic)
    for limit, offset in PAGES:
        asked = {"text": text, "type": "claim", **({"limit": limit, "offset": offset} if limit else {})}
        prepared = run.prepare("search", asked, recording)
        with tallies_of(recording) as tallies:
            assert tallied.answers(prepared, tallies)
            whole = tallied.search(prepared, recording, tallies)
        assert recording.queries == []
        own = answer("search", asked, plain, tallied=False)
        assert (whole.total, [item["claim"] for item in whole.items]) == \
            (own["total"], [item["claim"] for item in own["results"]]), asked
        assert answer("search", asked, recording, tallied=True) == own
    assert (whole.total > 9) is (text != "no such text")


@pytest.mark.parametrize("matches", [1000, 3])
def test_search_pages_the_real_corpus_claims_across_ranks(matches: int, corpus_store: Path, backend: Any,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """The real corpus's claims, whose texts hold a text at their start, a word's start or
    anywhere (the synthetic ones all begin alike): pages that span ranks, both ways."""
    from claimgraph.queries.tally_store import Tallies
    monkeypatch.setattr(Tallies, "TEXT_MATCHES", matches)
    ranks = set()
    for text in ("a", "russia", "the", "azal", "s", "aliyev"):
        both_ways("search", {"text": text, "type": "claim"}, backend, without_tallies(corpus_store))
        asked = {"text": text, "type": "claim", "limit": "1000"}
        ranks.update(item["match"] for item in answer("search", asked, backend, tallied=True)["results"])
    assert {"prefix", "word", "contains"} <= ranks


class Recording:
    """The real backend, keeping the text of every query it is asked."""

    def __init__(self, backend: Any) -> None:
        self.backend, self.queries = backend, []

    def select(self, query: str, bindings: Any = None) -> Any:
        self.queries.append(query)
        return self.backend.select(query, bindings)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.backend, name)


@pytest.mark.parametrize("params", [{}, {"since": "2021-06-01"}, {"until": "2022-01-01"}])
def test_the_timeline_pages_from_its_index_of_events(params: dict[str, str], synthetic: Path) -> None:
    """The timeline finds its page of events in the tallies, and looks up only those: its own
    query (every event of the store) does not run."""
    from claimgraph.queries import tallied
    from claimgraph.queries.tally_store import tallies_of
    backend = EmbeddedBackend(synthetic)
    prepared = run.prepare("timeline", {**params, "limit": "3", "offset": "2"}, backend)
    recording = Recording(backend)
    with tallies_of(backend) as tallies:
        assert tallied.answers(prepared, tallies)
        whole = tallied.timeline(prepared, recording, tallies)
    assert whole.total >= 5 and len(whole.items) == 3 and whole.start == 2, whole.total  # of the corpus's 10 events
    assert whole.total < 10 or not params  # the filters leave some out
    assert [query.count("<https://w3id.org/claimgraph/id/event/") for query in recording.queries] == [3]


@pytest.mark.parametrize(("table", "name", "asked"), [
    ("claim_texts", "search", {"text": "state 1", "type": "claim", "limit": "5"}),
    ("event_index", "timeline", {"since": "2021-06-01", "limit": "3", "offset": "2"})])
def test_tallies_without_a_table_answer_from_the_query(table: str, name: str, asked: dict[str, str],
                                                      synthetic_store: Path, tmp_path: Path) -> None:
    """Tallies made before a table was kept (the claims' texts, the index of events): the tallied
    page steps aside and the question's own query answers the same (the timeline's with the
    tallies' counts filled into its page)."""
    import sqlite3

    from claimgraph.queries import tallied
    from claimgraph.queries.tally_store import tallies_of
    store, tallies_file = copied(synthetic_store, tmp_path)
    before = answer(name, asked, EmbeddedBackend(store), tallied=True)
    with sqlite3.connect(tallies_file) as db:
        db.execute(f"DROP TABLE {table}")
    backend = EmbeddedBackend(store)
    with tallies_of(backend) as tallies:
        assert not tallied.answers(run.prepare(name, asked, backend), tallies)
    assert answer(name, asked, backend, tallied=True) == before
    assert before["count"] == int(asked["limit"]) < before["total"]
    assert all(item.get("claim") or item.get("claims") for item in before["results"])  # a claim's IRI; an event's count
