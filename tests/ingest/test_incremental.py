"""Incremental ingestion gives exactly the store a full rebuild gives.

A series of additions, edits, renames and deletions of articles, and edits of the registry, is
applied to a corpus; after each step the store is brought up to date incrementally, and its quads
are compared with those of a store built in full from the same corpus.
"""

from __future__ import annotations

import hashlib
import os
import random
import re
import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest

from claimgraph.ingest.pipeline import ingest
from claimgraph.ontology.errors import CorpusError
from claimgraph.queries.tally_store import FILE, connect
from tests.conftest import CORPUS

pytestmark = pytest.mark.slow

quiet = {"progress": lambda message: None}


def quads(store: Path) -> set[str]:
    db = ox.Store.read_only(os.path.realpath(store))
    try:
        return {str(q) for q in db}
    finally:
        del db


def fingerprint(store: Path) -> tuple[str, dict[str, str]]:
    """Where the link points and every byte of every file of the version and its record."""
    version = store.parent / os.readlink(store)
    files = {}
    for folder in (version, version.with_name(version.name + ".meta")):
        for path in sorted(folder.iterdir()):
            if path.is_file() and path.name != "readers":
                files[f"{folder.name}/{path.name}"] = hashlib.sha256(path.read_bytes()).hexdigest()
    return os.readlink(store), files


def tallies(store: Path) -> dict[str, list[tuple]]:
    """Every row of every table of the version's tallies (queries/tally.py), sorted."""
    version = store.parent / os.readlink(store)
    db = connect(version.with_name(version.name + '.meta') / FILE)  # the base and its changes, as one
    try:
        tables = [name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                                                  "AND name NOT LIKE 'sqlite%'")]
        return {table: sorted(db.execute(f"SELECT * FROM {table}")) for table in tables}
    finally:
        db.close()


def full(corpus: Path, tmp: Path) -> tuple[set[str], dict[str, list[tuple]]]:
    store = tmp / "full" / "store"
    shutil.rmtree(store.parent, ignore_errors=True)
    ingest(corpus, store=store, force=True, workers=1, **quiet)
    return quads(store), tallies(store)


def step(corpus: Path, store: Path, tmp: Path, mode: str = "incremental") -> None:
    """Ingest the corpus as it now is into ``store``: the store's quads, and its tallies row for
    row (the edges' totals included), are those a full rebuild gives."""
    report = ingest(corpus, store=store, **quiet)
    assert report.mode == mode
    rebuilt_quads, rebuilt_tallies = full(corpus, tmp)
    assert quads(store) == rebuilt_quads
    assert tallies(store) == rebuilt_tallies
    assert rebuilt_tallies["edges"] and rebuilt_tallies["event_counts"] and rebuilt_tallies["claim_texts"]


def set_field(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def copy_article(source: Path, target: Path, slug: str) -> None:
    text = source.read_text(encoding="utf-8")
    old = re.search(r"^\s*slug:\s*(\S+)", text, re.M)[1]
    target.write_text(text.replace(f"slug: {old}", f"slug: {slug}", 1), encoding="utf-8")


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    copy = tmp_path / "corpus"
    shutil.copytree(CORPUS, copy)
    return copy


def test_edits_additions_renames_and_deletions_give_the_full_rebuilds_quads(corpus: Path, tmp_path: Path) -> None:
    store = tmp_path / "data" / "store"
    articles = sorted((corpus / "articles").glob("*.yaml"))
    assert ingest(corpus, store=store, **quiet).mode == "full"
    assert ingest(corpus, store=store, **quiet).mode == "none"

    set_field(articles[0], "paraphrase: ", "paraphrase: Edited, ")  # an edit
    step(corpus, store, tmp_path)
    copy_article(articles[1], corpus / "articles" / "zz-added.yaml", "zz-added")  # an addition
    step(corpus, store, tmp_path)
    (corpus / "articles" / "zz-added.yaml").rename(corpus / "articles" / "zz-renamed.yaml")  # a rename
    step(corpus, store, tmp_path)
    articles[2].unlink()  # a deletion
    step(corpus, store, tmp_path)
    (corpus / "articles" / "zz-renamed.yaml").unlink()  # the copy goes: what it shared stays with its original
    step(corpus, store, tmp_path)

    # The registry: a label that propositions of articles repeat, then a new alias nobody uses.
    actors = corpus / "registry" / "actors.yaml"
    set_field(actors, "    label: Russia\n", "    label: Russia (the state)\n")
    step(corpus, store, tmp_path)
    set_field(actors, "aliases: [Russian Federation]", "aliases: [Russian Federation, RF-test-alias]")
    step(corpus, store, tmp_path)
    # A roll-up two steps away: an article quotes Mikhail Galuzin (who represents the foreign
    # ministry) and never names the ministry, whose own part_of changes. Its derived facts (whom its
    # claims speak for, rolled up) follow: the lookups recorded for it reach up the chain.
    derived = "<https://w3id.org/claimgraph/graph/derived/unidentified-2025-02-12-russia-losing-azerbaijan>"
    kremlin = "<https://w3id.org/claimgraph/id/actor/kremlin>"
    before = {q for q in quads(store) if q.endswith(f"{kremlin} {derived}")}
    set_field(actors, "Russian MFA]\n    part_of: [russian-government]", "Russian MFA]\n    part_of: [kremlin]")
    step(corpus, store, tmp_path)
    assert {q for q in quads(store) if q.endswith(f"{kremlin} {derived}")} > before
    # Lines move in the registry (an entry written above the others): no article's graph changes.
    text = actors.read_text(encoding="utf-8")
    actors.write_text(text.replace("actors:\n", "actors:\n  - slug: zz-new-actor\n    kind: person\n"
                                                "    label: Zz New Actor\n", 1), encoding="utf-8")
    step(corpus, store, tmp_path)


def test_an_invalid_change_leaves_the_store_byte_for_byte_as_it_was(corpus: Path, tmp_path: Path) -> None:
    store = tmp_path / "data" / "store"
    ingest(corpus, store=store, **quiet)
    before = fingerprint(store)
    article = sorted((corpus / "articles").glob("*.yaml"))[0]
    original = article.read_text(encoding="utf-8")
    set_field(article, "illocution: ", "illocution: no-such-illocution-", 1)
    with pytest.raises(CorpusError) as raised:
        ingest(corpus, store=store, **quiet)
    assert f"corpus/articles/{article.name}" in str(raised.value)
    assert fingerprint(store) == before
    # A registry change that breaks an article that did not change: the article is checked again.
    article.write_text(original, encoding="utf-8")
    actors = corpus / "registry" / "actors.yaml"
    set_field(actors, "slug: russia\n    kind: state\n    label: Russia\n", "slug: ruzzia\n    kind: state\n    label: Ruzzia\n")
    with pytest.raises(CorpusError) as raised:
        ingest(corpus, store=store, **quiet)
    assert "'russia'" in str(raised.value)
    assert fingerprint(store) == before
    set_field(actors, "slug: ruzzia\n    kind: state\n    label: Ruzzia\n", "slug: russia\n    kind: state\n    label: Russia\n")
    assert ingest(corpus, store=store, **quiet).mode == "none"
    assert fingerprint(store) == before


def test_a_random_series_on_a_synthetic_corpus(tmp_path: Path) -> None:
    """Synthetic articles share many propositions, so deleting and editing them exercises the
    shared graph: a proposition stays while any article still says it."""
    from tools.synthetic import write_corpus
    corpus = tmp_path / "corpus"
    write_corpus(corpus, claims=1500, seed=3)
    store = tmp_path / "data" / "store"
    ingest(corpus, store=store, **quiet)
    rng = random.Random(5)
    for i in range(8):
        articles = sorted((corpus / "articles").glob("*.yaml"))
        kind = ("edit", "add", "rename", "delete")[i % 4]
        victim = rng.choice(articles)
        if kind == "edit":  # another content: a proposition leaves this article
            text = victim.read_text(encoding="utf-8")
            events = re.findall(r"event: (event-\d+)", text)
            set_field(victim, f"event: {events[0]}", f"event: {rng.choice(events)}")
            set_field(victim, "polarity: positive", "polarity: negative")
        elif kind == "add":
            copy_article(victim, corpus / "articles" / f"added-{i}.yaml", f"added-{i}")
        elif kind == "rename":
            victim.rename(victim.with_name(f"renamed-{i}.yaml"))
        else:
            victim.unlink()
        step(corpus, store, tmp_path)
