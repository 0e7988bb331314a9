"""The embedded store: Oxigraph through pyoxigraph, on disk, read-only (the default backend).

Named questions call :meth:`EmbeddedBackend.select` with the question's text and its parameters
as RDF terms; they are handed to Oxigraph as substitutions, so a value can never change the
query's structure. The store is opened read-only: ingestion replaces it whole, as a new version
folder behind the store's link (:mod:`claimgraph.queries.store.versions`), and this backend's
:meth:`~EmbeddedBackend.version` is the name of that folder. The link is resolved once, when the
backend opens, and the version folder it named is what the backend opens: what it reads and the
version it reports are the same even if ingestion swaps the link meanwhile (a new backend reads
the new version). Why Oxigraph embedded is the default:
``docs/decisions/0001-embedded-oxigraph-default.md``.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from claimgraph.ontology.errors import BackendError, QuerySyntaxError, StoreMissing, WritesNotSupported
from claimgraph.queries.store import formats, versions
from claimgraph.queries.store.base import Backend, GraphName, QueryDataset, QueryForm, RawAnswer, Term


def open_read_only(path: Path) -> tuple[ox.Store, Path, str | None]:
    """The store at ``path`` opened read-only, the folder opened and its version: when ``path``
    is a store link, the version folder it points at (resolved once) and that folder's name; a
    plain folder has no version. StoreMissing (exit 2) when there is no store."""
    path = Path(path)
    folder = Path(os.path.realpath(path))
    if not folder.is_dir():
        raise StoreMissing(f"no store at {path}: run `claimgraph ingest` (or `make serve`) first")
    try:
        store = ox.Store.read_only(str(folder))
    except OSError as exc:
        raise StoreMissing(f"cannot open the store at {path}: {exc}") from exc
    return store, folder, folder.name if path.is_symlink() else None


class EmbeddedBackend(Backend):
    """The embedded Oxigraph store on disk, opened read-only (ingestion replaces it whole)."""

    def __init__(self, path: Path) -> None:
        self.path: Path | None = Path(path)
        self.store, self.folder, self._version = open_read_only(self.path)

    @classmethod
    def from_store(cls, store: ox.Store) -> EmbeddedBackend:
        """A backend over a pyoxigraph store already open (in memory, for instance); it has no
        version, and cannot be opened again in another process."""
        backend = cls.__new__(cls)
        backend.path, backend.folder, backend._version, backend.store = None, None, None, store
        return backend

    def __repr__(self) -> str:
        return f"EmbeddedBackend({str(self.path) if self.path else 'in memory'!r})"

    # -- reading --------------------------------------------------------------------------------

    def _run(self, query: str, bindings: Mapping[str, Term] | None) -> Any:
        try:
            return self.store.query(query, use_default_graph_as_union=True,
                                    substitutions={ox.Variable(k): v for k, v in (bindings or {}).items()})
        except SyntaxError as exc:
            raise QuerySyntaxError(str(exc)) from exc
        except OSError as exc:
            raise BackendError(f"the store failed: {exc}") from exc

    def select(self, query: str, bindings: Mapping[str, Term] | None = None
               ) -> tuple[list[str], list[dict[str, Term]]]:
        solutions = self._run(query, bindings)
        names = [v.value for v in solutions.variables]
        rows = []
        for solution in solutions:
            rows.append({name: solution[name] for name in names if solution[name] is not None})
        return names, rows

    def ask(self, query: str, bindings: Mapping[str, Term] | None = None) -> bool:
        return bool(self._run(query, bindings))

    def construct(self, query: str, bindings: Mapping[str, Term] | None = None) -> list[ox.Triple]:
        return list(self._run(query, bindings))

    def sparql(self, query: str, *, form: QueryForm, media_type: str, dataset: QueryDataset | None = None,
               union_default_graph: bool = True, prefixes: Mapping[str, str] | None = None,
               max_rows: int, max_bytes: int | None = None, base_iri: str | None = None) -> RawAnswer:
        options: dict[str, Any] = {"base_iri": base_iri}
        if dataset is not None:
            options["default_graph"] = [ox.NamedNode(iri) for iri in dataset.default_graphs]
            options["named_graphs"] = [ox.NamedNode(iri) for iri in dataset.named_graphs]
        else:
            options["use_default_graph_as_union"] = union_default_graph
        result = self.store.query(query, **options)
        if isinstance(result, ox.QueryTriples):
            return RawAnswer(*formats.write_triples(result, media_type, prefixes or {}, max_rows, max_bytes=max_bytes))
        if isinstance(result, ox.QueryBoolean):
            return RawAnswer(*formats.write_boolean(bool(result), media_type))
        names = [v.value for v in result.variables]
        rows = (dict(zip(names, solution)) for solution in result)
        return RawAnswer(*formats.write_solutions(names, rows, media_type, max_rows, max_bytes=max_bytes))

    def graphs(self) -> list[GraphName]:
        names: list[GraphName] = sorted((g for g in self.store.named_graphs() if isinstance(g, ox.NamedNode)),
                                        key=lambda g: g.value)
        has_default = next(iter(self.store.quads_for_pattern(None, None, None, ox.DefaultGraph())), None)
        return [ox.DefaultGraph(), *names] if has_default is not None else names

    def quads(self, graph: GraphName | None = None) -> Iterator[ox.Quad]:
        return iter(self.store.quads_for_pattern(None, None, None, graph))

    def dump(self, path: Path) -> None:
        """Every quad of the store, as one N-Quads file written by pyoxigraph."""
        self.store.dump(str(path), format=ox.RdfFormat.N_QUADS)

    # -- identity -------------------------------------------------------------------------------

    def version(self) -> str | None:
        """The name of the version folder this backend opened (the corpus digest is in it), read
        when it opened the store's link; None for a plain folder that ingestion did not version
        (nothing says when it changes) and for a store held in memory."""
        return self._version

    def describe(self) -> dict[str, Any]:
        return {"backend": "embedded", "store": str(self.path) if self.path is not None else "(in memory)"}

    def opener(self) -> Callable[[], Backend]:
        """Opens the version folder this backend reads, so that another process (a worker of the
        ``/sparql`` sandbox) answers from the version :meth:`version` names."""
        if self.folder is None:
            raise BackendError("a store held in memory cannot be opened again in another process")
        return functools.partial(EmbeddedBackend, self.folder)

    # -- writing --------------------------------------------------------------------------------

    def bulk_load(self, nquads: bytes, *, version: str) -> None:
        """A new version of the store from ``nquads``, switched to atomically; this backend then
        reads it (readers holding the old version go on reading the old one)."""
        if self.path is None:
            raise WritesNotSupported("a store held in memory has no versions to write")
        versions.replace_store(self.path, nquads, version)
        self.store, self.folder, self._version = open_read_only(self.path)

    def replace_graph(self, graph: str, triples: Sequence[ox.Triple]) -> None:
        raise self._whole()

    def drop_graph(self, graph: str) -> None:
        raise self._whole()

    def _whole(self) -> WritesNotSupported:
        return WritesNotSupported(f"the embedded store at {self.path} is replaced whole, as a new version "
                                  "(`claimgraph ingest`), not graph by graph")
