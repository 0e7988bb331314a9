"""Valid and invalid corpus files side by side: each invalid file says what error it must give,
and a failed ingestion leaves the store exactly as it was."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest

from claimgraph.api.cli import main

EXAMPLES = Path(__file__).parent / "examples"
INVALID = sorted((EXAMPLES / "invalid").glob("*.yaml"))


def make_corpus(root: Path, *articles: Path) -> Path:
    corpus = root / "corpus"
    shutil.rmtree(corpus, ignore_errors=True)
    (corpus / "articles").mkdir(parents=True)
    shutil.copytree(EXAMPLES / "registry", corpus / "registry")
    for article in articles:
        shutil.copy(article, corpus / "articles" / article.name)
    return corpus


def dump(store: Path) -> tuple[str, bytes]:
    """Where the store link points and every quad in it, sorted."""
    db = ox.Store.read_only(str(store))
    quads = sorted(str(q) for q in db)
    del db
    return os.readlink(store), "\n".join(quads).encode()


@pytest.fixture()
def valid_store(tmp_path: Path) -> Path:
    corpus = make_corpus(tmp_path, *sorted((EXAMPLES / "valid").glob("*.yaml")))
    store = tmp_path / "data" / "store"
    assert main(["ingest", str(corpus), "--store", str(store)]) == 0
    return store


def test_valid_examples_ingest_with_their_chain(valid_store: Path) -> None:
    db = ox.Store.read_only(str(valid_store))
    rows = list(db.query("""
        PREFIX cg: <https://w3id.org/claimgraph/ontology#>
        SELECT ?outer ?inner WHERE {
          <https://w3id.org/claimgraph/id/claim/example-news-2025-chain/c2> cg:reportedIn ?r1 .
          ?r1 cg:speaker/cg:slug ?inner ; cg:reportedIn ?r0 . ?r0 cg:speaker/cg:slug ?outer .
          FILTER NOT EXISTS { ?r0 cg:reportedIn ?any } }""", use_default_graph_as_union=True))
    assert [(r["outer"].value, r["inner"].value) for r in rows] == [("example-news", "wire-agency")]


def test_ingesting_twice_gives_the_same_graph(valid_store: Path, tmp_path: Path) -> None:
    before = dump(valid_store)[1]
    corpus = tmp_path / "corpus"
    assert main(["ingest", str(corpus), "--store", str(valid_store), "--force"]) == 0
    after = dump(valid_store)[1]
    assert before == after
    assert len(before.splitlines()) == len(set(before.splitlines()))


@pytest.mark.parametrize("case", INVALID, ids=[p.stem for p in INVALID])
def test_invalid_example_is_refused_and_store_untouched(case: Path, valid_store: Path, tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    expect = re.fullmatch(r"# expect: line (\d+): (.*)", case.read_text().splitlines()[0])
    assert expect, f"{case.name} must start with '# expect: line N: what'"
    line, what = int(expect[1]), expect[2]
    before = dump(valid_store)
    corpus = make_corpus(tmp_path, *sorted((EXAMPLES / "valid").glob("*.yaml")), case)
    capsys.readouterr()

    assert main(["ingest", str(corpus), "--store", str(valid_store)]) == 1

    err = capsys.readouterr().err
    assert f"corpus/articles/{case.name}:{line}: " in err, err
    for fragment in what.split(": "):
        assert fragment in err, err
    assert "nothing was written" in err
    assert dump(valid_store) == before


def test_shacl_catches_what_the_format_cannot(valid_store: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A country must be a state: only the ontology's shapes know that."""
    before = dump(valid_store)
    corpus = make_corpus(tmp_path, *sorted((EXAMPLES / "valid").glob("*.yaml")))
    (corpus / "registry" / "extra.yaml").write_text(
        "actors:\n"
        "  - slug: odd-outlet\n"
        "    kind: news-outlet\n"
        "    label: An outlet whose country is another outlet\n"
        "    country: example-news\n", encoding="utf-8")
    capsys.readouterr()
    assert main(["ingest", str(corpus), "--store", str(valid_store)]) == 1
    err = capsys.readouterr().err
    assert "corpus/registry/extra.yaml:2: actors[0]: SHACL:" in err, err
    assert "cg:country" in err
    assert dump(valid_store) == before


@pytest.mark.slow
def test_stores_side_by_side_keep_their_versions(tmp_path: Path) -> None:
    corpus = make_corpus(tmp_path, *sorted((EXAMPLES / "valid").glob("*.yaml")))
    one, two = tmp_path / "data" / "store", tmp_path / "data" / "store-2"
    assert main(["ingest", str(corpus), "--store", str(one)]) == 0
    assert main(["ingest", str(corpus), "--store", str(two), "--force"]) == 0
    assert main(["ingest", str(corpus), "--store", str(two), "--force"]) == 0
    assert dump(one)[1] == dump(two)[1]


def _select(store: Path, query: str) -> list[dict[str, str]]:
    db = ox.Store.read_only(str(store))
    result = db.query("PREFIX cg: <https://w3id.org/claimgraph/ontology#>\n" + query, use_default_graph_as_union=True)
    names = [v.value for v in result.variables]
    rows = [{n: s[n].value for n in names if s[n] is not None} for s in result]
    del db
    return rows


CLAIM = "https://w3id.org/claimgraph/id/claim/"


def test_one_statement_two_mentions(valid_store: Path) -> None:
    """Baku's statement is a registry event reported by two articles: one utterance, two claim acts,
    each with its own speaker as given, certainty and cue, both dated by the statement."""
    rows = _select(valid_store, """
        SELECT ?claim ?certainty ?earliest ?latest WHERE {
          ?claim cg:mentionOf ?statement . ?statement cg:slug "baku-crash-statement" .
          ?claim cg:certainty/cg:slug ?certainty ; cg:earliest ?earliest ; cg:latest ?latest }
        ORDER BY ?claim""")
    assert rows == [
        {"claim": CLAIM + "example-news-2025-chain/c1", "certainty": "certain",
         "earliest": "2024-12-26", "latest": "2024-12-31"},
        {"claim": CLAIM + "example-wire-2025-mention/w1", "certainty": "possible",
         "earliest": "2024-12-26", "latest": "2024-12-31"},
    ]


def test_the_author_is_the_first_voice(valid_store: Path) -> None:
    """In a signed article the author speaks its own-voice claims and relays the others; the
    outlet publishes it."""
    rows = _select(valid_store, """
        SELECT ?own ?relay ?outlet WHERE {
          <https://w3id.org/claimgraph/id/claim/example-wire-2025-mention/w2> cg:speaker/cg:slug ?own .
          <https://w3id.org/claimgraph/id/claim/example-wire-2025-mention/w1> cg:reportedIn/cg:speaker/cg:slug ?relay .
          <https://w3id.org/claimgraph/id/article/example-wire-2025-mention> cg:outlet/cg:slug ?outlet }""")
    assert rows == [{"own": "jane-doe", "relay": "jane-doe", "outlet": "wire-agency"}]
    unsigned = _select(valid_store, """SELECT ?own WHERE {
        <https://w3id.org/claimgraph/id/claim/example-news-2025-chain/c3> cg:speaker/cg:slug ?own }""")
    assert unsigned == [{"own": "example-news"}]


def test_wordings_of_one_charge_share_its_core(valid_store: Path) -> None:
    """'shot down' and 'fired on purpose': two contents, one core made of the typed roles."""
    rows = _select(valid_store, """
        SELECT DISTINCT ?content ?core ?label WHERE {
          VALUES ?claim { <https://w3id.org/claimgraph/id/claim/example-news-2025-chain/c1>
                          <https://w3id.org/claimgraph/id/claim/example-wire-2025-mention/w1> }
          ?claim cg:content ?content . ?content cg:core ?core . ?core rdfs:label ?label .
          FILTER NOT EXISTS { ?core cg:mechanism ?m } }""".replace(
        "SELECT", "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\nSELECT", 1))
    assert len({r["content"] for r in rows}) == 2 and len({r["core"] for r in rows}) == 1
    assert rows[0]["label"] == "Government of Russia is responsible for Crash of an Azerbaijan Airlines plane near Aktau"
    itself = _select(valid_store, """SELECT ?core WHERE {
        <https://w3id.org/claimgraph/id/claim/example-news-2025-chain/c3> cg:content ?p . ?p cg:core ?core .
        FILTER(?core = ?p) }""")
    assert len(itself) == 1, "a prediction's text is its content: its core is itself"


def test_joint_statements_claims_about_claims_and_event_relations(valid_store: Path) -> None:
    speakers = _select(valid_store, """SELECT ?s WHERE {
        <https://w3id.org/claimgraph/id/claim/example-news-2025-chain/c4> cg:speaker/cg:slug ?s } ORDER BY ?s""")
    assert [r["s"] for r in speakers] == ["azerbaijani-government", "russian-government"]
    about = _select(valid_store, """SELECT ?subject ?object WHERE {
        <https://w3id.org/claimgraph/id/claim/example-news-2025-chain/c5> cg:content ?p .
        ?p cg:subject ?subject ; cg:object ?object }""")
    assert about == [{"subject": CLAIM + "example-news-2025-chain/c2", "object": CLAIM + "example-news-2025-chain/c1"}]
    relations = _select(valid_store, """SELECT ?a ?rel ?b WHERE {
        ?x ?p ?y . ?x cg:slug ?a . ?y cg:slug ?b . VALUES (?p ?rel) { (cg:subEventOf "part of") (cg:followsFrom "follows from") } }
        ORDER BY ?a""")
    assert relations == [{"a": "ambassador-summoned", "rel": "part of", "b": "crash-aftermath"},
                         {"a": "baku-crash-statement", "rel": "follows from", "b": "azal-crash"}]
