"""The embedded store: Oxigraph through pyoxigraph, on disk, read-only (the default backend).

Named questions call :meth:`EmbeddedBackend.select` with the question's text and its parameters
as RDF terms; they are handed to Oxigraph as substitutions, so a value can never change the
query's structure. The store is opened read-only: ingestion replaces it whole, as a new version
folder behind the store's link (:mod:`claimgraph.queries.store.versions`), and this backend's
:meth:`~EmbeddedBackend.version` is the name of that folder. Why Oxigraph embedded is the
default: ``docs/decisions/0001-embedded-oxigraph-default.md``.

**Following new versions.** The backend follows the store's link: before each call it reads the
link (one ``readlink``) and, when ingestion has linked a new version, opens it and lets the old
one go. :meth:`EmbeddedBackend.pin` gives a backend held on one version for its whole life, so
that everything one request asks sees the same store; the API pins one per request. Each open
version is held under a reader's lease (:class:`~claimgraph.queries.store.versions.Lease`), so
ingestion never prunes a version that a reader still has open
(``docs/decisions/0015-store-lifecycle.md``).
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from claimgraph.ontology.errors import BackendError, QuerySyntaxError, StoreMissing, WritesNotSupported
from claimgraph.queries.store import formats, versions
from claimgraph.queries.store.base import Backend, GraphName, QueryDataset, QueryForm, RawAnswer, Term


def open_read_only(path: Path) -> ox.Store:
    """The store at ``path``, read-only; StoreMissing (exit 2) when there is none."""
    path = Path(path)
    if not path.is_dir():
        raise StoreMissing(f"no store at {path}: run `claimgraph ingest` (or `make serve`) first")
    try:
        return ox.Store.read_only(str(path))
    except OSError as exc:
        raise StoreMissing(f"cannot open the store at {path}: {exc}") from exc


class _Opened:
    """One version of the store, open read-only under its lease; both go when it is collected."""

    __slots__ = ("store", "name", "link_target", "lease", "memos", "__weakref__")

    def __init__(self, store: ox.Store, name: str | None, link_target: str | None,
                 lease: versions.Lease | None = None) -> None:
        self.store, self.name, self.link_target, self.lease = store, name, link_target, lease
        self.memos: dict[str, dict[Any, Any]] = {}  # Backend.memo: gone with the version

    @classmethod
    def at(cls, path: Path, name: str | None = None) -> _Opened:
        """The version ``name`` of the store at ``path``, or the one its link points at; a plain
        folder (not a versioned store) as it is."""
        if versions.target(path) is None:
            return cls(open_read_only(path), None, None)  # a plain folder: nothing says when it changes
        version, lease, store = versions.open_version(path, name)
        return cls(store, version.name, version.name, lease)


class EmbeddedBackend(Backend):
    """The embedded Oxigraph store on disk, opened read-only, following the versions that
    ingestion links (or held on one version: :meth:`pin`)."""

    def __init__(self, path: Path) -> None:
        self.path: Path | None = Path(path)
        self._opened: _Opened | None = _Opened.at(self.path)
        self._pinned = False
        self._lock = threading.Lock()

    #: The record folder of a version being made (:meth:`of_build`); None: the version's own.
    _meta: Path | None = None

    @classmethod
    def of_build(cls, path: Path, meta: Path) -> EmbeddedBackend:
        """A version being made, before it is linked: its store folder at ``path`` (written and
        flushed), read-only, and its record folder ``meta`` for its side files."""
        backend = cls.__new__(cls)
        backend.path, backend._opened, backend._pinned = None, _Opened(open_read_only(path), None, None), True
        backend._lock, backend._meta = threading.Lock(), Path(meta)
        return backend

    @classmethod
    def from_store(cls, store: ox.Store) -> EmbeddedBackend:
        """A backend over a pyoxigraph store already open (in memory, for instance); it has no
        version, and cannot be opened again in another process."""
        backend = cls.__new__(cls)
        backend.path, backend._opened, backend._pinned = None, _Opened(store, None, None), True
        backend._lock = threading.Lock()
        return backend

    def __repr__(self) -> str:
        return f"EmbeddedBackend({str(self.path) if self.path else 'in memory'!r})"

    # -- versions -------------------------------------------------------------------------------

    def _current(self) -> _Opened:
        """The open version to answer from: the linked one, opened anew if the link moved."""
        opened = self._opened
        if opened is None:
            raise BackendError(f"{self!r} is closed")
        if self._pinned or self.path is None or versions.target(self.path) == opened.link_target:
            return opened
        with self._lock:
            if versions.target(self.path) != self._opened.link_target:
                self._opened = _Opened.at(self.path)  # the old one closes with its last user
            return self._opened

    @property
    def store(self) -> ox.Store:
        """The pyoxigraph store of the version answering now."""
        return self._current().store

    def pin(self, version: str | None = None) -> EmbeddedBackend:
        """This store held on one version (the linked one, or ``version``) for the life of the
        returned backend; the version is not pruned until it is let go."""
        if self.path is None:
            return self
        opened = self._current()
        if version is not None and version != opened.name:
            opened = _Opened.at(self.path, version)
        pinned = EmbeddedBackend.__new__(EmbeddedBackend)
        pinned.path, pinned._opened, pinned._pinned, pinned._lock = self.path, opened, True, self._lock
        return pinned

    def side_file(self, name: str) -> Path | None:
        if self._meta is not None:
            found = self._meta / name
            return found if found.is_file() else None
        opened = self._current()
        if self.path is None or opened.name is None:
            return None
        found = self.path.parent / (opened.name + versions.META) / name
        return found if found.is_file() else None

    def memo(self, name: str) -> dict[Any, Any] | None:
        opened = self._current()
        if opened.name is None:  # a plain folder, a store in memory, a version being made
            return None
        return opened.memos.setdefault(name, {})

    def stale(self) -> bool:
        opened = self._opened
        return self.path is not None and opened is not None and versions.target(self.path) != opened.link_target

    def refresh(self) -> None:
        """Follow the link now (a backend otherwise follows it on its next call)."""
        self._current()

    def close(self) -> None:
        """Let go of the open version now (its lease too, even if other objects still hold it:
        close a backend only when nothing else answers from it); the backend no longer answers."""
        opened, self._opened, self._pinned = self._opened, None, True
        if opened is not None and opened.lease is not None:
            opened.lease.release()

    # -- reading --------------------------------------------------------------------------------

    def _run(self, store: ox.Store, query: str, bindings: Mapping[str, Term] | None) -> Any:
        try:
            return store.query(query, use_default_graph_as_union=True,
                                    substitutions={ox.Variable(k): v for k, v in (bindings or {}).items()})
        except SyntaxError as exc:
            raise QuerySyntaxError(str(exc)) from exc
        except OSError as exc:
            raise BackendError(f"the store failed: {exc}") from exc

    def select(self, query: str, bindings: Mapping[str, Term] | None = None
               ) -> tuple[list[str], list[dict[str, Term]]]:
        opened = self._current()  # held until every row is read
        solutions = self._run(opened.store, query, bindings)
        names = [v.value for v in solutions.variables]
        # A solution iterates over its values in the order of the variables: zipping them is
        # several times faster than asking the solution for each variable by name.
        rows = [{name: value for name, value in zip(names, solution) if value is not None} for solution in solutions]
        return names, rows

    def ask(self, query: str, bindings: Mapping[str, Term] | None = None) -> bool:
        opened = self._current()
        return bool(self._run(opened.store, query, bindings))

    def construct(self, query: str, bindings: Mapping[str, Term] | None = None) -> list[ox.Triple]:
        opened = self._current()
        return list(self._run(opened.store, query, bindings))

    def sparql(self, query: str, *, form: QueryForm, media_type: str, dataset: QueryDataset | None = None,
               union_default_graph: bool = True, prefixes: Mapping[str, str] | None = None,
               max_rows: int, max_bytes: int | None = None, base_iri: str | None = None) -> RawAnswer:
        options: dict[str, Any] = {"base_iri": base_iri}
        if dataset is not None:
            options["default_graph"] = [ox.NamedNode(iri) for iri in dataset.default_graphs]
            options["named_graphs"] = [ox.NamedNode(iri) for iri in dataset.named_graphs]
        else:
            options["use_default_graph_as_union"] = union_default_graph
        opened = self._current()
        result = opened.store.query(query, **options)
        if isinstance(result, ox.QueryTriples):
            return RawAnswer(*formats.write_triples(result, media_type, prefixes or {}, max_rows, max_bytes=max_bytes))
        if isinstance(result, ox.QueryBoolean):
            return RawAnswer(*formats.write_boolean(bool(result), media_type))
        names = [v.value for v in result.variables]
        rows = (dict(zip(names, solution)) for solution in result)
        return RawAnswer(*formats.write_solutions(names, rows, media_type, max_rows, max_bytes=max_bytes))

    def graphs(self) -> list[GraphName]:
        store = self._current().store
        names: list[GraphName] = sorted((g for g in store.named_graphs() if isinstance(g, ox.NamedNode)),
                                        key=lambda g: g.value)
        has_default = next(iter(store.quads_for_pattern(None, None, None, ox.DefaultGraph())), None)
        return [ox.DefaultGraph(), *names] if has_default is not None else names

    def quads(self, graph: GraphName | None = None) -> Iterator[ox.Quad]:
        opened = self._current()
        return _holding(opened, opened.store.quads_for_pattern(None, None, None, graph))

    def dump(self, path: Path) -> None:
        """Every quad of the store, as one N-Quads file written by pyoxigraph."""
        opened = self._current()
        opened.store.dump(str(path), format=ox.RdfFormat.N_QUADS)

    # -- identity -------------------------------------------------------------------------------

    def version(self) -> str | None:
        """The name of the version folder answering (the one the store's link points at, or the
        pinned one; the corpus digest is in it); None for a plain folder that ingestion did not
        version (nothing says when it changes) and for a store held in memory."""
        return self._current().name

    def describe(self) -> dict[str, Any]:
        return {"backend": "embedded", "store": str(self.path) if self.path is not None else "(in memory)"}

    def opener(self) -> Callable[[], Backend]:
        if self.path is None:
            raise BackendError("a store held in memory cannot be opened again in another process")
        return functools.partial(EmbeddedBackend, self.path)

    # -- writing --------------------------------------------------------------------------------

    def bulk_load(self, nquads: bytes, *, version: str) -> None:
        """A new version of the store from ``nquads``, switched to atomically; this backend then
        reads it (readers holding the old version go on reading the old one)."""
        if self.path is None:
            raise WritesNotSupported("a store held in memory has no versions to write")
        with versions.VersionWriter(self.path) as writer:
            build = writer.new_version()
            build.store().bulk_load(nquads, format=ox.RdfFormat.N_QUADS)
            build.commit(version)
        self.refresh()

    def replace_graph(self, graph: str, triples: Sequence[ox.Triple]) -> None:
        raise self._whole()

    def drop_graph(self, graph: str) -> None:
        raise self._whole()

    def _whole(self) -> WritesNotSupported:
        return WritesNotSupported(f"the embedded store at {self.path} is replaced whole, as a new version "
                                  "(`claimgraph ingest`), not graph by graph")


def _holding(opened: _Opened, items: Iterator[Any]) -> Iterator[Any]:
    """``items``, keeping the version they come from open until they are all read."""
    yield from items
    del opened
