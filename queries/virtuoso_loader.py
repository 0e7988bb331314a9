"""Virtuoso's bulk loader, for a Virtuoso on this machine: tens of times faster than INSERT DATA.

Through its SQL port (``isql-vt``) and a folder in its ``DirsAllowed``: the graphs are written
there as N-Quads files, the graphs being replaced are dropped, and ``ld_dir`` +
``rdf_loader_run()`` + ``checkpoint`` load the files. :func:`claimgraph.queries.publish.publish`
uses it when given one; the benchmarks use it for the servers they start (``tools/servers.py``).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from claimgraph.ontology.errors import BackendError
from claimgraph.queries.publish import Graph, Progress, PublishReport, StoreDump, checked
from claimgraph.queries.store import GRAPH_PREFIX, Backend

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

    def load(self, server: Backend, graphs: Iterable[Graph] | StoreDump, before: set[str],
             report: PublishReport, progress: Progress) -> None:
        """Replace ``graphs`` on ``server``: write them as N-Quads, drop those it holds, bulk load."""
        if report.kind != "virtuoso":
            raise BackendError(f"the bulk loader is Virtuoso's; {report.endpoint} is {report.kind}")
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
                files = self._write(checked(graphs), batch, report)
            progress(f"  wrote {len(report.graphs)} graphs, {report.triples} triples to {len(files)} N-Quads "
                     f"file(s) ({time.perf_counter() - started:.1f} s)")
            replaced = sorted(before & set(report.graphs))
            if replaced:
                dropping = time.perf_counter()
                # Through isql without the transaction log (row by row autocommit), much faster than
                # SPARQL Update on large graphs; an IRI that isql would split goes by SPARQL Update.
                plain = [iri for iri in replaced if not set(iri) & set(";'\\")]
                for iri in sorted(set(replaced) - set(plain)):
                    server.drop_graph(iri)
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
