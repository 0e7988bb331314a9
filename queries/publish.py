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

A Virtuoso on this machine may instead be loaded by its bulk loader (:class:`VirtuosoLoader`:
its SQL port through ``isql-vt``, and a folder in its ``DirsAllowed``): the graphs are written
there as N-Quads files, the graphs being replaced are dropped, and ``ld_dir`` +
``rdf_loader_run()`` + ``checkpoint`` load the files, tens of times faster than INSERT DATA.
The benchmarks use it for the servers they start (:mod:`tools.servers`).

claimgraph graphs on the server that are no longer in the data (an article removed from the
corpus) are dropped; graphs outside ``https://w3id.org/claimgraph/graph/`` are never touched.
Afterwards the server is asked how many triples each graph holds, and any difference from what
was sent is reported.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from claimgraph.ontology.errors import BackendError, StoreMissing
from claimgraph.queries.store.remote import GRAPH_PREFIX, Kind, RemoteBackend

Progress = Callable[[str], None]

#: Triples per INSERT DATA request. Virtuoso parses each request whole and refuses one whose SQL
#: passes 10,000 lines (SP031): about 1,500 triples of a synthetic registry graph already do.
CHUNK_TRIPLES = 1_000


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


@dataclass(frozen=True)
class StoreDump:
    """An ingested store handed whole to a bulk loader: the size of each of its named graphs,
    counted by the store, and all its quads written as N-Quads by pyoxigraph, without a Python
    object per triple. Iterating it gives its graphs as :func:`graphs_from_store` does, so
    :func:`publish` takes it with or without a loader."""

    path: Path

    def __iter__(self) -> Iterator[Graph]:
        return graphs_from_store(self.path)

    def _store(self) -> ox.Store:
        if not Path(self.path).exists():
            raise StoreMissing(f"no store at {self.path}: run `claimgraph ingest` first")
        try:
            store = ox.Store.read_only(str(self.path))
        except OSError as exc:
            raise StoreMissing(f"cannot open the store at {self.path}: {exc}") from exc
        if next(iter(store.quads_for_pattern(None, None, None, ox.DefaultGraph())), None) is not None:
            raise BackendError("the store has triples in its default graph; claimgraph publishes named graphs only")
        return store

    def sizes(self) -> dict[str, int]:
        """Triples per named graph, in publishing order (ontology, registry, the others)."""
        rows = self._store().query("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
        sizes = {row["g"].value: int(row["n"].value) for row in rows if isinstance(row["g"], ox.NamedNode)}
        return {iri: sizes[iri] for iri in sorted(sizes, key=_order)}

    def write(self, path: Path) -> None:
        """Every quad of the store, as one N-Quads file."""
        self._store().dump(str(path), format=ox.RdfFormat.N_QUADS)


def graphs_from_corpus(corpus: Path, *, progress: Progress = _stderr) -> Iterator[Graph]:
    """The named graphs compiled from a corpus folder (validated; raises CorpusError)."""
    from claimgraph.ingest.pipeline import compile_corpus

    built = compile_corpus(Path(corpus), progress=progress)
    store = ox.Store()
    store.bulk_load(built.dataset.serialize(format="nquads", encoding="utf-8"), format=ox.RdfFormat.N_QUADS)
    yield from _graphs_of(store)


def publish(endpoint: str | RemoteBackend, graphs: Iterator[Graph] | list[Graph], *, kind: Kind = "auto",
            timeout: float = 120.0, progress: Progress = _stderr,
            chunk_triples: int = CHUNK_TRIPLES, loader: VirtuosoLoader | None = None) -> PublishReport:
    """Replace each graph on the server at ``endpoint`` and drop its stale claimgraph graphs.

    ``loader``: load a Virtuoso on this machine with its bulk loader instead of SPARQL Update.
    """
    started = time.perf_counter()
    server = endpoint if isinstance(endpoint, RemoteBackend) else RemoteBackend(endpoint, kind=kind, timeout=timeout)
    # Virtuoso 7.2 plans ``SELECT DISTINCT ?g { GRAPH ?g { ?s ?p ?o } }`` (RemoteBackend.graphs)
    # so badly that it did not answer in 300 s over 255k triples; counting per graph takes 1 s.
    before = set(server.graph_sizes() if server.kind == "virtuoso" else server.graphs())
    report = PublishReport(server.endpoint, server.kind)
    progress(f"publishing to {server.endpoint} ({server.kind}), which holds {len(before)} claimgraph graph(s)")
    if loader is not None:
        if server.kind != "virtuoso":
            raise BackendError(f"the bulk loader is Virtuoso's; {server.endpoint} is {server.kind}")
        loader.load(server, graphs, before, report, progress)
    else:
        for graph in _checked(graphs):
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


def _checked(graphs: Iterable[Graph]) -> Iterator[Graph]:
    for graph in graphs:
        if not graph.iri.startswith(GRAPH_PREFIX):
            raise BackendError(f"<{graph.iri}> is not a claimgraph graph (they start with {GRAPH_PREFIX})")
        yield graph


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


# -- Virtuoso's bulk loader ---------------------------------------------------------------------

_COUNT = re.compile(r"CGCOUNT=(\d+)")


def _sql_text(text: str) -> str:
    """A SQL string literal (single quotes doubled)."""
    return "'" + text.replace("'", "''") + "'"


@dataclass(frozen=True)
class VirtuosoLoader:
    """Direct access to a Virtuoso on this machine, for its bulk loader.

    ``isql_port`` is its SQL port (on ``host``), reached with ``command`` as ``user``;
    ``folder`` is a folder that this process may write and the server may read (inside its
    ini's ``DirsAllowed``). ``loaders`` ``rdf_loader_run()`` sessions run at once, over files of
    at most ``file_quads`` quads each (a graph is never split between files, so blank nodes
    keep their identity). A :class:`StoreDump` is written by pyoxigraph as one file (much
    faster than through Python objects; one loader session then).
    """

    isql_port: int
    folder: Path
    host: str = "127.0.0.1"
    user: str = "dba"
    password: str = "dba"
    command: str = "isql-vt"
    loaders: int = max(1, min(4, (os.cpu_count() or 2) // 2))
    file_quads: int = 250_000
    timeout: float = 3600.0

    def sql(self, script: str, *, timeout: float | None = None) -> str:
        """Run SQL statements (each ended by ``;``) and return isql's output; raise on an error."""
        try:
            done = subprocess.run([self.command, f"{self.host}:{self.isql_port}", self.user, self.password],
                                  input=script, capture_output=True, text=True,
                                  timeout=self.timeout if timeout is None else timeout)
        except FileNotFoundError:
            raise BackendError(f"{self.command} is not installed (apt-get install virtuoso-opensource)") from None
        except subprocess.TimeoutExpired:
            raise BackendError(f"isql on port {self.isql_port} did not finish within "
                               f"{self.timeout if timeout is None else timeout:g} s") from None
        output = done.stdout + done.stderr
        if done.returncode != 0 or "*** Error" in output:
            lines = [line for line in output.splitlines() if "Error" in line or "error" in line][:5]
            raise BackendError(f"Virtuoso (isql port {self.isql_port}) failed: " + ("; ".join(lines) or output[-500:]))
        return output

    def load(self, server: RemoteBackend, graphs: Iterable[Graph] | StoreDump, before: set[str],
             report: PublishReport, progress: Progress) -> None:
        """Replace ``graphs`` on ``server``: write them as N-Quads, drop those it holds, bulk load."""
        batch = Path(self.folder).resolve() / f"claimgraph-{os.getpid()}-{time.time_ns()}"
        batch.mkdir(parents=True)
        try:
            started = time.perf_counter()
            if isinstance(graphs, StoreDump):
                sizes = graphs.sizes()
                for iri in sizes:
                    if not iri.startswith(GRAPH_PREFIX):
                        raise BackendError(f"<{iri}> is not a claimgraph graph (they start with {GRAPH_PREFIX})")
                files = [batch / "store.nq"]
                graphs.write(files[0])
                report.graphs.update(sizes)
            else:
                files = self._write(_checked(graphs), batch, report)
            progress(f"  wrote {len(report.graphs)} graphs, {report.triples} triples to {len(files)} N-Quads "
                     f"file(s) ({time.perf_counter() - started:.1f} s)")
            replaced = sorted(before & set(report.graphs))
            if replaced:
                dropping = time.perf_counter()
                # Through isql without the transaction log (row by row autocommit), much faster than
                # SPARQL Update on large graphs; an IRI that isql would split goes by SPARQL Update.
                plain = [iri for iri in replaced if not set(iri) & set(";'\\")]
                for iri in sorted(set(replaced) - set(plain)):
                    server.update(f"DROP SILENT GRAPH <{ox.NamedNode(iri).value}>")
                for i in range(0, len(plain), 200):
                    self.sql("log_enable(3, 1);\n" + "".join(
                        f"SPARQL DROP SILENT GRAPH <{ox.NamedNode(iri).value}>;\n" for iri in plain[i:i + 200]))
                progress(f"  dropped the {len(replaced)} graph(s) being replaced "
                         f"({time.perf_counter() - dropping:.1f} s)")
            loading = time.perf_counter()
            like = _sql_text(str(batch) + "/%")
            self.sql(f"ld_dir({_sql_text(str(batch))}, '*.nq', {_sql_text(GRAPH_PREFIX + 'unnamed')});")
            sessions = [subprocess.Popen([self.command, f"{self.host}:{self.isql_port}", self.user, self.password,
                                          "exec=rdf_loader_run();"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL, text=True)
                        for _ in range(min(self.loaders, len(files)) or 1)]
            for session in sessions:
                try:
                    output, _ = session.communicate(timeout=self.timeout)
                except subprocess.TimeoutExpired:
                    session.kill()
                    raise BackendError(f"Virtuoso's bulk loader did not finish within {self.timeout:g} s") from None
                if session.returncode != 0 or "*** Error" in output:
                    raise BackendError(f"Virtuoso's bulk loader failed: {output.strip()[-500:]}")
            self.sql("checkpoint;")
            failed = self.sql(f"SELECT 'CGCOUNT=' || CAST(COUNT(*) AS VARCHAR) FROM DB.DBA.load_list "
                              f"WHERE ll_file LIKE {like} AND (ll_error IS NOT NULL OR ll_state <> 2);")
            match = _COUNT.search(failed)
            if match is None or match.group(1) != "0":
                errors = self.sql(f"SELECT ll_file, ll_state, ll_error FROM DB.DBA.load_list WHERE ll_file LIKE {like} "
                                  "AND (ll_error IS NOT NULL OR ll_state <> 2);")
                raise BackendError(f"Virtuoso's bulk loader did not load every file: {errors.strip()[-1000:]}")
            self.sql(f"DELETE FROM DB.DBA.load_list WHERE ll_file LIKE {like};")
            progress(f"  loaded by Virtuoso's bulk loader, {len(sessions)} session(s) "
                     f"({time.perf_counter() - loading:.1f} s)")
        finally:
            shutil.rmtree(batch, ignore_errors=True)

    def _write(self, graphs: Iterable[Graph], batch: Path, report: PublishReport) -> list[Path]:
        files: list[Path] = []
        out, held = None, 0
        try:
            for graph in graphs:
                if graph.iri in report.graphs:
                    raise BackendError(f"<{graph.iri}> is given twice")
                if out is None or (held and held + len(graph.triples) > self.file_quads):
                    if out is not None:
                        out.close()
                    files.append(batch / f"part-{len(files):05d}.nq")
                    out, held = files[-1].open("wb"), 0
                name = ox.NamedNode(graph.iri)
                ox.serialize((ox.Quad(t.subject, t.predicate, t.object, name) for t in graph.triples), out,
                             format=ox.RdfFormat.N_QUADS)
                held += len(graph.triples)
                report.graphs[graph.iri] = len(graph.triples)
        finally:
            if out is not None:
                out.close()
        return files
