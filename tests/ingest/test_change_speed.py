"""What makes a one-article change fast keeps it exact.

Digests trusted by file status (an untouched file is not opened; an edit that keeps the size, or
that restores the modification time, or that lands within the racy margin, is still found); the
record shared by hard links between versions and copied only where written (an error half-way
through leaves the current version's files as they were); a record in the previous format read,
and converted by the next change.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import sys
import zlib
from pathlib import Path

import pyoxigraph as ox
import pytest

from claimgraph.ingest import manifest as record
from claimgraph.ingest.pipeline import ingest
from claimgraph.queries.settings import get_settings
from claimgraph.queries.tally_store import CHANGES as TALLY_CHANGES
from claimgraph.queries.tally_store import FILE as TALLIES
from tests.ingest.test_incremental import copy_article, corpus, fingerprint, full, quads, quiet, set_field, step

__all__ = ["corpus"]  # the fixture

pytestmark = pytest.mark.slow

_opened: list[str] | None = None


def _audit(event: str, args: tuple) -> None:
    if _opened is not None and event == "open" and isinstance(args[0], (str, bytes, os.PathLike)):
        _opened.append(os.fsdecode(args[0]))


sys.addaudithook(_audit)


def opened_articles(corpus: Path, *args, **kwargs) -> tuple[object, set[str]]:
    """Ingest, and the article files the ingest opened (every ``open`` the interpreter makes is
    audited: what the real code path reads, not a mock of the file system)."""
    global _opened
    _opened = []
    try:
        report = ingest(corpus, *args, **kwargs)
        return report, {Path(p).name for p in _opened if Path(p).parent.name == "articles"}
    finally:
        _opened = None


def test_an_untouched_file_is_not_read_and_edits_are_found(corpus: Path, tmp_path: Path, monkeypatch) -> None:
    store = tmp_path / "data" / "store"
    monkeypatch.setattr("claimgraph.ingest.scan.RACY_NS", 0)  # only what is exactly "now" is racy here
    articles = sorted((corpus / "articles").glob("*.yaml"))
    ingest(corpus, store=store, **quiet)
    report, opened = opened_articles(corpus, store=store, **quiet)
    assert report.mode == "none" and opened == set()
    # An edit that keeps the size (and the modification time): the change time gives it away.
    first = articles[0]
    stat = first.stat()
    text = first.read_text(encoding="utf-8")
    edited = text.replace("paragraph: 1\n", "paragraph: 2\n", 1)
    assert edited != text and len(edited) == len(text)
    first.write_text(edited, encoding="utf-8")
    os.utime(first, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert first.stat().st_size == stat.st_size and first.stat().st_mtime_ns == stat.st_mtime_ns
    report, opened = opened_articles(corpus, store=store, **quiet)
    assert report.mode == "incremental" and report.rebuilt == 1
    assert first.name in opened and opened <= {first.name}
    assert quads(store) == full(corpus, tmp_path)[0]
    # Nothing changed since: nothing is read.
    report, opened = opened_articles(corpus, store=store, **quiet)
    assert report.mode == "none" and opened == set()


def test_a_racy_edit_is_found(corpus: Path, tmp_path: Path) -> None:
    """A file written within the racy margin of an ingest is read again by the next one, even if
    a second edit left its size and both times as the first ingest saw them (a coarse clock)."""
    store = tmp_path / "data" / "store"
    article = sorted((corpus / "articles").glob("*.yaml"))[1]
    ingest(corpus, store=store, **quiet)
    text = article.read_text(encoding="utf-8")
    article.write_text(text.replace("paragraph: 1\n", "paragraph: 3\n", 1), encoding="utf-8")
    stat = article.stat()
    assert ingest(corpus, store=store, **quiet).mode == "incremental"  # racy: status recorded as unknown
    manifest = record.Manifest.open((store.parent / os.readlink(store)).with_name(os.readlink(store) + ".meta"),
                                    read_only=True)
    try:
        assert f"articles/{article.name}" not in manifest.statuses()
    finally:
        manifest.close(save=False)
    # The second edit: same size, and the file system's clock has not moved (times put back).
    article.write_text(text.replace("paragraph: 1\n", "paragraph: 4\n", 1), encoding="utf-8")
    os.utime(article, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    report, opened = opened_articles(corpus, store=store, **quiet)
    assert report.mode == "incremental" and article.name in opened
    assert quads(store) == full(corpus, tmp_path)[0]


def test_force_reads_every_file(corpus: Path, tmp_path: Path, monkeypatch) -> None:
    store = tmp_path / "data" / "store"
    monkeypatch.setattr("claimgraph.ingest.scan.RACY_NS", 0)
    ingest(corpus, store=store, **quiet)
    report, opened = opened_articles(corpus, store=store, force=True, workers=1, **quiet)
    assert report.mode == "full"
    assert opened == {p.name for p in (corpus / "articles").glob("*.yaml")}


def test_a_change_shares_the_record_and_copies_only_what_it_writes(corpus: Path, tmp_path: Path,
                                                                   monkeypatch) -> None:
    """A change links every record file and the tallies' base from the version it is made from
    and copies only those it writes, the tallies' changes among them; once the changes are over
    ``tally_changes_max_bytes``, a change folds them into its own copy of the base. The version
    it is made from keeps its files byte for byte."""
    store = tmp_path / "data" / "store"
    ingest(corpus, store=store, **quiet)
    articles = sorted((corpus / "articles").glob("*.yaml"))

    def change(edit) -> tuple[Path, Path]:  # type: ignore[no-untyped-def]
        old = _meta(store)
        kept = {p.name: p.read_bytes() for p in old.iterdir() if p.is_file()}
        edit()
        step(corpus, store, tmp_path)
        assert {p.name: p.read_bytes() for p in old.iterdir() if p.is_file()} == kept
        return old, _meta(store)

    old, new = change(lambda: copy_article(articles[0], corpus / "articles" / "zz-new.yaml", "zz-new"))
    assert not (old / TALLY_CHANGES).exists()  # a full build: the tallies in one file
    shared = _shared(old, new)
    written = {record.NAME, record.shard_name(record.shard_of("articles/zz-new.yaml", record.SHARDS)), TALLY_CHANGES}
    assert written.isdisjoint(shared) and TALLIES in shared
    assert len(shared) == record.SHARDS - 1 + 1 + 1  # the other shards, the registry's context, the tallies
    old, new = change(lambda: set_field(articles[1], "paragraph: 1\n", "paragraph: 7\n"))
    shared = _shared(old, new)
    assert TALLIES in shared and TALLY_CHANGES not in shared  # the changes copied and written, the base linked
    assert (old / TALLY_CHANGES).read_bytes() != (new / TALLY_CHANGES).read_bytes()

    monkeypatch.setenv("CLAIMGRAPH_TALLY_CHANGES_MAX_BYTES", "0")
    get_settings.cache_clear()
    try:
        old, new = change((corpus / "articles" / "zz-new.yaml").unlink)
    finally:
        monkeypatch.delenv("CLAIMGRAPH_TALLY_CHANGES_MAX_BYTES")
        get_settings.cache_clear()
    assert not (new / TALLY_CHANGES).exists()  # folded into the version's own base
    assert TALLIES not in _shared(old, new)


def _meta(store: Path) -> Path:
    version = store.parent / os.readlink(store)
    return version.with_name(version.name + ".meta")


def _shared(old: Path, new: Path) -> set[str]:
    """The files of ``new`` that are hard links to those of ``old``."""
    return {p.name for p in new.iterdir() if p.name != "readers"
            and (old / p.name).exists() and p.stat().st_ino == (old / p.name).stat().st_ino}


def test_an_error_while_writing_leaves_the_current_version_as_it_was(corpus: Path, tmp_path: Path,
                                                                     monkeypatch) -> None:
    store = tmp_path / "data" / "store"
    ingest(corpus, store=store, **quiet)
    before = fingerprint(store)
    article = sorted((corpus / "articles").glob("*.yaml"))[0]
    set_field(article, "paragraph: 1\n", "paragraph: 5\n")

    def fail(self, *args, **kwargs):
        raise OSError("disk full (a test)")

    # After the record's shard is written (put_article), before the version is linked.
    monkeypatch.setattr(record.Manifest, "drop_unused_calls", fail)
    with pytest.raises(OSError, match="a test"):
        ingest(corpus, store=store, **quiet)
    assert fingerprint(store) == before
    assert sorted(p.name for p in store.parent.iterdir() if "building" in p.name) == []
    monkeypatch.undo()
    step(corpus, store, tmp_path)


def _to_legacy(meta: Path) -> None:
    """Rewrite a version's record in the previous format (schema 2, one file), as a store made
    before this format has it."""
    new = record.Manifest.open(meta, read_only=True)
    assert isinstance(new, record.Manifest)
    db = sqlite3.connect(meta / record.LEGACY)
    db.executescript("""
        CREATE TABLE info (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE files (path TEXT PRIMARY KEY, digest TEXT NOT NULL);
        CREATE TABLE articles (id INTEGER PRIMARY KEY, path TEXT UNIQUE NOT NULL, slug TEXT UNIQUE NOT NULL,
                               graph TEXT NOT NULL, claims INTEGER NOT NULL, shared BLOB NOT NULL);
        CREATE TABLE calls (id INTEGER PRIMARY KEY, call TEXT UNIQUE NOT NULL, outcome TEXT NOT NULL);
        CREATE TABLE uses (article INTEGER NOT NULL, call INTEGER NOT NULL);
        CREATE TABLE subjects (article INTEGER NOT NULL, subject INTEGER NOT NULL, digest TEXT NOT NULL);
        CREATE INDEX uses_call ON uses (call); CREATE INDEX uses_article ON uses (article);
        CREATE INDEX subjects_subject ON subjects (subject); CREATE INDEX subjects_article ON subjects (article);
    """)
    db.executemany("INSERT INTO info VALUES (?, ?)",
                   [(k, v) for k, v in new.db.execute("SELECT key, value FROM info")
                    if k in ("builders", "corpus")] + [("schema", record.LEGACY_SCHEMA)])
    db.executemany("INSERT INTO files VALUES (?, ?)", new.db.execute("SELECT path, digest FROM files"))
    db.executemany("INSERT INTO calls VALUES (?, ?, ?)", new.db.execute("SELECT id, call, outcome FROM calls"))
    next_id = 1
    for shard in new._all_shards():
        for old_id, path, slug, graph, claims, shared, uses in shard.execute(
                "SELECT id, path, slug, graph, claims, shared, uses FROM articles"):
            db.execute("INSERT INTO articles VALUES (?, ?, ?, ?, ?, ?)",
                       (next_id, path, slug, graph, claims, zlib.compress(zlib.decompress(shared), 1)))
            db.executemany("INSERT INTO uses VALUES (?, ?)", ((next_id, c) for c in record.unpack(uses)))
            db.executemany("INSERT INTO subjects VALUES (?, ?, ?)",
                           ((next_id, s, d) for s, d in shard.execute(
                               "SELECT subject, digest FROM subjects WHERE article = ?", (old_id,))))
            next_id += 1
    db.commit()
    db.close()
    new.close(save=False)
    for path in [meta / record.NAME, *meta.glob("record-*.sqlite")]:
        path.unlink()


def test_a_record_in_the_previous_format_is_read_then_converted(corpus: Path, tmp_path: Path) -> None:
    store = tmp_path / "data" / "store"
    ingest(corpus, store=store, **quiet)
    version = store.parent / os.readlink(store)
    meta = version.with_name(version.name + ".meta")
    _to_legacy(meta)
    before = fingerprint(store)
    assert ingest(corpus, store=store, **quiet).mode == "none"  # read as it is: up to date
    # A change: made incrementally from the old record, which is left as it was; the new version
    # has its record in the new format.
    articles = sorted((corpus / "articles").glob("*.yaml"))
    set_field(articles[0], "paragraph: 1\n", "paragraph: 6\n")
    (articles[-1]).unlink()
    step(corpus, store, tmp_path)
    new_meta = (store.parent / os.readlink(store)).with_name(os.readlink(store) + ".meta")
    assert fingerprint_of(meta) == {k.split("/", 1)[1]: v for k, v in before[1].items() if k.startswith(meta.name)}
    assert not (new_meta / record.LEGACY).exists() and (new_meta / record.NAME).exists()
    copy_article(articles[1], corpus / "articles" / "zz-after.yaml", "zz-after")
    step(corpus, store, tmp_path)


def fingerprint_of(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())
            if p.is_file() and p.name != "readers"}


def test_a_registry_change_finds_the_lookups_in_the_packed_uses(corpus: Path, tmp_path: Path) -> None:
    """A registry change (lookups found again through the packed uses) after article changes."""
    store = tmp_path / "data" / "store"
    ingest(corpus, store=store, **quiet)
    actors = corpus / "registry" / "actors.yaml"
    set_field(actors, "label: Russia\n", "label: Russian Federation\n")
    step(corpus, store, tmp_path)
    db = ox.Store.read_only(os.path.realpath(store))
    assert len(db) > 0


def test_subject_digests_find_an_article_that_stays(tmp_path: Path) -> None:
    """One row per different digest, with an article that stays: also when the first article
    with a digest (the one SQLite's MIN gives) is going."""
    manifest = record.Manifest.create(tmp_path, shards=1)
    for path, digest in (("articles/a.yaml", "d1"), ("articles/b.yaml", "d1"), ("articles/c.yaml", "d2")):
        manifest.put_article(path, "x", path, f"http://g/{path}", 1, b"", {"http://s": digest}, {})
    found = manifest.subject_digests({"http://s", "http://other"}, {"articles/a.yaml"})
    assert found.kept == {"http://s": {"d1": "articles/b.yaml", "d2": "articles/c.yaml"}}
    assert found.dropped == {"http://s": {"articles/a.yaml": "d1"}}
    found = manifest.subject_digests({"http://s"}, {"articles/a.yaml", "articles/b.yaml"})
    assert found.kept == {"http://s": {"d2": "articles/c.yaml"}}
    manifest.close()


def test_a_change_reads_the_rules_as_the_version_before_kept_them(corpus: Path, tmp_path: Path,
                                                                  monkeypatch) -> None:
    """The rules and the tallies' reads, checked once with rdflib when the version was made,
    are kept with the registry's context: a change does not parse them again."""
    from claimgraph.ingest import derive
    store = tmp_path / "data" / "store"
    ingest(corpus, store=store, **quiet)
    expected = derive.parsed_rules()
    monkeypatch.setattr(derive, "_preloaded", {})
    derive.rules.cache_clear()
    derive.tally_reads.cache_clear()

    def parse(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise AssertionError("a rule parsed again")

    monkeypatch.setattr(derive, "read_rule", parse)
    monkeypatch.setattr("rdflib.plugins.sparql.prepareQuery", parse)
    set_field(sorted((corpus / "articles").glob("*.yaml"))[0], "paragraph: 1\n", "paragraph: 5\n")
    assert ingest(corpus, store=store, **quiet).mode == "incremental"
    assert derive.parsed_rules() == expected
    monkeypatch.undo()
    derive.rules.cache_clear()
    derive.tally_reads.cache_clear()

