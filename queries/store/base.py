"""The one interface to a store: what callers need of the embedded store and of a SPARQL server.

Every caller (the named questions, ``/sparql``, export, publishing, the ontology docs, the CLI)
holds a :class:`Backend` and asks it; none checks which implementation it holds. The two
implementations are :class:`~claimgraph.queries.store.embedded.EmbeddedBackend` (pyoxigraph on
disk, the default) and :class:`~claimgraph.queries.store.remote.RemoteBackend` (a SPARQL 1.1
server through SPARQLWrapper); :func:`claimgraph.queries.store.open_backend` chooses one from the
settings. ``docs/architecture.md`` shows where the interface sits; ``docs/decisions/`` says why
embedded Oxigraph is the default and how a server is spoken to.

What the interface offers:

* **select** and **ask** with parameters bound as RDF terms (never pasted into the text);
* **construct**: a CONSTRUCT or DESCRIBE answer as triples;
* **sparql**: a raw query answered as bytes in a requested media type, capped at a number of
  rows; what ``/sparql`` serves (through :class:`~claimgraph.queries.sandbox.QuerySandbox`);
* **graphs** and **quads**: the store's graphs, and the quads of one graph or of all;
* **writes** where the implementation allows them (:meth:`replace_graph`, :meth:`drop_graph`,
  :meth:`bulk_load`), :class:`~claimgraph.ontology.errors.WritesNotSupported` where not;
* **version**: an identity that changes whenever what the store holds changes, for caches and
  ETags, or None when the store cannot tell cheaply (see :meth:`Backend.version`); **pin**: the
  store held on one version for one request (:meth:`Backend.pin`);
* **opener**: how to open the same store again in another process (the sandbox's workers).

The default graph is the union of the named graphs on every implementation (one named graph per
article): a query without ``GRAPH`` or ``FROM`` sees the whole corpus.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import pyoxigraph as ox

from claimgraph.ontology import iris
from claimgraph.ontology.errors import WritesNotSupported

Term = ox.NamedNode | ox.Literal
Row = dict[str, Any]
GraphName = ox.NamedNode | ox.DefaultGraph
QueryForm = Literal["SELECT", "ASK", "CONSTRUCT", "DESCRIBE"]

#: Graphs that belong to claimgraph on a shared server (the only ones publishing replaces or
#: drops, and the only ones ``/sparql`` lets ``FROM`` name there).
GRAPH_PREFIX = iris.GRAPH

#: Rows per page when quads are read through SELECT (a server has no other way to list them).
PAGE = 5000


@dataclass(frozen=True)
class RawAnswer:
    """A serialized answer: the bytes, their media type (a Content-Type value), and, when a cap
    cut the answer short, which: ``max-rows=N``, ``max-bytes=N`` or ``server-max-rows=N`` (the
    server's own row cap); None when the answer is whole."""

    body: bytes
    media_type: str
    truncated: str | None = None


@dataclass(frozen=True)
class QueryDataset:
    """The dataset of a raw query set by the protocol (``default-graph-uri``, ``named-graph-uri``)."""

    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()


class Backend(ABC):
    """Where questions are answered: a store behind the one interface."""

    #: A backend that runs query functions beyond SPARQL's own (Virtuoso's ``bif:`` and ``sql:``
    #: map to SQL built-ins, some of which read files): ``/sparql`` then refuses extension functions.
    runs_extension_functions: bool = False

    # -- reading --------------------------------------------------------------------------------

    @abstractmethod
    def select(self, query: str, bindings: Mapping[str, Term] | None = None
               ) -> tuple[list[str], list[dict[str, Term]]]:
        """Run a SELECT with ``bindings`` (variable name -> term); return variables and rows of
        terms (an unbound variable is absent from its row)."""

    @abstractmethod
    def ask(self, query: str, bindings: Mapping[str, Term] | None = None) -> bool:
        """Run an ASK with ``bindings``."""

    @abstractmethod
    def construct(self, query: str, bindings: Mapping[str, Term] | None = None) -> list[ox.Triple]:
        """Run a CONSTRUCT or DESCRIBE with ``bindings``; return its triples."""

    @abstractmethod
    def sparql(self, query: str, *, form: QueryForm, media_type: str, dataset: QueryDataset | None = None,
               union_default_graph: bool = True, prefixes: Mapping[str, str] | None = None,
               max_rows: int, max_bytes: int | None = None, base_iri: str | None = None) -> RawAnswer:
        """Run a query as it came (checked by the caller) and write its answer as ``media_type``.

        ``dataset`` (the protocol's graph parameters) overrides the query's own; without it the
        default graph is the union of all graphs unless ``union_default_graph`` is False (the
        query names its own with ``FROM``). At most ``max_rows`` rows (or triples) in at most
        ``max_bytes`` bytes are written, cut at a row boundary; the answer says which cap cut it.
        Relative IRIs in the query are resolved against ``base_iri`` (the query's own ``BASE``
        wins). ``prefixes`` dress up Turtle.
        """

    def graphs(self) -> list[GraphName]:
        """The graphs claimgraph keeps in the store, sorted: the named graphs, and the default
        graph first when it holds anything of its own.

        This default asks through SPARQL; a server's default graph is the union of its named
        graphs, so it has nothing of its own.
        """
        _, rows = self.select("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } } ORDER BY ?g")
        return [row["g"] for row in rows if isinstance(row.get("g"), ox.NamedNode)]

    def quads(self, graph: GraphName | None = None) -> Iterator[ox.Quad]:
        """The quads of ``graph``, or of every graph when it is None.

        This default pages through SPARQL (``ORDER BY``, :data:`PAGE` rows a request).
        """
        for name in ([graph] if graph is not None else self.graphs()):
            if not isinstance(name, ox.NamedNode):
                continue  # the union of the named graphs: nothing of its own
            offset = 0
            while True:
                query = (f"SELECT ?s ?p ?o WHERE {{ GRAPH {name} {{ ?s ?p ?o }} }} ORDER BY ?s ?p ?o "
                         f"LIMIT {PAGE} OFFSET {offset}")
                _, rows = self.select(query)
                yield from (ox.Quad(r["s"], r["p"], r["o"], name) for r in rows)
                if len(rows) < PAGE:
                    break
                offset += PAGE

    def graph_sizes(self, prefix: str = GRAPH_PREFIX) -> dict[str, int]:
        """Triples per named graph whose IRI starts with ``prefix``."""
        _, rows = self.select("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } "
                              f"FILTER(STRSTARTS(STR(?g), {ox.Literal(prefix)})) }} GROUP BY ?g")
        return {row["g"].value: int(row["n"].value) for row in rows}

    # -- identity -------------------------------------------------------------------------------

    @abstractmethod
    def version(self) -> str | None:
        """What the store holds, as a short text that changes whenever that changes; None when
        the store cannot tell cheaply (a cache must then not keep its answers)."""

    def pin(self, version: str | None = None) -> Backend:
        """This store held on one version for the life of the returned backend (the current
        version, or ``version`` when given), so that everything one request asks sees the same
        store. A store without versions (a server) returns itself."""
        return self

    def stale(self) -> bool:
        """Whether a newer version than the one this backend holds is linked (never, on a store
        without versions)."""
        return False

    def side_file(self, name: str) -> Path | None:
        """A file that ingestion kept beside the version answering now (in its record folder,
        as immutable as the version), when there is one: the store's tallies
        (:mod:`claimgraph.queries.tally`). None for a store without versions, a server included."""
        return None

    def memo(self, name: str) -> dict[Any, Any] | None:
        """A dictionary named ``name`` that lives as long as the version answering now is open,
        for facts that are a function of the version alone (the actors' cards:
        :func:`claimgraph.queries.details.actors`); it holds at most what that version holds. None
        for a store that cannot tell when it changes (a server, a plain folder): nothing is kept."""
        return None

    def refresh(self) -> None:  # noqa: B027 - nothing to follow on a store without versions
        """Follow the store to its newest version now (a backend otherwise does on its next call)."""

    @abstractmethod
    def describe(self) -> dict[str, Any]:
        """Which store this is, for ``/health`` and messages: ``backend``, ``store`` and, for a
        server, ``endpoint`` and ``server``."""

    @abstractmethod
    def opener(self) -> Callable[[], Backend]:
        """How to open this store again, in another process: a picklable callable."""

    # -- writing --------------------------------------------------------------------------------

    def replace_graph(self, graph: str, triples: Sequence[ox.Triple]) -> None:
        """Replace the named graph ``graph`` with ``triples``."""
        raise WritesNotSupported(f"{self.describe()['store']} does not take writes graph by graph")

    def drop_graph(self, graph: str) -> None:
        """Remove the named graph ``graph`` (nothing happens when there is none)."""
        raise WritesNotSupported(f"{self.describe()['store']} does not take writes graph by graph")

    def bulk_load(self, nquads: bytes, *, version: str) -> None:
        """Replace everything the store holds with ``nquads``, as the version ``version``."""
        raise WritesNotSupported(f"{self.describe()['store']} is not loaded whole by claimgraph")

    def close(self) -> None:  # noqa: B027 - optional for backends holding no resources
        """Release what the backend holds."""
