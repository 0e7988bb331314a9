"""The store's tallies: per-article counts that whole-corpus questions add up instead of joining
every claim at each request (``docs/decisions/0031-tallies.md``).

``timeline`` counts, for every event, the claims about it, their articles and outlets and when
they were said; ``network`` counts, for every edge (who is given voice by which outlet, who
accuses whom), its claims and articles. Both are sums over articles: a claim belongs to one
article. So ingestion runs the queries of ``tallies/`` on each article alone (in the worker that
builds it, beside the rules of ``ontology/rules/``: :func:`article_rows`), and keeps their rows,
per article, in an SQLite file beside the version (:data:`FILE` in the version's record folder,
as immutable as the version once linked). A one-article change deletes that article's rows and
adds its new ones; the edges' totals (:data:`SCHEMA`, table ``edges``) are kept up to date the
same way, so that a page of the network is one indexed read.

A question whose header names ``tallied`` reads its counts here on a store that has them
(:mod:`claimgraph.queries.tallied`); on any other (a server, a store made before tallies) it
answers from its own query alone. Both give the same answer: ``tests/queries/test_tallies.py``.

>>> sorted(QUERIES)
['edge_claims', 'event_claims']
>>> slug_of_actor("https://w3id.org/claimgraph/id/actor/russia")
'russia'
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import yaml

from claimgraph.ontology import iris

logger = logging.getLogger(__name__)

FILE = "tallies.sqlite"
FOLDER = Path(__file__).parent / "tallies"
_ACTOR = f"{iris.ID}actor/"

SCHEMA = """
CREATE TABLE event_claims (article TEXT NOT NULL, event TEXT NOT NULL, outlet TEXT NOT NULL,
                           claims INTEGER NOT NULL, said_min TEXT, said_max TEXT);
CREATE INDEX event_claims_article ON event_claims (article);
CREATE TABLE edge_claims (article TEXT NOT NULL, kind TEXT NOT NULL, source TEXT NOT NULL, target TEXT NOT NULL,
                          claims INTEGER NOT NULL, outlets TEXT NOT NULL, deeds TEXT NOT NULL, events TEXT NOT NULL);
CREATE INDEX edge_claims_article ON edge_claims (article);
CREATE INDEX edge_claims_edge ON edge_claims (kind, source, target);
CREATE TABLE edges (kind TEXT NOT NULL, source TEXT NOT NULL, target TEXT NOT NULL,
                    claims INTEGER NOT NULL, articles INTEGER NOT NULL, PRIMARY KEY (kind, source, target)) WITHOUT ROWID;
CREATE INDEX edges_order ON edges (claims DESC, kind, source, target);
CREATE INDEX edges_kind_order ON edges (kind, claims DESC, source, target);
"""


def _read_queries() -> dict[str, str]:
    found = {}
    for path in sorted(FOLDER.glob("*.rq")):
        text = path.read_text(encoding="utf-8")
        header = yaml.safe_load("\n".join(line[3:] for line in text.splitlines() if line.startswith("#+ "))) or {}
        found[header["table"]] = "\n".join(line for line in text.splitlines()
                                           if line.strip() and not line.lstrip().startswith("#"))
    return found


#: The per-article query of each table, by table name.
QUERIES = _read_queries()


def slug_of_actor(iri: str) -> str:
    """An actor's slug, from its IRI (the registry makes one from the other: ``iris.entity``)."""
    if not iri.startswith(_ACTOR):
        raise ValueError(f"{iri} is not an actor's IRI")
    return iri[len(_ACTOR):]


ArticleRows = dict[str, list[tuple[Any, ...]]]


def article_rows(store: ox.Store) -> ArticleRows:
    """The tallies' rows of the one article ``store`` holds (with its derived facts), by table,
    as the tables keep them (without the article's slug)."""
    rows: ArticleRows = {}
    for row in store.query(QUERIES["event_claims"], use_default_graph_as_union=True):  # type: ignore[union-attr]
        event, outlet, claims, said_min, said_max = row
        rows.setdefault("event_claims", []).append(
            (event.value, slug_of_actor(outlet.value), int(claims.value),
             None if said_min is None else said_min.value, None if said_max is None else said_max.value))
    for row in store.query(QUERIES["edge_claims"], use_default_graph_as_union=True):  # type: ignore[union-attr]
        kind, source, target, claims, outlets, deeds, events = row
        rows.setdefault("edge_claims", []).append(
            (kind.value, slug_of_actor(source.value), slug_of_actor(target.value), int(claims.value),
             " ".join(sorted(slug_of_actor(o) for o in outlets.value.split())),
             " ".join(sorted(deeds.value.split())), " ".join(sorted(events.value.split()))))
    return rows


class TallyWriter:
    """The tallies of a version being made: created empty for a full build (the edges' totals
    made at :meth:`finish`), or the copy of the version it is made from, changed per article."""

    def __init__(self, db: sqlite3.Connection, *, full: bool) -> None:
        self.db, self.full = db, full
        self.db.execute("BEGIN")

    @classmethod
    def create(cls, meta: Path) -> TallyWriter:
        path = meta / FILE
        path.unlink(missing_ok=True)
        db = sqlite3.connect(path, isolation_level=None)
        db.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;" + SCHEMA)
        return cls(db, full=True)

    @classmethod
    def open(cls, meta: Path) -> TallyWriter | None:
        """The tallies copied into a new version's record folder; None when the version it was
        made from had none (a store made before tallies: ``ingest --force`` makes them)."""
        path = meta / FILE
        if not path.is_file():
            return None
        db = sqlite3.connect(path, isolation_level=None)
        db.execute("PRAGMA synchronous=OFF")
        return cls(db, full=False)

    def put(self, article: str, rows: ArticleRows) -> None:
        """Add one article's rows (after :meth:`drop` of its old ones, for an article that changed)."""
        self.db.executemany("INSERT INTO event_claims VALUES (?, ?, ?, ?, ?, ?)",
                            ((article, *row) for row in rows.get("event_claims", ())))
        edges = rows.get("edge_claims", ())
        self.db.executemany("INSERT INTO edge_claims VALUES (?, ?, ?, ?, ?, ?, ?, ?)", ((article, *row) for row in edges))
        if not self.full:
            self.db.executemany("INSERT INTO edges VALUES (?, ?, ?, ?, 1) ON CONFLICT DO UPDATE SET "
                                "claims = claims + excluded.claims, articles = articles + 1",
                                (row[:4] for row in edges))

    def drop(self, article: str) -> None:
        """Take one article's rows out, and what they added to the edges' totals."""
        old = self.db.execute("SELECT kind, source, target, claims FROM edge_claims WHERE article = ?",
                              (article,)).fetchall()
        self.db.executemany("UPDATE edges SET claims = claims - ?, articles = articles - 1 "
                            "WHERE kind = ? AND source = ? AND target = ?", ((n, k, s, t) for k, s, t, n in old))
        self.db.executemany("DELETE FROM edges WHERE kind = ? AND source = ? AND target = ? AND articles <= 0",
                            ((k, s, t) for k, s, t, _ in old))
        self.db.execute("DELETE FROM edge_claims WHERE article = ?", (article,))
        self.db.execute("DELETE FROM event_claims WHERE article = ?", (article,))

    def finish(self) -> None:
        """Make the edges' totals of a full build from every article's rows."""
        if self.full:
            self.db.execute("INSERT INTO edges SELECT kind, source, target, SUM(claims), COUNT(*) "
                            "FROM edge_claims GROUP BY kind, source, target")

    def close(self, *, save: bool = True) -> None:
        self.db.execute("COMMIT" if save else "ROLLBACK")
        if save and self.full:
            self.db.execute("ANALYZE")
        self.db.close()


class Tallies:
    """A version's tallies, read-only."""

    def __init__(self, path: Path) -> None:
        self.path = path
        # immutable: the file never changes once its version is linked, so SQLite takes no locks.
        self.db = sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True, check_same_thread=False)

    def close(self) -> None:
        self.db.close()

    def event_counts(self) -> dict[str, tuple[int, int, int, str | None, str | None]]:
        """Per event IRI: claims, articles, outlets, the earliest and latest time they were said."""
        return {event: (claims, articles, outlets, first, last) for event, claims, articles, outlets, first, last
                in self.db.execute("SELECT event, SUM(claims), COUNT(DISTINCT article), COUNT(DISTINCT outlet), "
                                   "MIN(said_min), MAX(said_max) FROM event_claims GROUP BY event")}

    def edges(self, *, kind: str | None, limit: int | None, offset: int
              ) -> tuple[int, list[tuple[str, str, str, int, int]]]:
        """How many edges there are (of ``kind``, or all), and the page of them, the most claims
        first, then by kind, source and target."""
        where, args = ("WHERE kind = ?", [kind]) if kind else ("", [])
        total = self.db.execute(f"SELECT COUNT(*) FROM edges {where}", args).fetchone()[0]
        order = "kind, claims DESC, source, target" if kind else "claims DESC, kind, source, target"
        page = self.db.execute(f"SELECT kind, source, target, claims, articles FROM edges {where} ORDER BY {order} "
                               "LIMIT ? OFFSET ?", [*args, -1 if limit is None else limit, offset]).fetchall()
        return total, page

    def edge_sets(self, edges: Sequence[tuple[str, str, str]]) -> dict[tuple[str, str, str], tuple[set[str], ...]]:
        """For each edge, the outlets, deeds and events (IRIs for the last two) of its claims."""
        found: dict[tuple[str, str, str], tuple[set[str], ...]] = {}
        for edge in edges:
            sets: tuple[set[str], ...] = (set(), set(), set())
            for row in self.db.execute("SELECT outlets, deeds, events FROM edge_claims "
                                       "WHERE kind = ? AND source = ? AND target = ?", edge):
                for values, text in zip(sets, row):
                    values.update(text.split())
            found[tuple(edge)] = sets  # type: ignore[index]
        return found


def tallies_of(backend: Any) -> Tallies | None:
    """The tallies of the version the backend answers from, if it keeps them."""
    path = backend.side_file(FILE)
    return None if path is None else Tallies(path)


__all__ = ["FILE", "QUERIES", "SCHEMA", "Tallies", "TallyWriter", "article_rows", "slug_of_actor", "tallies_of"]
