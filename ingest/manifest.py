"""What an ingest records about the store version it makes, so that the next one can rewrite only
what changed: the digest (and status) of every corpus file, and for each article its graph, what
it added to the shared graph, and every registry lookup it made with what that found.

The record sits in the version's ``.meta`` folder (``queries/store/versions.py``) and always
describes exactly the version beside it. It is made of SQLite files
(``docs/decisions/0030-record-in-shards.md``):

* ``record.sqlite``: what every change rewrites and is small (a few MB at a million claims):
  ``info``, ``files`` (path, digest, and the size, times and inode it had when it was read:
  :mod:`claimgraph.ingest.scan` trusts a digest whose file still has them), ``calls`` (each
  distinct registry lookup, what it found, how many articles make it);
* ``record-00.sqlite`` ... ``record-3f.sqlite``: the articles, spread by a hash of their file's
  path: per article its slug, graph, claims, shared triples (compressed) and the ids of its lookups
  packed in one blob, and the 63-bit hashes of the subjects of its shared triples (to find the
  other articles that may add the same triples).

A new version's record starts as hard links to its base's files (:class:`VersionBuild`); a file
is copied only when it is first written (:meth:`Manifest._own`), so a one-article change copies
the small file and one shard, not the whole record. Linked files are never written.

A record in the format before this one (``ingest.sqlite``, schema 2, every table in one file) is
read as it is (:class:`LegacyManifest`) and converted when the next version is written from it.

>>> import tempfile
>>> manifest = Manifest.create(Path(tempfile.mkdtemp()))
>>> manifest.set_info(builders="b1", corpus="c1")
>>> manifest.info("builders"), manifest.files()
('b1', {})
"""

from __future__ import annotations

import hashlib
import logging
import sqlite3
import sys
import time
import zlib
from array import array
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from claimgraph.queries.store.versions import own_file

logger = logging.getLogger(__name__)

NAME = "record.sqlite"
LEGACY = "ingest.sqlite"
SCHEMA = "3"
LEGACY_SCHEMA = "2"
#: How many files the articles are spread over: at a million claims (20,000 articles) about 6 MB
#: each, what a one-article change copies.
SHARDS = 64

#: A file's status as recorded beside its digest: its size, modification and change times (ns) and
#: inode, written ``"size mtime ctime inode"`` (:meth:`claimgraph.ingest.scan.Listing.status`).
Status = str

_MAIN = """
CREATE TABLE info (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE files (path TEXT PRIMARY KEY, digest TEXT NOT NULL, status TEXT);
CREATE TABLE calls (id INTEGER PRIMARY KEY, call TEXT UNIQUE NOT NULL, outcome TEXT NOT NULL,
                    users INTEGER NOT NULL);
"""
_SHARD = """
CREATE TABLE articles (id INTEGER PRIMARY KEY, path TEXT UNIQUE NOT NULL, slug TEXT NOT NULL,
                       graph TEXT NOT NULL, claims INTEGER NOT NULL, shared BLOB NOT NULL, uses BLOB NOT NULL);
CREATE TABLE subjects (article INTEGER NOT NULL, subject INTEGER NOT NULL, digest TEXT NOT NULL);
"""
_SHARD_INDEXES = """
CREATE INDEX IF NOT EXISTS subjects_digest ON subjects (subject, digest, article);
CREATE INDEX IF NOT EXISTS subjects_article ON subjects (article);
DROP INDEX IF EXISTS subjects_subject;
"""


def subject_key(subject: str) -> int:
    return int.from_bytes(hashlib.blake2b(subject.encode(), digest_size=8).digest(), "big") >> 1


def shard_name(index: int) -> str:
    return f"record-{index:02x}.sqlite"


def shard_of(path: str, shards: int) -> int:
    """The shard an article file's record is in."""
    return int.from_bytes(hashlib.blake2b(path.encode(), digest_size=4).digest(), "big") % shards


def pack(call_ids: Iterable[int]) -> bytes:
    ids = array("I", call_ids)
    if sys.byteorder != "little":  # pragma: no cover - kept little-endian on every machine
        ids.byteswap()
    return ids.tobytes()


def unpack(data: bytes) -> array:
    ids = array("I")
    ids.frombytes(data)
    if sys.byteorder != "little":  # pragma: no cover
        ids.byteswap()
    return ids


def _connect(path: Path, *, read_only: bool) -> sqlite3.Connection:
    if read_only:
        db = sqlite3.connect(f"file:{quote(str(path))}?mode=ro", isolation_level=None, uri=True)
        db.execute("PRAGMA cache_size=-256")  # 64 shards are open at once: 256 KiB of pages each
        return db
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=OFF")
    db.execute("PRAGMA synchronous=OFF")
    return db


def _chunks(items: list, size: int = 500) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _schema(db: sqlite3.Connection) -> str | None:
    try:
        row = db.execute("SELECT value FROM info WHERE key = 'schema'").fetchone()
    except sqlite3.DatabaseError:
        return None
    return row[0] if row else None


@dataclass
class SubjectDigests:
    """What articles add about some shared subjects, summed up: for each subject, each different
    digest that the articles staying (all but ``dropping``) add about it, with one of those
    articles; and what each dropping article adds about it."""

    kept: dict[str, dict[str, str]] = field(default_factory=dict)  # subject -> digest -> an article file
    dropped: dict[str, dict[str, str]] = field(default_factory=dict)  # subject -> article file -> digest


def _subject_digests(dbs: Callable[[], Iterable[sqlite3.Connection]], db_of: Callable[[str], sqlite3.Connection],
                     subjects: Iterable[str], dropping: Iterable[str]) -> SubjectDigests:
    """:class:`SubjectDigests` from the ``subjects`` and ``articles`` tables of ``dbs`` (every
    shard), grouped by SQLite: a subject that every article adds (20,000 at a million claims)
    costs one row per different digest, not one per article."""
    wanted = {subject_key(s): s for s in subjects}
    result = SubjectDigests()
    if not wanted:
        return result
    going: dict[sqlite3.Connection, set[int]] = {}  # shard -> ids of its articles dropping
    for path in sorted(set(dropping)):
        db = db_of(path)
        for article, key, digest in db.execute(
                "SELECT a.id, s.subject, s.digest FROM subjects s JOIN articles a ON a.id = s.article WHERE a.path = ?",
                (path,)):
            going.setdefault(db, set()).add(article)
            if key in wanted:
                result.dropped.setdefault(wanted[key], {})[path] = digest
    gone = Counter((s, d) for s, by_path in result.dropped.items() for d in by_path.values())
    totals: Counter[tuple[str, str]] = Counter()
    samples: dict[tuple[str, str], tuple[sqlite3.Connection, int]] = {}
    keys = sorted(wanted)
    for db in dbs():
        leaving = going.get(db, set())
        for chunk in _chunks(keys):
            # The subjects' index and table only: the articles' rows (their shared triples) are not read.
            for key, digest, count, article in db.execute(
                    f"SELECT subject, digest, COUNT(*), MIN(article) FROM subjects "
                    f"WHERE subject IN ({','.join('?' * len(chunk))}) GROUP BY subject, digest", chunk):
                totals[wanted[key], digest] += count
                if article not in leaving:
                    samples.setdefault((wanted[key], digest), (db, article))
    for (subject, digest), count in totals.items():
        if count <= gone[subject, digest]:
            continue
        sample = samples.get((subject, digest))
        if sample is not None:
            path = sample[0].execute("SELECT path FROM articles WHERE id = ?", (sample[1],)).fetchone()[0]
        else:  # every shard's first article with this digest is going: find one that stays
            path = next(r[0] for db in dbs() for r in db.execute(
                "SELECT a.path FROM subjects s JOIN articles a ON a.id = s.article WHERE s.subject = ? AND s.digest = ?",
                (subject_key(subject), digest)) if r[0] not in result.dropped.get(subject, {}))
        result.kept.setdefault(subject, {})[digest] = path
    return result
    for path in sorted(set(dropping)):
        for key, digest in db_of(path).execute(
                "SELECT s.subject, s.digest FROM subjects s JOIN articles a ON a.id = s.article WHERE a.path = ?",
                (path,)):
            if key in wanted:
                result.dropped.setdefault(wanted[key], {})[path] = digest
    gone = Counter((s, d) for s, by_path in result.dropped.items() for d in by_path.values())
    totals: Counter[tuple[str, str]] = Counter()
    keys = sorted(wanted)
    for db in dbs():
        for chunk in _chunks(keys):
            for key, digest, count, path in db.execute(
                    f"SELECT s.subject, s.digest, COUNT(*), MIN(a.path) FROM subjects s JOIN articles a ON a.id = s.article "
                    f"WHERE s.subject IN ({','.join('?' * len(chunk))}) GROUP BY s.subject, s.digest", chunk):
                subject = wanted[key]
                totals[subject, digest] += count
                if path not in result.dropped.get(subject, {}):
                    result.kept.setdefault(subject, {}).setdefault(digest, path)
    for (subject, digest), count in totals.items():
        if count > gone[subject, digest] and digest not in result.kept.get(subject, {}):
            # Every shard's first article with this digest is going: find one that stays.
            going = result.dropped.get(subject, {})
            for db in dbs():
                row = next((r for r in db.execute(
                    "SELECT a.path FROM subjects s JOIN articles a ON a.id = s.article WHERE s.subject = ? AND s.digest = ?",
                    (subject_key(subject), digest)) if r[0] not in going), None)
                if row is not None:
                    result.kept.setdefault(subject, {})[digest] = row[0]
                    break
    return result


class Manifest:
    """The record of one store version, open for reading, or for writing in a version being made."""

    def __init__(self, meta: Path, db: sqlite3.Connection, shards: int, *, writable: bool) -> None:
        self.meta, self.db, self.shards, self.writable = meta, db, shards, writable
        self._read: dict[int, sqlite3.Connection] = {}  # shard -> connection (read-only, or owned)
        self._owned: set[int] = set()  # shards copied into this version (or made here), written
        self._call_ids: dict[str, int] = {}
        self._users: Counter[int] = Counter()  # lookup id -> change in how many articles make it

    # -- opening ------------------------------------------------------------------------------

    @classmethod
    def create(cls, meta: Path, shards: int = SHARDS) -> Manifest:
        """An empty record in ``meta`` (of a version being made)."""
        for path in [meta / NAME, *(meta / shard_name(i) for i in range(shards))]:
            path.unlink(missing_ok=True)
        db = _connect(meta / NAME, read_only=False)
        db.executescript(_MAIN)
        db.execute("BEGIN")
        manifest = cls(meta, db, shards, writable=True)
        manifest.set_info(schema=SCHEMA, shards=str(shards))
        for index in range(shards):
            shard = _connect(meta / shard_name(index), read_only=False)
            shard.executescript(_SHARD)
            shard.execute("BEGIN")
            manifest._read[index] = shard
            manifest._owned.add(index)
        return manifest

    @classmethod
    def open(cls, meta: Path, *, read_only: bool = False) -> Manifest | LegacyManifest | None:
        """The record in ``meta``, or None when there is none that this code reads. ``read_only``
        for a linked version's record, which is never written; otherwise (a version being made
        from a copy of its base's record) a record in the previous format is converted first."""
        path = meta / NAME
        if not path.is_file():
            legacy = LegacyManifest.open(meta)
            if legacy is None or read_only:
                return legacy
            return convert(legacy, meta)
        if not read_only:
            own_file(path)
        try:
            db = _connect(path, read_only=read_only)
        except sqlite3.DatabaseError:
            return None
        schema = _schema(db)
        shards = db.execute("SELECT value FROM info WHERE key = 'shards'").fetchone() if schema == SCHEMA else None
        if shards is None or not all((meta / shard_name(i)).is_file() for i in range(int(shards[0]))):
            db.close()
            return None
        db.execute("BEGIN")
        return cls(meta, db, int(shards[0]), writable=not read_only)

    def close(self, *, save: bool = True) -> None:
        if save and self.writable:
            self._apply_users()
            self.db.execute("COMMIT")
            for index in sorted(self._owned):
                shard = self._read[index]
                shard.execute("COMMIT")
                shard.executescript(_SHARD_INDEXES)
        else:
            for db in (self.db, *self._read.values()):
                if db.in_transaction:
                    db.execute("ROLLBACK")
        for db in (self.db, *self._read.values()):
            db.close()
        self._read.clear()

    def _shard(self, index: int, *, write: bool = False) -> sqlite3.Connection:
        """The connection to one shard: read-only while it is shared with other versions, copied
        into this version and opened for writing when first written."""
        if write and not self.writable:
            raise RuntimeError(f"the record in {self.meta} is read-only")
        if write and index not in self._owned:
            old = self._read.pop(index, None)
            if old is not None:
                old.close()
            path = self.meta / shard_name(index)
            own_file(path)
            db = _connect(path, read_only=False)
            db.execute("BEGIN")
            self._read[index] = db
            self._owned.add(index)
            return db
        db = self._read.get(index)
        if db is None:
            db = self._read[index] = _connect(self.meta / shard_name(index), read_only=True)
        return db

    def _all_shards(self) -> Iterator[sqlite3.Connection]:
        for index in range(self.shards):
            yield self._shard(index)

    # -- reading ------------------------------------------------------------------------------

    def info(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM info WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def files(self) -> dict[str, str]:
        """Corpus file (relative path) -> content digest."""
        return dict(self.db.execute("SELECT path, digest FROM files"))

    def statuses(self) -> dict[str, Status]:
        """Corpus file -> the status its file had when its recorded digest was read, for the files
        whose digest may be trusted while their status is unchanged."""
        return dict(self.db.execute("SELECT path, status FROM files WHERE status IS NOT NULL"))

    def count(self) -> int:
        """How many articles the record has."""
        return sum(db.execute("SELECT COUNT(*) FROM articles").fetchone()[0] for db in self._all_shards())

    def articles(self) -> dict[str, tuple[str, str]]:
        """Article file -> (slug, graph IRI)."""
        return {path: (slug, graph) for db in self._all_shards()
                for path, slug, graph in db.execute("SELECT path, slug, graph FROM articles")}

    def shared(self, path: str) -> bytes:
        """The shared-graph N-Quads the article at ``path`` added."""
        row = self._shard(shard_of(path, self.shards)).execute(
            "SELECT shared FROM articles WHERE path = ?", (path,)).fetchone()
        return zlib.decompress(row[0]) if row else b""

    def claims(self) -> int:
        return sum(db.execute("SELECT COALESCE(SUM(claims), 0) FROM articles").fetchone()[0]
                   for db in self._all_shards())

    def calls(self) -> list[tuple[int, str, str]]:
        """Every distinct registry lookup any article made: (id, call, what it found)."""
        return list(self.db.execute("SELECT id, call, outcome FROM calls"))

    def users(self, call_ids: Iterable[int]) -> set[str]:
        """The article files that made any of these lookups (every article's packed lookups are
        read: only when the registry changed, or an article referred to went)."""
        wanted = set(call_ids)
        if not wanted:
            return set()
        return {path for db in self._all_shards() for path, uses in db.execute("SELECT path, uses FROM articles")
                if not wanted.isdisjoint(unpack(uses))}

    def contributions(self, subjects: Iterable[str]) -> dict[str, dict[str, str]]:
        """For each of these subjects, the article files whose shared triples are about it, with
        the digest of what each adds about it."""
        return _contributions(self._all_shards, subjects)

    def contributors(self, subjects: Iterable[str]) -> set[str]:
        """The article files whose shared triples have any of these subjects."""
        return {path for by_path in self.contributions(subjects).values() for path in by_path}

    def subject_digests(self, subjects: Iterable[str], dropping: Iterable[str]) -> SubjectDigests:
        """What the articles staying and those ``dropping`` add about these subjects (:class:`SubjectDigests`)."""
        return _subject_digests(self._all_shards, lambda path: self._shard(shard_of(path, self.shards)),
                                subjects, dropping)

    # -- writing ------------------------------------------------------------------------------

    def set_info(self, **values: str) -> None:
        self.db.executemany("INSERT OR REPLACE INTO info (key, value) VALUES (?, ?)", values.items())

    def set_file(self, path: str, digest: str, status: Status | None = None) -> None:
        self.db.execute("INSERT OR REPLACE INTO files (path, digest, status) VALUES (?, ?, ?)", (path, digest, status))

    def set_statuses(self, statuses: dict[str, Status | None]) -> None:
        """The status each of these files had when its recorded digest was read (None: not to be
        trusted, read it again next time)."""
        self.db.executemany("UPDATE files SET status = ? WHERE path = ?", ((s, p) for p, s in statuses.items()))

    def drop_file(self, path: str) -> None:
        self.db.execute("DELETE FROM files WHERE path = ?", (path,))
        index = shard_of(path, self.shards)
        row = self._shard(index).execute("SELECT id, uses FROM articles WHERE path = ?", (path,)).fetchone()
        if row:
            shard = self._shard(index, write=True)
            shard.execute("DELETE FROM subjects WHERE article = ?", (row[0],))
            shard.execute("DELETE FROM articles WHERE id = ?", (row[0],))
            self._users.subtract(unpack(row[1]))

    def put_article(self, path: str, digest: str, slug: str, graph: str, claims: int, shared: bytes,
                    subjects: dict[str, str], uses: dict[str, str]) -> None:
        """Record one article (replacing what was recorded for its file)."""
        self.drop_file(path)
        self.set_file(path, digest)
        call_ids = [self._call_id(call, found) for call, found in uses.items()]
        self._users.update(call_ids)
        shard = self._shard(shard_of(path, self.shards), write=True)
        article = shard.execute("INSERT INTO articles (path, slug, graph, claims, shared, uses) VALUES (?, ?, ?, ?, ?, ?)",
                                (path, slug, graph, claims, zlib.compress(shared, 1), pack(call_ids))).lastrowid
        shard.executemany("INSERT INTO subjects (article, subject, digest) VALUES (?, ?, ?)",
                          ((article, subject_key(s), d) for s, d in subjects.items()))

    def _call_id(self, call: str, found: str) -> int:
        known = self._call_ids.get(call)
        if known is None:
            row = self.db.execute("SELECT id FROM calls WHERE call = ?", (call,)).fetchone()
            if row is None:
                row = (self.db.execute("INSERT INTO calls (call, outcome, users) VALUES (?, ?, 0)",
                                       (call, found)).lastrowid,)
            known = self._call_ids[call] = row[0]
        return known

    def set_outcomes(self, outcomes: dict[int, str]) -> None:
        """What each lookup finds in the registry now."""
        self.db.executemany("UPDATE calls SET outcome = ? WHERE id = ?", ((o, i) for i, o in outcomes.items()))

    def _apply_users(self) -> None:
        changes = [(n, i) for i, n in self._users.items() if n]
        self.db.executemany("UPDATE calls SET users = users + ? WHERE id = ?", changes)
        self._users.clear()

    def drop_unused_calls(self) -> None:
        self._apply_users()
        gone = [row[0] for row in self.db.execute("SELECT call FROM calls WHERE users <= 0")]
        if gone:
            self.db.execute("DELETE FROM calls WHERE users <= 0")
            for call in gone:
                self._call_ids.pop(call, None)


def _contributions(dbs: Callable[[], Iterable[sqlite3.Connection]], subjects: Iterable[str]
                   ) -> dict[str, dict[str, str]]:
    """Subject -> {article file: digest of what it adds about the subject}, from every database
    ``dbs`` gives (a record's shards, or a record in the previous format)."""
    wanted = {subject_key(s): s for s in subjects}
    keys = sorted(wanted)
    found: dict[str, dict[str, str]] = {}
    if not keys:
        return found
    for db in dbs():
        for chunk in _chunks(keys):
            for key, path, digest in db.execute(
                    f"SELECT s.subject, a.path, s.digest FROM subjects s JOIN articles a ON a.id = s.article "
                    f"WHERE s.subject IN ({','.join('?' * len(chunk))})", chunk):
                found.setdefault(wanted[key], {})[path] = digest
    return found


class LegacyManifest:
    """A record in the previous format (``ingest.sqlite``, schema 2: every table in one file,
    each lookup an article made one row of ``uses``), read as it is."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    @classmethod
    def open(cls, meta: Path) -> LegacyManifest | None:
        path = meta / LEGACY
        if not path.is_file():
            return None
        try:
            db = _connect(path, read_only=True)
        except sqlite3.DatabaseError:
            return None
        if _schema(db) != LEGACY_SCHEMA:
            db.close()
            return None
        db.execute("BEGIN")
        return cls(db)

    def close(self, *, save: bool = False) -> None:
        self.db.execute("ROLLBACK")
        self.db.close()

    def info(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM info WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def files(self) -> dict[str, str]:
        return dict(self.db.execute("SELECT path, digest FROM files"))

    def statuses(self) -> dict[str, Status]:
        return {}  # not recorded then: every file is read once more

    def count(self) -> int:
        return self.db.execute("SELECT COUNT(*) FROM articles").fetchone()[0]

    def articles(self) -> dict[str, tuple[str, str]]:
        return {path: (slug, graph) for path, slug, graph in self.db.execute("SELECT path, slug, graph FROM articles")}

    def shared(self, path: str) -> bytes:
        row = self.db.execute("SELECT shared FROM articles WHERE path = ?", (path,)).fetchone()
        return zlib.decompress(row[0]) if row else b""

    def claims(self) -> int:
        return self.db.execute("SELECT COALESCE(SUM(claims), 0) FROM articles").fetchone()[0]

    def calls(self) -> list[tuple[int, str, str]]:
        return list(self.db.execute("SELECT id, call, outcome FROM calls"))

    def users(self, call_ids: Iterable[int]) -> set[str]:
        found: set[str] = set()
        for chunk in _chunks(list(call_ids)):
            found |= {row[0] for row in self.db.execute(
                f"SELECT DISTINCT a.path FROM uses u JOIN articles a ON a.id = u.article "
                f"WHERE u.call IN ({','.join('?' * len(chunk))})", chunk)}
        return found

    def contributions(self, subjects: Iterable[str]) -> dict[str, dict[str, str]]:
        return _contributions(lambda: [self.db], subjects)

    def contributors(self, subjects: Iterable[str]) -> set[str]:
        return {path for by_path in self.contributions(subjects).values() for path in by_path}

    def subject_digests(self, subjects: Iterable[str], dropping: Iterable[str]) -> SubjectDigests:
        return _subject_digests(lambda: [self.db], lambda path: self.db, subjects, dropping)


def convert(legacy: LegacyManifest, meta: Path) -> Manifest:
    """A record in this format in ``meta`` with what ``legacy`` (in the same folder, a copy or link
    of the base version's) holds; the legacy file is removed from ``meta``. Once per store: at a
    million claims about half a minute."""
    started = time.perf_counter()
    old = legacy.db
    manifest = Manifest.create(meta)
    try:
        manifest.set_info(**{k: v for k, v in old.execute("SELECT key, value FROM info") if k != "schema"})
        manifest.db.executemany("INSERT INTO files (path, digest) VALUES (?, ?)", old.execute("SELECT path, digest FROM files"))
        uses: dict[int, array] = {}
        for article, call in old.execute("SELECT article, call FROM uses"):
            found = uses.get(article)
            if found is None:
                found = uses[article] = array("I")
            found.append(call)
        counts: Counter[int] = Counter()
        for ids in uses.values():
            counts.update(ids)
        manifest.db.executemany("INSERT INTO calls (id, call, outcome, users) VALUES (?, ?, ?, ?)",
                                ((i, c, o, counts[i]) for i, c, o in old.execute("SELECT id, call, outcome FROM calls")))
        subjects: dict[int, list[tuple[int, str]]] = {}
        for article, subject, digest in old.execute("SELECT article, subject, digest FROM subjects"):
            subjects.setdefault(article, []).append((subject, digest))
        for article, path, slug, graph, claims, shared in old.execute(
                "SELECT id, path, slug, graph, claims, shared FROM articles"):
            shard = manifest._shard(shard_of(path, manifest.shards), write=True)
            new_id = shard.execute("INSERT INTO articles (path, slug, graph, claims, shared, uses) VALUES (?, ?, ?, ?, ?, ?)",
                                   (path, slug, graph, claims, shared,
                                    pack(uses.get(article, ())))).lastrowid
            shard.executemany("INSERT INTO subjects (article, subject, digest) VALUES (?, ?, ?)",
                              ((new_id, s, d) for s, d in subjects.get(article, ())))
    except BaseException:
        manifest.close(save=False)
        raise
    finally:
        legacy.close()
    (meta / LEGACY).unlink()
    logger.info("converted the store's record to the sharded format in %.1f s", time.perf_counter() - started)
    return manifest
