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
