"""One interface to the stores: the embedded Oxigraph store, and remote SPARQL servers.

Named questions call :meth:`Backend.select` with the question's text and its parameters as
RDF terms. The embedded backend hands the terms to Oxigraph as substitutions, so a value can
never change the query's structure.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from claimgraph.ontology.errors import BackendError, QuerySyntaxError, StoreMissing

Term = ox.NamedNode | ox.Literal
Row = dict[str, Any]


class Backend(ABC):
    """Where questions are answered."""

    name: str

    @abstractmethod
    def select(self, query: str, bindings: Mapping[str, Term]) -> tuple[list[str], list[dict[str, Term]]]:
        """Run a SELECT with ``bindings`` (variable name -> term); return variables and rows of terms."""

    @abstractmethod
    def ask(self, query: str, bindings: Mapping[str, Term]) -> bool:
        """Run an ASK with bindings."""

    def close(self) -> None:  # noqa: B027 - optional for backends holding no resources
        """Release what the backend holds."""


class EmbeddedBackend(Backend):
    """The embedded Oxigraph store on disk, opened read-only (ingestion replaces it whole)."""

    name = "embedded"

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        if not (self.path / "CURRENT").exists() and not self.path.is_dir():
            raise StoreMissing(f"no store at {self.path}: run `claimgraph ingest` (or `make serve`) first")
        try:
            self.store = ox.Store.read_only(str(self.path))
        except OSError as exc:
            raise StoreMissing(f"cannot open the store at {self.path}: {exc}") from exc

    @classmethod
    def from_store(cls, store: ox.Store, path: Path | None = None) -> "EmbeddedBackend":
        backend = cls.__new__(cls)
        backend.path, backend.store = path or Path(), store
        return backend

    def _run(self, query: str, bindings: Mapping[str, Term]) -> Any:
        try:
            return self.store.query(query, use_default_graph_as_union=True,
                                    substitutions={ox.Variable(k): v for k, v in bindings.items()})
        except SyntaxError as exc:
            raise QuerySyntaxError(str(exc)) from exc
        except OSError as exc:
            raise BackendError(f"the store failed: {exc}") from exc

    def select(self, query: str, bindings: Mapping[str, Term]) -> tuple[list[str], list[dict[str, Term]]]:
        solutions = self._run(query, bindings)
        names = [v.value for v in solutions.variables]
        rows = []
        for solution in solutions:
            rows.append({name: solution[name] for name in names if solution[name] is not None})
        return names, rows

    def ask(self, query: str, bindings: Mapping[str, Term]) -> bool:
        return bool(self._run(query, bindings))
