"""Publish the ingested graphs to a SPARQL server, replacing what claimgraph had there.

One named graph per article plus the registry, shared and ontology graphs, as in the embedded
store, read from an ingested store (:func:`graphs_from_store`, :class:`StoreDump`) or from a
corpus compiled in memory (:func:`graphs_from_dataset` of what ``claimgraph ingest`` builds).
Each graph replaces the server's graph of the same name through the store interface
(:meth:`~claimgraph.queries.store.base.Backend.replace_graph`: the Graph Store Protocol on the
Oxigraph server, SPARQL Update elsewhere). A Virtuoso on this machine may instead be loaded by
its bulk loader (:class:`claimgraph.queries.virtuoso_loader.VirtuosoLoader`).

claimgraph graphs on the server that are no longer in the data (an article removed from the
corpus) are dropped; graphs outside ``https://w3id.org/claimgraph/graph/`` are never touched.
Afterwards the server is asked how many triples each graph holds, and any difference from what
was sent is reported.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox
from rdflib import Dataset

from claimgraph.ontology.errors import BackendError
from claimgraph.queries.settings import Kind, get_settings
from claimgraph.queries.store import GRAPH_PREFIX, Backend, EmbeddedBackend, RemoteBackend

if TYPE_CHECKING:
    from claimgraph.queries.virtuoso_loader import VirtuosoLoader

logger = logging.getLogger(__name__)

Progress = Callable[[str], None]


@dataclass(frozen=True)
class Graph:
    """One named graph to publish: its IRI and its triples."""

    iri: str
    triples: list[ox.Triple]


@dataclass
class PublishReport:
    endpoint: str
    kind: str
    graphs: dict[str, int] = field(default_factory=dict)  # IRI -> triples sent
    dropped: list[str] = field(default_factory=list)
    on_server: dict[str, int] = field(default_factory=dict)  # IRI -> triples the server holds after
    seconds: float = 0.0

    @property
    def triples(self) -> int:
        return sum(self.graphs.values())

    @property
    def mismatched(self) -> dict[str, tuple[int, int]]:
        """Graphs whose count on the server differs from what was sent: IRI -> (sent, held)."""
        return {g: (n, self.on_server.get(g, 0)) for g, n in self.graphs.items() if self.on_server.get(g, 0) != n}




def _order(iri: str) -> tuple[int, str]:
    return (0 if iri == GRAPH_PREFIX + "ontology" else 1 if iri == GRAPH_PREFIX + "registry" else 2, iri)


def _graphs_of(store: Backend) -> Iterator[Graph]:
    names = store.graphs()
    if any(not isinstance(name, ox.NamedNode) for name in names):
        raise BackendError("the store has triples in its default graph; claimgraph publishes named graphs only")
    for iri in sorted((name.value for name in names), key=_order):
        yield Graph(iri, [q.triple for q in store.quads(ox.NamedNode(iri))])


def graphs_from_store(path: Path) -> Iterator[Graph]:
    """The named graphs of an ingested embedded store."""
    yield from _graphs_of(EmbeddedBackend(Path(path)))


def graphs_from_dataset(dataset: Dataset) -> Iterator[Graph]:
    """The named graphs of a dataset built in memory (``compile_corpus(...).dataset``)."""
    store = ox.Store()
    store.bulk_load(dataset.serialize(format="nquads", encoding="utf-8"), format=ox.RdfFormat.N_QUADS)
    yield from _graphs_of(EmbeddedBackend.from_store(store))


@dataclass(frozen=True)
class StoreDump:
    """An ingested store handed whole to a bulk loader: the size of each of its named graphs,
    counted by the store, and all its quads written as N-Quads by pyoxigraph, without a Python
    object per triple. Iterating it gives its graphs as :func:`graphs_from_store` does, so
    :func:`publish` takes it with or without a loader."""

    path: Path

    def __iter__(self) -> Iterator[Graph]:
        return graphs_from_store(self.path)

    def _store(self) -> EmbeddedBackend:
        store = EmbeddedBackend(Path(self.path))
        if any(not isinstance(name, ox.NamedNode) for name in store.graphs()):
            raise BackendError("the store has triples in its default graph; claimgraph publishes named graphs only")
        return store

    def sizes(self) -> dict[str, int]:
        """Triples per named graph, in publishing order (ontology, registry, the others)."""
        sizes = self._store().graph_sizes(prefix="")
        return {iri: sizes[iri] for iri in sorted(sizes, key=_order)}

    def write(self, path: Path) -> None:
        """Every quad of the store, as one N-Quads file."""
        self._store().dump(path)


def publish(endpoint: str | Backend, graphs: Iterable[Graph], *, kind: Kind = "auto",
            timeout: float | None = None, progress: Progress = logger.info,
            loader: VirtuosoLoader | None = None) -> PublishReport:
    """Replace each graph on the server at ``endpoint`` (a query URL, or a backend already open)
    and drop its stale claimgraph graphs.

    ``timeout`` (seconds per request) defaults to the setting ``publish_timeout``. ``loader``: load a
    Virtuoso on this machine with its bulk loader instead of SPARQL Update.
    """
    started = time.perf_counter()
    if isinstance(endpoint, str):
        server: Backend = RemoteBackend(endpoint, kind=kind, timeout=timeout or get_settings().publish_timeout)
    else:
        server = endpoint
    where = server.describe()
    before = {name.value for name in server.graphs() if isinstance(name, ox.NamedNode)}
    report = PublishReport(where["store"], where.get("server", where["backend"]))
    progress(f"publishing to {report.endpoint} ({report.kind}), which holds {len(before)} claimgraph graph(s)")
    if loader is not None:
        loader.load(server, graphs, before, report, progress)
    else:
        for graph in checked(graphs):
            graph_started = time.perf_counter()
            server.replace_graph(graph.iri, graph.triples)
            report.graphs[graph.iri] = len(graph.triples)
            progress(f"  {graph.iri.removeprefix(GRAPH_PREFIX)}: {len(graph.triples)} triples "
                     f"({time.perf_counter() - graph_started:.2f} s)")
    for iri in sorted(before - set(report.graphs)):
        server.drop_graph(iri)
        report.dropped.append(iri)
        progress(f"  dropped {iri.removeprefix(GRAPH_PREFIX)}: no longer in the data")
    report.on_server = server.graph_sizes()
    report.seconds = time.perf_counter() - started
    for iri, (sent, held) in report.mismatched.items():
        progress(f"warning: the server holds {held} triples in <{iri}>, {sent} were sent")
    progress(f"published {len(report.graphs)} graphs, {report.triples} triples to {report.endpoint} "
             f"in {report.seconds:.1f} s" + (f"; dropped {len(report.dropped)} stale graph(s)" if report.dropped else ""))
    return report


def checked(graphs: Iterable[Graph]) -> Iterator[Graph]:
    """``graphs``, refusing any that is not claimgraph's."""
    for graph in graphs:
        if not graph.iri.startswith(GRAPH_PREFIX):
            raise BackendError(f"<{graph.iri}> is not a claimgraph graph (they start with {GRAPH_PREFIX})")
        yield graph
