"""What an ingest records about the store version it makes, so that the next one can rewrite only
what changed: the digest of every corpus file, and for each article its graph, what it added to
the shared graph, and every registry lookup it made with what that found.

The record is an SQLite file in the version's ``.meta`` folder (``queries/store/versions.py``):
it is made with the version, copied into the next version made from it, and goes when the
version is pruned, so it always describes exactly the version beside it. Shared triples are kept
compressed per article; subjects are kept as 63-bit hashes, to find the other articles that may
add the same triples.

>>> import tempfile
>>> manifest = Manifest.create(Path(tempfile.mkdtemp()))
>>> manifest.set_info(builders="b1", corpus="c1")
>>> manifest.info("builders"), manifest.files()
('b1', {})
"""

from __future__ import annotations

import hashlib
import sqlite3
import zlib
from collections.abc import Iterable
from pathlib import Path

NAME = "ingest.sqlite"
SCHEMA = "2"

_TABLES = """
CREATE TABLE info (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE files (path TEXT PRIMARY KEY, digest TEXT NOT NULL);
CREATE TABLE articles (id INTEGER PRIMARY KEY, path TEXT UNIQUE NOT NULL, slug TEXT UNIQUE NOT NULL,
                       graph TEXT NOT NULL, claims INTEGER NOT NULL, shared BLOB NOT NULL);
CREATE TABLE calls (id INTEGER PRIMARY KEY, call TEXT UNIQUE NOT NULL, outcome TEXT NOT NULL);
CREATE TABLE uses (article INTEGER NOT NULL, call INTEGER NOT NULL);
CREATE TABLE subjects (article INTEGER NOT NULL, subject INTEGER NOT NULL, digest TEXT NOT NULL);
"""
_INDEXES = """
CREATE INDEX IF NOT EXISTS uses_call ON uses (call);
CREATE INDEX IF NOT EXISTS uses_article ON uses (article);
CREATE INDEX IF NOT EXISTS subjects_subject ON subjects (subject);
CREATE INDEX IF NOT EXISTS subjects_article ON subjects (article);
"""


def subject_key(subject: str) -> int:
    return int.from_bytes(hashlib.blake2b(subject.encode(), digest_size=8).digest(), "big") >> 1


class Manifest:
    """The record of one store version (an SQLite database)."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    @classmethod
    def create(cls, meta: Path) -> Manifest:
        path = meta / NAME
        path.unlink(missing_ok=True)
        db = sqlite3.connect(path, isolation_level=None)
        db.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;" + _TABLES)
        db.execute("BEGIN")
        manifest = cls(db)
        manifest.set_info(schema=SCHEMA)
        return manifest

    @classmethod
    def open(cls, meta: Path, *, read_only: bool = False) -> Manifest | None:
        """The record in ``meta``, or None when there is none that this code reads. ``read_only``
        for a linked version's record, which is never written."""
        path = meta / NAME
        if not path.is_file():
            return None
        db = sqlite3.connect(f"file:{path}?mode=ro" if read_only else path, isolation_level=None,
                             uri=read_only)
        try:
            if not read_only:
                db.execute("PRAGMA journal_mode=OFF")
                db.execute("PRAGMA synchronous=OFF")
            manifest = cls(db)
            if manifest.info("schema") != SCHEMA:
                db.close()
                return None
        except sqlite3.DatabaseError:
            db.close()
            return None
        db.execute("BEGIN")
        return manifest

    def close(self, *, save: bool = True) -> None:
        if save:
            self.db.execute("COMMIT")
            self.db.executescript(_INDEXES)
        else:
            self.db.execute("ROLLBACK")
        self.db.close()

    # -- reading ------------------------------------------------------------------------------

    def info(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM info WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def files(self) -> dict[str, str]:
        """Corpus file (relative path) -> content digest."""
        return dict(self.db.execute("SELECT path, digest FROM files"))

    def articles(self) -> dict[str, tuple[str, str]]:
        """Article file -> (slug, graph IRI)."""
        return {path: (slug, graph) for path, slug, graph in self.db.execute("SELECT path, slug, graph FROM articles")}

    def shared(self, path: str) -> bytes:
        """The shared-graph N-Quads the article at ``path`` added."""
        row = self.db.execute("SELECT shared FROM articles WHERE path = ?", (path,)).fetchone()
        return zlib.decompress(row[0]) if row else b""

    def claims(self) -> int:
        return self.db.execute("SELECT COALESCE(SUM(claims), 0) FROM articles").fetchone()[0]

    def calls(self) -> list[tuple[int, str, str]]:
        """Every distinct registry lookup any article made: (id, call, what it found)."""
        return list(self.db.execute("SELECT id, call, outcome FROM calls"))

    def users(self, call_ids: Iterable[int]) -> set[str]:
        """The article files that made any of these lookups."""
        found: set[str] = set()
        ids = list(call_ids)
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            found |= {row[0] for row in self.db.execute(
                f"SELECT DISTINCT a.path FROM uses u JOIN articles a ON a.id = u.article "
                f"WHERE u.call IN ({','.join('?' * len(chunk))})", chunk)}
        return found

    def contributions(self, subjects: Iterable[str]) -> dict[str, dict[str, str]]:
        """For each of these subjects, the article files whose shared triples are about it, with
        the digest of what each adds about it."""
        wanted = {subject_key(s): s for s in subjects}
        keys = sorted(wanted)
        found: dict[str, dict[str, str]] = {}
        for start in range(0, len(keys), 500):
            chunk = keys[start:start + 500]
            for key, path, digest in self.db.execute(
                    f"SELECT s.subject, a.path, s.digest FROM subjects s JOIN articles a ON a.id = s.article "
                    f"WHERE s.subject IN ({','.join('?' * len(chunk))})", chunk):
                found.setdefault(wanted[key], {})[path] = digest
        return found

    def contributors(self, subjects: Iterable[str]) -> set[str]:
        """The article files whose shared triples have any of these subjects."""
        return {path for by_path in self.contributions(subjects).values() for path in by_path}

    # -- writing ------------------------------------------------------------------------------

    def set_info(self, **values: str) -> None:
        self.db.executemany("INSERT OR REPLACE INTO info (key, value) VALUES (?, ?)", values.items())

    def set_file(self, path: str, digest: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO files (path, digest) VALUES (?, ?)", (path, digest))

    def drop_file(self, path: str) -> None:
        self.db.execute("DELETE FROM files WHERE path = ?", (path,))
        row = self.db.execute("SELECT id FROM articles WHERE path = ?", (path,)).fetchone()
        if row:
            for table in ("uses", "subjects"):
                self.db.execute(f"DELETE FROM {table} WHERE article = ?", row)
            self.db.execute("DELETE FROM articles WHERE id = ?", row)

    def put_article(self, path: str, digest: str, slug: str, graph: str, claims: int, shared: bytes,
                    subjects: dict[str, str], uses: dict[str, str]) -> None:
        """Record one article (replacing what was recorded for its file)."""
        self.drop_file(path)
        self.set_file(path, digest)
        cursor = self.db.execute("INSERT INTO articles (path, slug, graph, claims, shared) VALUES (?, ?, ?, ?, ?)",
                                 (path, slug, graph, claims, zlib.compress(shared, 1)))
        article = cursor.lastrowid
        self.db.executemany("INSERT INTO subjects (article, subject, digest) VALUES (?, ?, ?)",
                            ((article, subject_key(s), d) for s, d in subjects.items()))
        call_ids = []
        for call, found in uses.items():
            row = self.db.execute("SELECT id FROM calls WHERE call = ?", (call,)).fetchone()
            if row is None:
                row = (self.db.execute("INSERT INTO calls (call, outcome) VALUES (?, ?)", (call, found)).lastrowid,)
            call_ids.append(row[0])
        self.db.executemany("INSERT INTO uses (article, call) VALUES (?, ?)", ((article, c) for c in call_ids))

    def set_outcomes(self, outcomes: dict[int, str]) -> None:
        """What each lookup finds in the registry now."""
        self.db.executemany("UPDATE calls SET outcome = ? WHERE id = ?", ((o, i) for i, o in outcomes.items()))

    def drop_unused_calls(self) -> None:
        self.db.execute("DELETE FROM calls WHERE id NOT IN (SELECT DISTINCT call FROM uses)")
