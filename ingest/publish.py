"""Publish the ingested graphs to a remote SPARQL server, replacing what was there.

One named graph per article plus the registry and ontology graphs, as in the embedded store,
read either from an ingested store or straight from the corpus (validated by the same
compilation as ``claimgraph ingest``). Each graph replaces the server's graph of the same name:

* **Oxigraph server**: SPARQL 1.1 Graph Store Protocol, one ``PUT /store?graph=IRI`` per graph
  (atomic per graph, no credentials needed).
* **Virtuoso and other servers**: SPARQL 1.1 Update on the update endpoint,
  ``DROP SILENT GRAPH <g>`` and then ``INSERT DATA { GRAPH <g> { ... } }`` in chunks (Virtuoso's
  Graph Store endpoint needs credentials; its ``/sparql`` takes updates once the ``SPARQL`` user
  holds the ``SPARQL_UPDATE`` role). Readers may see a graph half loaded while it is replaced.

claimgraph graphs on the server that are no longer in the data (an article removed from the
corpus) are dropped; graphs outside ``https://w3id.org/claimgraph/graph/`` are never touched.
Afterwards the server is asked how many triples each graph holds, and any difference from what
was sent is reported.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from claimgraph.queries.errors import BackendError, StoreMissing
from claimgraph.queries.remote import GRAPH_PREFIX, Kind, RemoteBackend

Progress = Callable[[str], None]

#: Triples per INSERT DATA request (Virtuoso parses each request whole).
CHUNK_TRIPLES = 5_000


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


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


def _graphs_of(store: ox.Store) -> Iterator[Graph]:
    if next(iter(store.quads_for_pattern(None, None, None, ox.DefaultGraph())), None) is not None:
        raise BackendError("the store has triples in its default graph; claimgraph publishes named graphs only")
    names = sorted((g.value for g in store.named_graphs() if isinstance(g, ox.NamedNode)), key=_order)
    for iri in names:
        yield Graph(iri, [q.triple for q in store.quads_for_pattern(None, None, None, ox.NamedNode(iri))])


def graphs_from_store(path: Path) -> Iterator[Graph]:
    """The named graphs of an ingested embedded store."""
    path = Path(path)
    if not path.exists():
        raise StoreMissing(f"no store at {path}: run `claimgraph ingest` first, or publish the corpus folder")
    try:
        store = ox.Store.read_only(str(path))
    except OSError as exc:
        raise StoreMissing(f"cannot open the store at {path}: {exc}") from exc
    yield from _graphs_of(store)


def graphs_from_corpus(corpus: Path, *, progress: Progress = _stderr) -> Iterator[Graph]:
    """The named graphs compiled from a corpus folder (validated; raises CorpusError)."""
    from claimgraph.ingest.pipeline import compile_corpus

    built = compile_corpus(Path(corpus), progress=progress)
    store = ox.Store()
    store.bulk_load(built.dataset.serialize(format="nquads", encoding="utf-8"), format=ox.RdfFormat.N_QUADS)
    yield from _graphs_of(store)


def publish(endpoint: str | RemoteBackend, graphs: Iterator[Graph] | list[Graph], *, kind: Kind = "auto",
            timeout: float = 120.0, progress: Progress = _stderr,
            chunk_triples: int = CHUNK_TRIPLES) -> PublishReport:
    """Replace each graph on the server at ``endpoint`` and drop its stale claimgraph graphs."""
    started = time.perf_counter()
    server = endpoint if isinstance(endpoint, RemoteBackend) else RemoteBackend(endpoint, kind=kind, timeout=timeout)
    before = set(server.graphs())
    report = PublishReport(server.endpoint, server.kind)
    progress(f"publishing to {server.endpoint} ({server.kind}), which holds {len(before)} claimgraph graph(s)")
    for graph in graphs:
        if not graph.iri.startswith(GRAPH_PREFIX):
            raise BackendError(f"<{graph.iri}> is not a claimgraph graph (they start with {GRAPH_PREFIX})")
        graph_started = time.perf_counter()
        if server.store_endpoint is not None:
            server.put_graph(graph.iri, ox.serialize(graph.triples, format=ox.RdfFormat.N_TRIPLES))
        else:
            _replace_by_update(server, graph, chunk_triples)
        report.graphs[graph.iri] = len(graph.triples)
        progress(f"  {graph.iri.removeprefix(GRAPH_PREFIX)}: {len(graph.triples)} triples "
                 f"({time.perf_counter() - graph_started:.2f} s)")
    for iri in sorted(before - set(report.graphs)):
        server.update(f"DROP SILENT GRAPH <{ox.NamedNode(iri).value}>")
        report.dropped.append(iri)
        progress(f"  dropped {iri.removeprefix(GRAPH_PREFIX)}: no longer in the data")
    report.on_server = server.graph_sizes()
    report.seconds = time.perf_counter() - started
    for iri, (sent, held) in report.mismatched.items():
        progress(f"warning: the server holds {held} triples in <{iri}>, {sent} were sent")
    progress(f"published {len(report.graphs)} graphs, {report.triples} triples to {server.endpoint} "
             f"in {report.seconds:.1f} s" + (f"; dropped {len(report.dropped)} stale graph(s)" if report.dropped else ""))
    return report


def _replace_by_update(server: RemoteBackend, graph: Graph, chunk_triples: int) -> None:
    """DROP the graph, then INSERT DATA in chunks; triples with blank nodes go in one request
    (a blank node label means one node only within one request)."""
    name = str(ox.NamedNode(graph.iri))
    plain = [t for t in graph.triples
             if not isinstance(t.subject, ox.BlankNode) and not isinstance(t.object, ox.BlankNode)]
    with_blanks = [t for t in graph.triples
                   if isinstance(t.subject, ox.BlankNode) or isinstance(t.object, ox.BlankNode)]
    chunks = [plain[i:i + chunk_triples] for i in range(0, len(plain), chunk_triples)]
    if with_blanks:
        chunks.append(with_blanks)
    server.update(f"DROP SILENT GRAPH {name}")
    for chunk in chunks:
        body = ox.serialize(chunk, format=ox.RdfFormat.N_TRIPLES).decode("utf-8")
        server.update(f"INSERT DATA {{ GRAPH {name} {{\n{body}}} }}")
