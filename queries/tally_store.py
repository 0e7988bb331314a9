"""How a version keeps its tallies (:mod:`claimgraph.queries.tally`) on disk: written by
ingestion (:class:`TallyWriter`), read by the questions (:class:`Tallies`).

A full build writes one SQLite file, :data:`FILE`, in the version's record folder. A version made
by a change from another shares that file with it (a hard link: neither ever writes it again),
and keeps in a second file, :data:`CHANGES`, the rows the changes since have written: each with
its whole new counts, and a row whose ``articles`` fell to 0 kept (with 0) to hide the base's.
So a one-article change copies the small file of changes, not the tallies (1.9 GB at a million
claims: ``docs/decisions/0037-tallies-base-and-changes.md``). Readers see the two as one: a
temporary view per table, named as the table, that takes a key's row from the changes when they
have one and from the base otherwise. Once the changes outgrow the setting
``tally_changes_max_bytes``, the next change folds them into its own copy of the base, and its
version starts again with no changes.

The file of changes holds the same tables as the base, so a table's rows are read in its key's
order from both (an ordered page merges two ordered reads):

>>> import tempfile
>>> folder = Path(tempfile.mkdtemp())
>>> writer = TallyWriter.create(folder)
>>> writer.put({"core_sides": [("core-1", 2, 0), ("core-2", 1, 1)]})
>>> writer.close()
>>> writer = TallyWriter.open(folder, fold_bytes=2**20)
>>> writer.take({"core_sides": [("core-2", 1, 1)]})
>>> writer.put({"core_sides": [("core-3", 0, 4)]})
>>> writer.close()
>>> sorted(p.name for p in folder.iterdir())
['tallies-changes.sqlite', 'tallies.sqlite']
>>> with Tallies(folder / FILE) as tallies:
...     tallies.db.execute("SELECT core, affirms, denies FROM core_sides ORDER BY core").fetchall()
[('core-1', 2, 0), ('core-3', 0, 4)]
"""

from __future__ import annotations

import functools
import heapq
import itertools
import logging
import sqlite3
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from claimgraph.queries.layouts import natural
from claimgraph.queries.store.versions import own_file
from claimgraph.queries.tally import PROPOSITION_PREFIX, SCHEMA, TABLES, ArticleRows, Delta

logger = logging.getLogger(__name__)

#: The tallies as a full build wrote them (or as a change last folded them).
FILE = "tallies.sqlite"
#: The rows changed since :data:`FILE` was written, beside it.
CHANGES = "tallies-changes.sqlite"
#: A full build's batches, before they are added up (:meth:`TallyWriter.create`); gone once it
#: closes.
STAGE = "tallies-stage.sqlite"
_INT64 = 2**63 - 1  # the largest offset SQLite takes (a larger one finds nothing all the same)
#: A claim text's rank for ``:text`` (0 the whole text, 1 its start, 2 a word's start, 3
#: anywhere), from one ``instr``: ``claim_texts`` stores each text after a space, and ``:word`` is
#: the text after a space, so a text holds ``:word`` at 1 when it begins with the text, further on
#: when a word of it does.
_RANKED = "CASE instr(key, :word) WHEN 0 THEN 3 WHEN 1 THEN key != :word ELSE 2 END"


def _uri(path: Path, mode: str = "ro&immutable=1") -> str:
    return f"{Path(path).absolute().as_uri()}?mode={mode}"


def open_immutable(path: Path, **options: Any) -> sqlite3.Connection:
    """A SQLite file of a linked version, read-only and without locks (it never changes once its
    version is linked), by an absolute file URI (a store may be named relatively)."""
    return sqlite3.connect(_uri(path), uri=True, **options)


def _match(keys: Sequence[str], left: str, right: str) -> str:
    return " AND ".join(f"{left}.{k} = {right}.{k}" for k in keys)


def _where(*conditions: str) -> str:
    """A WHERE clause of the conditions given (empty ones left out), or nothing."""
    given = [c for c in conditions if c]
    return f"WHERE {' AND '.join(given)}" if given else ""


def connect(path: Path, **options: Any) -> sqlite3.Connection:
    """The tallies at ``path`` (a version's :data:`FILE`) as one, read-only: with the version's
    :data:`CHANGES` beside it, each table is a temporary view of the same name over the two."""
    db = open_immutable(path, **options)
    changes = Path(path).with_name(CHANGES)
    if changes.is_file():
        db.execute("ATTACH DATABASE ? AS changes", (_uri(changes),))
        held = {name for (name,) in db.execute("SELECT name FROM changes.sqlite_master WHERE type = 'table'")}
        for table, (keys, _) in TABLES.items():
            if table in held:
                db.execute(f"CREATE TEMP VIEW {table} AS SELECT * FROM changes.{table} WHERE articles > 0 "
                           f"UNION ALL SELECT * FROM main.{table} AS b WHERE NOT EXISTS "
                           f"(SELECT 1 FROM changes.{table} AS c WHERE {_match(keys, 'c', 'b')})")
    return db


class TallyWriter:
    """The tallies of a version being made: created empty for a full build (:meth:`create`), or
    those of the version it is made from, changed (:meth:`open`); articles' contributions are
    added (:meth:`put`) and taken out (:meth:`take`), and written in batches."""

    #: Keys held in memory before they are written (a full build's memory stays bounded).
    BATCH = 200_000
    #: SQLite's page cache while writing, in KiB (its default is 2 MiB; the file is over 1 GB at
    #: 1M claims, and each batch touches pages all over it).
    CACHE_KIB = 65_536

    def __init__(self, db: sqlite3.Connection, *, layered: bool = False, stage: Path | None = None) -> None:
        self.db, self.delta, self.layered, self.stage = db, Delta(), layered, stage
        self.db.execute(f"PRAGMA cache_size = -{self.CACHE_KIB}")
        self.db.execute("BEGIN")

    @classmethod
    def create(cls, meta: Path) -> TallyWriter:
        """Empty tallies for a full build. Its batches are appended as they come to tables without
        keys in a scratch file beside it (:data:`STAGE`), and added up in key order once, when it
        closes: putting each batch into the keyed tables as it came (a B-tree insert a row, ever
        further apart as they grow) was a fifth of a full build's CPU at 100k claims."""
        path, stage = meta / FILE, meta / STAGE
        for old in (path, meta / CHANGES, stage):
            old.unlink(missing_ok=True)
        # Not bound to this thread: the ingest closes it beside the store's compaction.
        db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        db.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;" + SCHEMA)
        db.execute("ATTACH DATABASE ? AS stage", (str(stage),))
        db.executescript("PRAGMA stage.journal_mode=OFF; PRAGMA stage.synchronous=OFF;" + "".join(
            f"CREATE TABLE stage.{table} ({', '.join(keys + counts)});\n" for table, (keys, counts) in TABLES.items()))
        return cls(db, stage=stage)

    @classmethod
    def open(cls, meta: Path, *, fold_bytes: int) -> TallyWriter | None:
        """The tallies of a new version's record folder, linked from the version it is made from,
        to be changed: the changes are written to its own copy of :data:`CHANGES` (made if there
        is none), the base left as it is; or, once they are over ``fold_bytes``, folded into its
        own copy of the base, which is then written in place. None when the version it is made
        from had none (a store made before tallies: ``ingest --force`` makes them)."""
        path, changes = meta / FILE, meta / CHANGES
        if not path.is_file():
            return None
        if changes.is_file() and changes.stat().st_size > fold_bytes:
            return cls(_fold(path, changes))
        if changes.is_file():
            own_file(changes)  # linked from the version it is made from, which must not change
            db = sqlite3.connect(changes, isolation_level=None)
        else:
            db = sqlite3.connect(changes, isolation_level=None)
            db.executescript("PRAGMA journal_mode=OFF;" + SCHEMA)
        db.execute("PRAGMA synchronous=OFF")
        db.execute("ATTACH DATABASE ? AS base", (_uri(path),))
        return cls(db, layered=True)

    def put(self, rows: ArticleRows) -> None:
        """Add one article's contribution (its rows: :func:`article_rows`)."""
        self.delta.add(rows)
        if len(self.delta) >= self.BATCH:
            self.flush()

    def take(self, rows: ArticleRows) -> None:
        """Take out the contribution of an article as the version held it (a changed or deleted
        article's rows, read from the version before it changes)."""
        self.delta.add(rows, -1)

    def flush(self) -> None:
        """Write the batch, each table's keys in the order of its primary key: the rows a batch
        touches are then near one another in the file, each page read and written once (in the
        order they come, every key is a page read far from the last: a full build at 1M claims
        spent minutes on it)."""
        for table, found in self.delta.tables.items():
            if not found:
                continue
            keys, counts = TABLES[table]
            if self.stage is not None:  # added up when it closes (:meth:`_add_up`)
                self.db.executemany(f"INSERT INTO stage.{table} VALUES ({', '.join('?' * (len(keys) + len(counts)))})",
                                    ((*k, *v) for k, v in found.items()))
                continue
            ordered = sorted(found.items())
            where = " AND ".join(f"{c} = ?" for c in keys)
            if self.layered:  # each key's counts start from the base's, where it has them
                self.db.executemany(f"INSERT OR IGNORE INTO main.{table} SELECT * FROM base.{table} WHERE {where}",
                                    (k for k, _ in ordered))
            sets = ", ".join(f"{c} = {c} + excluded.{c}" for c in counts)
            self.db.executemany(f"INSERT INTO main.{table} VALUES ({', '.join('?' * (len(keys) + len(counts)))}) "
                                f"ON CONFLICT DO UPDATE SET {sets}", ((*k, *v) for k, v in ordered))
            gone = (k for k, v in ordered if v[-1] < 0)
            if self.layered:  # a row gone from the base stays, with 0 articles, to hide it
                self.db.executemany(f"DELETE FROM main.{table} WHERE {where} AND articles <= 0 AND NOT EXISTS "
                                    f"(SELECT 1 FROM base.{table} WHERE {where})", ((*k, *k) for k in gone))
            else:
                self.db.executemany(f"DELETE FROM main.{table} WHERE {where} AND articles <= 0", gone)
        self.delta = Delta()

    def close(self, *, save: bool = True) -> None:
        if save:
            self.flush()
            if self.stage is not None:
                self._add_up()
        self.db.execute("COMMIT" if save else "ROLLBACK")
        if self.stage is not None:
            self.db.execute("DETACH DATABASE stage")
        self.db.close()
        if self.stage is not None:
            self.stage.unlink(missing_ok=True)

    def _add_up(self) -> None:
        """A full build's staged batches, added up per key into the tables, in the keys' order
        (each page of the tables written once); a key whose articles add up to none left out."""
        for table, (keys, counts) in TABLES.items():
            key_list = ", ".join(keys)
            self.db.execute(f"INSERT INTO main.{table} SELECT {key_list}, {', '.join(f'SUM({c})' for c in counts)} "
                            f"FROM stage.{table} GROUP BY {key_list} HAVING SUM(articles) > 0 ORDER BY {key_list}")


class Tallies:
    """A version's tallies, read-only."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.db = connect(path, check_same_thread=False)
        #: Did :func:`connect` attach changes beside the base? (Read through the views, a total or
        #: an ordered page would then look every base row it passes up in the changes:
        #: :meth:`_total` and :meth:`_page` read the two files apart instead.)
        self.layered = any(name == "changes" for _, name, _ in self.db.execute("PRAGMA database_list"))
        self._helds: dict[str, list[Any]] = {}

    def _total(self, expression: str, table: str, where: str = "", args: Sequence[Any] = ()) -> Any:
        """``expression``, a count or sum over the rows of ``table`` (as ``c``) that pass
        ``where``: with changes, the base's, less the base's rows the changes hold, plus the
        changes' live rows (the second read by the changes' keys, a lookup each)."""
        if not self.layered:
            return self.db.execute(f"SELECT {expression} FROM {table} AS c {_where(where)}", args).fetchone()[0]
        keys = ", ".join(TABLES[table][0])
        return self.db.execute(
            f"SELECT (SELECT {expression} FROM main.{table} AS c {_where(where)}) "
            f"- (SELECT {expression} FROM main.{table} AS c "
            f"{_where(where, f'({keys}) IN (SELECT {keys} FROM changes.{table})')}) "
            f"+ (SELECT {expression} FROM changes.{table} AS c {_where(where, 'c.articles > 0')})",
            [*args, *args, *args]).fetchone()[0]

    def _held(self, table: str, column: str) -> list[Any]:
        """The values of ``column`` the changes of ``table`` hold, also kept in a temporary table
        ``held_<table>`` for this connection (a subquery on the changes themselves, evaluated
        with the base's rows, doubled the time of reading them)."""
        found = self._helds.get(table)
        if found is None:
            found = self._helds[table] = [v for (v,) in self.db.execute(
                f"SELECT DISTINCT {column} FROM changes.{table}")]
            self.db.execute(f"CREATE TEMP TABLE held_{table} (value TEXT PRIMARY KEY) WITHOUT ROWID")
            self.db.executemany(f"INSERT INTO temp.held_{table} VALUES (?)", ((v,) for v in found))
        return found

    def _read(self, table: str, column: str, sql: str, args: Sequence[Any], *, among: set[Any] | None = None
              ) -> list[tuple[Any, ...]]:
        """The rows of ``sql`` (its ``{}``: first the table to read, then a condition, whose
        parameters follow ``args``) read from ``table``, split by ``column``, the first of its
        key: with changes, the base's own table for the values the changes hold none of (its rows
        are then all live, read as fast as without changes), and the view for the others, named
        (through the view, ``IN (SELECT ...)`` of them took eight times as long). Grouped by
        ``column`` or not at all, the rows of the reads are the rows of one. ``among``: the values
        of ``column`` that ``sql`` can find at most, if known (only those of them are read through
        the view)."""
        if not self.layered:
            return self.db.execute(sql.format(table, "1"), args).fetchall()
        held = [v for v in self._held(table, column) if among is None or v in among]
        rows = self.db.execute(sql.format(f"main.{table}", f"{column} NOT IN (SELECT value FROM temp.held_{table})"),
                               args).fetchall()
        for start in range(0, len(held), 500):
            chunk = held[start:start + 500]
            rows += self.db.execute(sql.format(table, f"{column} IN ({','.join('?' * len(chunk))})"), [*args, *chunk])
        return rows

    def _page(self, columns: Sequence[str], table: str, where: str, args: Sequence[Any], order: Sequence[str],
              limit: int | None, offset: int) -> list[tuple[Any, ...]]:
        """The rows of ``table`` (as ``c``) that pass ``where``, in ``order`` (result columns,
        ``DESC`` allowed), a page of them: ``columns`` of each. With changes, one compound
        SELECT over the two files, which SQLite merges from two ordered index reads."""
        bounds = [-1 if limit is None else limit, min(offset, _INT64)]
        if not self.layered:
            return self.db.execute(f"SELECT {', '.join(columns)} FROM {table} AS c {_where(where)} "
                                   f"ORDER BY {', '.join(order)} LIMIT ? OFFSET ?", [*args, *bounds]).fetchall()
        keys = TABLES[table][0]
        extra = [o.split()[0] for o in order if o.split()[0] not in columns]
        shown = ", ".join(f"c.{c}" for c in [*columns, *extra])
        hidden = f"NOT EXISTS (SELECT 1 FROM changes.{table} AS x WHERE {_match(keys, 'x', 'c')})"
        rows = self.db.execute(
            f"SELECT {shown} FROM changes.{table} AS c {_where(where, 'c.articles > 0')} UNION ALL "
            f"SELECT {shown} FROM main.{table} AS c {_where(where, hidden)} "
            f"ORDER BY {', '.join(order)} LIMIT ? OFFSET ?", [*args, *args, *bounds]).fetchall()
        return [row[:len(columns)] for row in rows] if extra else rows

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Tallies:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def event_counts(self, events: Sequence[str]) -> dict[str, tuple[int, int, int, str | None, str | None]]:
        """Per event IRI of ``events``: claims, articles, outlets, the earliest and latest time
        they were said (each read by the tables' keys: the page's events, not every one)."""
        found: dict[str, tuple[int, int, int, str | None, str | None]] = {}
        for start in range(0, len(events), 500):
            chunk = list(events[start:start + 500])
            marks = ",".join("?" * len(chunk))
            among = set(chunk)
            outlets = dict(self._read("event_outlets", "event", f"SELECT event, COUNT(*) FROM {{}} WHERE event IN "
                                      f"({marks}) AND {{}} GROUP BY event", chunk, among=among))
            said = {e: (first, last) for e, first, last in self._read(
                "event_said", "event", f"SELECT event, MIN(said_min), MAX(said_max) FROM {{}} WHERE event IN ({marks}) "
                "AND {} GROUP BY event", chunk, among=among)}
            found.update((event, (claims, articles, outlets.get(event, 0), *said.get(event, (None, None))))
                         for event, claims, articles in self._read(
                             "event_counts", "event", f"SELECT event, claims, articles FROM {{}} WHERE event IN ({marks}) "
                             "AND {}", chunk, among=among))
        return found

    def edges(self, *, kind: str | None, limit: int | None, offset: int
              ) -> tuple[int, list[tuple[str, str, str, int, int]]]:
        """How many edges there are (of ``kind``, or all), and the page of them, the most claims
        first, then by kind, source and target."""
        where, args = ("c.kind = ?", [kind]) if kind else ("", [])
        total = self._total("COUNT(*)", "edges", where, args)
        order = ("kind", "claims DESC", "source", "target") if kind else ("claims DESC", "kind", "source", "target")
        page = self._page(("kind", "source", "target", "claims", "articles"), "edges", where, args, order, limit, offset)
        return total, page

    def edge_sets(self, edges: Sequence[tuple[str, str, str]]) -> dict[tuple[str, str, str], tuple[set[str], ...]]:
        """For each edge, the outlets (slugs), deeds and events (IRIs) of its claims."""
        found: dict[tuple[str, str, str], tuple[set[str], ...]] = {}
        for edge in edges:
            found[tuple(edge)] = tuple(  # type: ignore[index]
                {value for (value,) in self.db.execute(
                    f"SELECT {column} FROM {table} WHERE kind = ? AND source = ? AND target = ?", edge)}
                for table, column in (("edge_outlets", "outlet"), ("edge_deeds", "deed"), ("edge_events", "event")))
        return found

    def has(self, table: str) -> bool:
        """Does the file hold this table? (A store made before it was kept has not.)"""
        return self.db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)).fetchone() \
            is not None

    def claim_groups(self, kind: str, anchor: str) -> Iterator[tuple[str, str, str, str, int]]:
        """The claims about an event (``kind`` "event"), by an actor they speak for ("speaker") or
        in an outlet ("outlet"), ``anchor`` its slug, counted per article and when they were said
        (an outlet's: when published, latest ""): (when earliest, when latest, the article's
        earliest date, its slug, claims), in that order, which is the answers' order; read as they
        are taken (a first page reads the first groups only)."""
        return iter(self.db.execute(
            "SELECT when_earliest, when_latest, published, article, claims FROM claim_groups "
            "WHERE kind = ? AND anchor = ? ORDER BY when_earliest, when_latest, published, article", (kind, anchor)))

    def event_overlaps(self, events: Sequence[str]) -> list[tuple[str, ...]]:
        """The claims that concern more than one event, once per event of ``events`` (slugs) they
        concern: (event, claim, when earliest, when latest, the article's earliest date, its slug,
        speaker, outlet, stance, voice)."""
        found: list[tuple[str, ...]] = []
        for start in range(0, len(events), 500):
            part = list(events[start:start + 500])
            found.extend(self.db.execute(
                "SELECT event, claim, when_earliest, when_latest, published, article, speaker, outlet, stance, voice "
                f"FROM event_overlaps WHERE event IN ({', '.join('?' * len(part))})", part))
        return found

    def claim_counts(self, kind: str, anchor: str) -> list[tuple[str, str, str, str, int]]:
        """The same claims counted per (speaker, outlet, stance, voice), slugs for the actors."""
        return self.db.execute("SELECT speaker, outlet, stance, voice, claims FROM claim_counts "
                               "WHERE kind = ? AND anchor = ?", (kind, anchor)).fetchall()

    def outlet_voices(self, outlet: str) -> list[tuple[str, str, int]]:
        """Whom an outlet (its slug) gives voice to: (actor's slug, role, claims)."""
        return self.db.execute("SELECT speaker, role, claims FROM outlet_voices WHERE outlet = ?", (outlet,)).fetchall()

    def charges(self, *, accused: str | None, accuser: str | None, limit: int | None, offset: int
                ) -> tuple[int, list[tuple[str, str, str]]]:
        """How many charges some act affirms (against ``accused`` or one of its parts, by
        ``accuser`` or one of its parts: slugs), and the page of them in the accusations
        question's order: (the charged actor's slug, the charge's label, the charge's IRI)."""
        if accuser is None:
            table, where, args = "charges", "c.within = ? AND c.affirms > 0", [accused or ""]
        else:
            table, where, args = "charge_accusers", "c.accuser = ?", [accuser]
            if accused is not None:
                where += (" AND EXISTS (SELECT 1 FROM charges AS w WHERE w.within = ? AND w.accused = c.accused"
                          " AND w.label = c.label AND w.charge = c.charge)")
                args.append(accused)
        total = self._total("COUNT(*)", table, where, args)
        page = self._page(("accused", "label", "charge"), table, where, args, ("accused", "label", "charge"),
                          limit, offset)
        return total, [(accused_, label, PROPOSITION_PREFIX + charge) for accused_, label, charge in page]

    def propositions(self, events: Sequence[str] | None
                     ) -> tuple[list[tuple[Any, ...]], list[tuple[str, str, str]]]:
        """The propositions about one of ``events`` (slugs; None: every proposition), as the
        article rows of ``propositions`` summed (proposition, type, label, core, about, charged,
        deeds, events, claims, denials, questions, said alone; a proposition worded with two
        labels has a row for each), and who and what carries them: (proposition, kind, value).
        Propositions without :data:`PROPOSITION_PREFIX`."""
        among: set[str] | None = None
        if events is None:
            where, args = "{}", []
        else:
            about = f"SELECT proposition FROM proposition_events WHERE event IN ({', '.join('?' * len(events))})"
            where, args = f"proposition IN ({about}) AND {{}}", list(events)
            if self.layered:
                among = {p for (p,) in self.db.execute(about, args)}
        rows = self._read("propositions", "proposition", "SELECT proposition, class, label, core, about, charged, deeds, "
                          f"events, claims, denials, questions, said_alone FROM {{}} WHERE {where}", args, among=among)
        sets = self._read("proposition_sets", "proposition", f"SELECT proposition, kind, value FROM {{}} WHERE {where}",
                          args, among=among)
        return rows, sets

    def opposite_pairs(self) -> int:
        """Pairs of claims, one affirming a core and one denying it: over every core, the
        affirming claims times the denying ones."""
        return self._total("COALESCE(SUM(c.affirms * c.denies), 0)", "core_sides")

    def status_groups(self) -> list[tuple[str, str, str, int]]:
        """Claims affirming a status, counted per subject, value and object ("" for none)."""
        return self.db.execute("SELECT subject, value, object, claims FROM status_claims").fetchall()

    def articles(self, *, outlet: str | None, since: str | None, until: str | None, events: Sequence[str] | None,
                 limit: int | None, offset: int) -> tuple[int, list[tuple[str, int]]]:
        """How many articles pass the filters (of this outlet; whose publication bounds overlap
        since-until; with a claim about one of ``events``), and the page of them (article IRI,
        claims), by publication bounds then slug."""
        where, args = [], []
        if outlet is not None:
            where.append("c.outlet = ?")
            args.append(outlet)
        if since is not None:
            where.append("c.latest >= ?")
            args.append(since)
        if until is not None:
            where.append("c.earliest <= ?")
            args.append(until)
        if events is not None:
            where.append(f"c.article IN (SELECT article FROM event_articles WHERE event IN ({', '.join('?' * len(events))}))")
            args.extend(events)
        clause = " AND ".join(where)
        total = self._total("COUNT(*)", "article_index", clause, args)
        page = self._page(("article", "claims"), "article_index", clause, args, ("earliest", "latest", "slug"),
                          limit, offset)
        return total, page

    def events(self, *, since: str | None, until: str | None) -> list[tuple[str, str, str, str]]:
        """The events the timeline lists, those whose bounds overlap since-until when given:
        (event IRI, slug, earliest bound, latest; "" for none), in no order (a few thousand at a
        million claims: the caller orders them)."""
        where, args = "1", []
        if since is not None:
            where += " AND latest != '' AND latest >= ?"
            args.append(since)
        if until is not None:
            where += " AND earliest != '' AND earliest <= ?"
            args.append(until)
        return self._read("event_index", "event", f"SELECT event, slug, earliest, latest FROM {{}} WHERE {where} "
                          "AND {}", args)

    def names(self, text: str, entity_type: str | None) -> list[tuple[str, str, str, str, str, str]]:
        """The rows of ``names`` whose folded name holds ``text`` (of ``entity_type``, or of any):
        (entity, folded name, label, slug, kind, type). Every row is looked at, as a name may hold
        the text anywhere: some 30,000 at a million claims, a few milliseconds in SQLite."""
        where, args = "instr(key, ?) > 0", [text]
        if entity_type is not None:
            where += " AND entity_type = ?"
            args.append(entity_type)
        return self._read("names", "entity", "SELECT entity, key, label, slug, kind, entity_type FROM {} "
                          f"WHERE {where} AND {{}}", args)

    #: Claims a first read of the matches takes at most: with no more, they are ranked and paged
    #: here, in the one read; with more, their counts per rank are read, then the page of each rank.
    TEXT_MATCHES = 1_000

    def claim_texts(self, text: str, *, limit: int | None, offset: int) -> tuple[int, list[tuple[str, ...]]]:
        """The claims one of whose folded texts holds ``text`` (``claim_texts``): how many, and a
        page of them in the search question's order: best match first (0 the whole text, 1 its
        start, 2 a word's start, 3 anywhere), then by case-folded paraphrase, article's slug and
        claim. Each is (the article's slug, the claim's id, its best rank and folded text as
        "rank text", its paraphrase). Every row is looked at, as a text may hold the text
        anywhere: the table is read in the order of the paraphrases, so that a page of a rank
        stops once it has its claims. One read of the table takes about 250 ms at a million claims.

        A first read takes up to :data:`TEXT_MATCHES` claims: with no more, they are ranked and
        paged here. With more, a second counts them per rank, and a third reads the page of each
        rank the page spans, which stops early (those claims are common)."""
        args = {"text": text, "word": f" {text}"}  # the table's texts begin with a space
        found = self._text_rows(args, self.TEXT_MATCHES + 1)
        end = None if limit is None else offset + limit
        if len(found) <= self.TEXT_MATCHES:  # in the table's order already: ranked, the order kept within each
            return len(found), [row[1:] for row in sorted(found, key=lambda row: row[3][0])[offset:end]]
        counts = [0, 0, 0, 0]
        for source in self._text_sources():
            sums = self.db.execute(f"SELECT sum(r = 0), sum(r = 1), sum(r = 2), sum(r = 3) "
                                   f"FROM (SELECT MIN({_RANKED}) AS r {source})", args).fetchone()
            for rank, held in enumerate(sums):
                counts[rank] += held or 0
        page: list[tuple[str, ...]] = []
        start = offset  # the page's first claim, counted from the current rank's
        for rank, held in enumerate(counts):
            if start >= held:
                start -= held
                continue
            wanted = held - start if limit is None else min(limit - len(page), held - start)
            if wanted <= 0:
                break
            page += [row[1:] for row in self._text_rows({**args, "rank": rank}, start + wanted, rank=True)[start:]]
            start = 0
        return sum(counts), page

    def _text_rows(self, args: dict[str, Any], limit: int, *, rank: bool = False) -> list[tuple[str, ...]]:
        """The first ``limit`` claims whose folded texts hold ``:text``, one row each with its best
        match: (sort, slug, claim, best, label), of the rank ``:rank`` only if ``rank``; in the
        table's order: each file's read in its order and merged (as one compound SELECT, SQLite
        sorted each side anew)."""
        having = f"HAVING MIN({_RANKED}) = :rank" if rank else ""
        reads = [self.db.execute(f"SELECT sort, slug, claim, MIN(({_RANKED}) || key) AS best, label {source} {having} "
                                 f"ORDER BY sort, slug, claim LIMIT {limit}", args)
                 for source in self._text_sources()]
        merged = reads[0] if len(reads) == 1 else heapq.merge(*reads, key=lambda row: row[:3])
        return list(itertools.islice(merged, limit))

    def _text_sources(self) -> list[str]:
        """The rows of ``claim_texts`` that hold ``:text``, grouped per claim: the FROM, WHERE and
        GROUP BY clauses of one statement per file. With changes, an article's rows are all in
        them (a change takes out and puts in all of its rows) or none: the base's rows of the
        articles they hold none of, and theirs."""
        sources = [("claim_texts", "")]
        if self.layered:
            self._held("claim_texts", "slug")
            sources = [("main.claim_texts", "slug NOT IN (SELECT value FROM temp.held_claim_texts)"),
                       ("changes.claim_texts", "articles > 0")]
        return [f"FROM {table} {_where('instr(key, :text) > 0', condition)} GROUP BY sort, slug, claim"
                for table, condition in sources]

    def article_groups(self) -> list[list[str]]:
        """The articles in the natural order of their claims' IRIs, in groups: the articles of a
        group are those whose ranges of claims (first to last) overlap, so that their claims may
        interleave and are ordered together; the groups follow one another. Made once per
        version's files and process (they never change once their version is linked)."""
        stamps = tuple((s.st_ino, s.st_mtime_ns) for s in (p.stat() for p in (self.path, self.path.with_name(CHANGES))
                                                           if p.is_file()))
        return _article_groups(str(self.path), stamps)


@functools.lru_cache(maxsize=4)  # a few versions: the one answering and those just before it
def _article_groups(path: str, stamps: tuple[tuple[int, int], ...]) -> list[list[str]]:
    """:meth:`Tallies.article_groups` of the tallies at ``path`` (``stamps``: the inode and
    modification time of its files, so that a store made again at the same path is read again)."""
    db = connect(Path(path))
    try:
        articles = sorted(((natural(first), natural(last), article) for article, first, last
                           in db.execute("SELECT article, first, last FROM articles")))
    finally:
        db.close()
    groups: list[list[str]] = []
    end: tuple | None = None
    for first, last, article in articles:
        if end is not None and first <= end:
            groups[-1].append(article)
            end = max(end, last)
        else:
            groups.append([article])
            end = last
    return groups


def tallies_of(backend: Any) -> Tallies | None:
    """The tallies of the version the backend answers from, if it keeps them."""
    path = backend.side_file(FILE)
    return None if path is None else Tallies(path)


def _fold(path: Path, changes: Path) -> sqlite3.Connection:
    """The base at ``path`` made this version's own (a copy) with the changes written into it, and
    the version's link to the changes removed: the base, open for writing in place."""
    own_file(path)
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA synchronous=OFF")
    db.execute(f"PRAGMA cache_size = -{TallyWriter.CACHE_KIB}")
    db.execute("ATTACH DATABASE ? AS changes", (_uri(changes),))
    db.execute("BEGIN")
    for table, (keys, _) in TABLES.items():
        db.execute(f"INSERT OR REPLACE INTO main.{table} SELECT * FROM changes.{table} WHERE articles > 0 ORDER BY "
                   + ", ".join(keys))
        columns = ", ".join(keys)
        db.execute(f"DELETE FROM main.{table} WHERE ({columns}) IN "
                   f"(SELECT {columns} FROM changes.{table} WHERE articles <= 0)")
    db.execute("COMMIT")
    db.execute("DETACH DATABASE changes")
    changes.unlink()
    logger.info("folded the tallies' changes into the version's own copy of %s", path.name)
    return db


__all__ = ["CHANGES", "FILE", "Tallies", "TallyWriter", "connect", "open_immutable", "tallies_of"]
