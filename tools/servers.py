"""Start real SPARQL servers on this machine: the Oxigraph server and Virtuoso open source.

Used by the real-server tests (``tests/servers``) and the benchmarks (``make bench``). Each
server runs in a folder of its own (its database, its log, its ini), on free ``127.0.0.1``
ports, dies with the process that started it (Linux), and is stopped when the context ends::

    with LAUNCHERS["virtuoso"](Path("/tmp/v")) as remote:   # a ready RemoteBackend
        publish_store(Path("data/store"), remote)
        remote.select("SELECT * WHERE { ?s ?p ?o } LIMIT 1", {})

A server that is not installed raises :class:`Unavailable`, whose message says how to install it.

* **Oxigraph server** (``pip install oxigraph``): ``oxigraph serve --location DIR --bind
  127.0.0.1:PORT``; the command beside the running Python is preferred to one on ``PATH``.
* **Virtuoso** (``apt-get install virtuoso-opensource``): ``virtuoso-t +configfile INI
  +foreground`` with a generated ini (:data:`VIRTUOSO_INI`): both ports on loopback, the
  database in the folder, which is also in ``DirsAllowed`` so that the bulk loader can read
  files there. The ``SPARQL`` user is granted ``SPARQL_UPDATE`` (as ``claimgraph publish``
  needs); the ``dba`` account keeps its default password, which is why the SQL port stays on
  loopback. :func:`publish_store` loads a local Virtuoso with its bulk loader through ``isql``
  (:class:`claimgraph.queries.virtuoso_loader.VirtuosoLoader`) instead of SPARQL Update.
"""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from claimgraph.queries.store import GRAPH_PREFIX, RemoteBackend

INSTALL = {
    "oxigraph": "pip install oxigraph (part of the test extra: `make test` installs it)",
    "virtuoso": "apt-get install virtuoso-opensource (as root; `.ci/run` does it)",
}
#: Seconds a server may take to answer its first query.
STARTUP_S = 90


class Unavailable(RuntimeError):
    """The server's program is not installed here; the message says how to install it."""

    def __init__(self, kind: str) -> None:
        super().__init__(f"{kind} is not installed: {INSTALL[kind]}")
        self.kind = kind


@dataclass
class Server:
    """A running server: its kind, query endpoint, folder, process and log.

    ``sql_port`` is Virtuoso's SQL (isql) port; ``None`` for the Oxigraph server.
    """

    kind: str
    endpoint: str
    folder: Path
    process: subprocess.Popen
    log: Path
    sql_port: int | None = None
    command: list[str] | None = None  # how it was started (to start it again)

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def loader(self) -> Any:
        """The bulk loader of a Virtuoso started here (its SQL port, a folder it may read)."""
        if self.kind != "virtuoso" or self.sql_port is None:
            raise ValueError(f"only a local Virtuoso has a bulk loader, not {self.kind}")
        from claimgraph.queries.virtuoso_loader import VirtuosoLoader
        return VirtuosoLoader(isql_port=self.sql_port, folder=self.folder / "load")


class ServerBackend(RemoteBackend):
    """A :class:`RemoteBackend` on a server started here; ``server`` says where it runs."""

    def __init__(self, server: Server, *, timeout: float = 30.0) -> None:
        super().__init__(server.endpoint, timeout=timeout, kind=server.kind)  # type: ignore[arg-type]
        self.server = server


# -- process helpers ----------------------------------------------------------------------------


def die_with_parent() -> None:
    """In the child, before exec: receive SIGTERM when the parent dies, however it dies (Linux)."""
    try:
        import ctypes
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_ready(server: Server, timeout: float = STARTUP_S) -> None:
    """Until the endpoint answers a query over HTTP (or the process dies, or time runs out)."""
    deadline = time.monotonic() + timeout
    data = urllib.parse.urlencode({"query": "ASK {}"}).encode()
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"{server.kind} exited with {server.process.returncode}:\n{server.log_tail()}")
        try:
            request = urllib.request.Request(server.endpoint, data=data, method="POST",
                                             headers={"Accept": "application/sparql-results+json"})
            with urllib.request.urlopen(request, timeout=5) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.3)
    raise RuntimeError(f"{server.kind} did not answer within {timeout:g} s:\n{server.log_tail()}")


def stop(process: subprocess.Popen, timeout: float = 30) -> None:
    """SIGTERM, then SIGKILL if the process is still there after ``timeout`` seconds."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(10)


def _spawn(command: list[str], out: Path, cwd: Path | None = None) -> subprocess.Popen:
    with out.open("ab") as stream:
        return subprocess.Popen(command, cwd=cwd, stdout=stream, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, preexec_fn=die_with_parent)


# -- Oxigraph server ----------------------------------------------------------------------------


def oxigraph_command() -> str | None:
    """The ``oxigraph`` program beside the running Python (the venv's), else on ``PATH``."""
    beside = Path(sys.executable).parent / "oxigraph"
    return str(beside) if beside.exists() else shutil.which("oxigraph")


@contextmanager
def oxigraph_server(folder: Path, *, timeout_s: float | None = None) -> Iterator[Server]:
    """``oxigraph serve`` on a free loopback port, its database in ``folder/db``.

    ``timeout_s`` is the server's own (best-effort) query time limit, ``--timeout-s``.
    """
    command = oxigraph_command()
    if command is None:
        raise Unavailable("oxigraph")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    log = folder / "server.log"
    args = [command, "serve", "--location", str(folder / "db"), "--bind", f"127.0.0.1:{port}"]
    if timeout_s is not None:
        args += ["--timeout-s", f"{timeout_s:g}"]
    process = _spawn(args, log)
    server = Server("oxigraph", f"http://127.0.0.1:{port}/query", folder, process, log, command=args)
    try:
        wait_ready(server)
        yield server
    finally:
        stop(server.process)  # the process of the moment: bulk_load_oxigraph starts a new one


# -- Virtuoso -----------------------------------------------------------------------------------

VIRTUOSO_INI = """\
[Database]
DatabaseFile       = {folder}/virtuoso.db
ErrorLogFile       = {folder}/virtuoso.log
LockFile           = {folder}/virtuoso.lck
TransactionFile    = {folder}/virtuoso.trx
xa_persistent_file = {folder}/virtuoso.pxa
ErrorLogLevel      = 7
FileExtend         = 200
MaxCheckpointRemap = 2000
Striping           = 0
TempStorage        = TempDatabase

[TempDatabase]
DatabaseFile       = {folder}/virtuoso-temp.db
TransactionFile    = {folder}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping           = 0

[Parameters]
ServerPort           = 127.0.0.1:{sql_port}
DisableUnixSocket    = 1
DisableTcpSocket     = 0
MaxClientConnections = 10
CheckpointInterval   = 60
CaseMode             = 2
DirsAllowed          = ., {folder}
NumberOfBuffers      = {buffers}
MaxDirtyBuffers      = {dirty_buffers}
ThreadsPerQuery      = 2

[HTTPServer]
ServerPort           = 127.0.0.1:{http_port}
ServerRoot           = {folder}/vsp
MaxClientConnections = 10
ServerThreads        = 10
Charset              = UTF-8

[SPARQL]
; The shipped defaults unless the caller asks otherwise: answers are cut at 10,000 rows (the
; client must notice), and a query runs at most 60 s.
ResultSetMaxRows           = {max_rows}
MaxQueryCostEstimationTime = 400
MaxQueryExecutionTime      = {query_timeout_s}
"""

#: Virtuoso's ini defaults as the tests use them (the shipped row cap and time limit; 20,000
#: buffers of 8 KiB, about 160 MiB).
VIRTUOSO_DEFAULTS = {"buffers": 20_000, "dirty_buffers": 15_000, "max_rows": 10_000, "query_timeout_s": 60}


def isql(sql_port: int, statement: str, timeout: float = 60) -> subprocess.CompletedProcess:
    """Run SQL on a local Virtuoso as ``dba`` (default password) through ``isql-vt``."""
    return subprocess.run(["isql-vt", f"127.0.0.1:{sql_port}", "dba", "dba", f"exec={statement}"],
                          capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)


@contextmanager
def virtuoso_server(folder: Path, **settings: int) -> Iterator[Server]:
    """``virtuoso-t`` with both ports on loopback and its database in ``folder``; the ``SPARQL``
    user may update (``GRANT SPARQL_UPDATE``), as ``claimgraph publish`` needs.

    ``settings`` override :data:`VIRTUOSO_DEFAULTS` (``buffers``, ``dirty_buffers``,
    ``max_rows``, ``query_timeout_s``).
    """
    if shutil.which("virtuoso-t") is None or shutil.which("isql-vt") is None:
        raise Unavailable("virtuoso")
    unknown = set(settings) - set(VIRTUOSO_DEFAULTS)
    if unknown:
        raise TypeError(f"unknown Virtuoso settings: {', '.join(sorted(unknown))}")
    folder = Path(folder).resolve()
    (folder / "vsp").mkdir(parents=True, exist_ok=True)
    (folder / "load").mkdir(exist_ok=True)
    sql_port, http_port = free_port(), free_port()
    ini = folder / "virtuoso.ini"
    ini.write_text(VIRTUOSO_INI.format(folder=folder, sql_port=sql_port, http_port=http_port,
                                       **{**VIRTUOSO_DEFAULTS, **settings}))
    process = _spawn(["virtuoso-t", "+configfile", str(ini), "+foreground"], folder / "stdout.log", cwd=folder)
    server = Server("virtuoso", f"http://127.0.0.1:{http_port}/sparql", folder, process, folder / "virtuoso.log",
                    sql_port)
    try:
        wait_ready(server)
        granted = isql(sql_port, 'GRANT SPARQL_UPDATE TO "SPARQL";')
        if granted.returncode != 0:
            raise RuntimeError(f"isql-vt could not grant SPARQL_UPDATE: {granted.stdout}{granted.stderr}")
        yield server
    finally:
        if process.poll() is None:
            try:
                isql(sql_port, "shutdown;", timeout=10)  # waits for running queries: not long
            except (subprocess.SubprocessError, OSError):
                pass
        stop(process, timeout=10)


# -- launchers: a ready RemoteBackend -----------------------------------------------------------


@contextmanager
def oxigraph(folder: Path, *, query_timeout: float = 60.0, **settings: Any) -> Iterator[ServerBackend]:
    """An Oxigraph server in ``folder``, as a backend whose queries time out after ``query_timeout`` s."""
    with oxigraph_server(folder, **settings) as server:
        yield ServerBackend(server, timeout=query_timeout)


@contextmanager
def virtuoso(folder: Path, *, query_timeout: float = 60.0, **settings: int) -> Iterator[ServerBackend]:
    """A Virtuoso in ``folder``, as a backend whose queries time out after ``query_timeout`` s."""
    with virtuoso_server(folder, **settings) as server:
        yield ServerBackend(server, timeout=query_timeout)


#: The servers by the names the benchmarks use.
LAUNCHERS: dict[str, Callable[..., AbstractContextManager[RemoteBackend]]] = {
    "oxigraph-server": oxigraph,
    "virtuoso": virtuoso,
}


def publish_store(store_path: Path, remote: RemoteBackend, *, progress: Callable[[str], None] | None = None) -> Any:
    """Publish an ingested store to ``remote`` and return the :class:`PublishReport`.

    The same :func:`claimgraph.queries.publish.publish` as ``claimgraph publish``, except that a
    Virtuoso started here is loaded by its bulk loader (``isql``). Raises ``RuntimeError`` when
    the server does not hold what was sent.
    """
    from claimgraph.queries.publish import StoreDump, graphs_from_store, publish

    server = getattr(remote, "server", None)
    loader = server.loader() if isinstance(server, Server) and server.kind == "virtuoso" else None
    graphs = StoreDump(Path(store_path)) if loader is not None else graphs_from_store(Path(store_path))
    writer = RemoteBackend(remote.endpoint, kind=remote.kind, timeout=max(remote.timeout, 600.0))  # type: ignore[arg-type]
    kwargs: dict[str, Any] = {"loader": loader}
    if progress is not None:
        kwargs["progress"] = progress
    report = publish(writer, graphs, **kwargs)
    if report.mismatched:
        wrong = ", ".join(f"<{g}> {held} of {sent}" for g, (sent, held) in list(report.mismatched.items())[:5])
        raise RuntimeError(f"{remote.endpoint} does not hold what was published: {wrong}")
    return report


def bulk_load_oxigraph(store_path: Path, remote: RemoteBackend, *,
                       progress: Callable[[str], None] | None = None) -> Any:
    """For the benchmarks only: replace the whole database of an Oxigraph server started here
    with the store's quads, by ``oxigraph load`` while the server is stopped, then start it again
    on the same port. Returns a :class:`PublishReport` (counts checked as publish does)."""
    from claimgraph.queries.publish import PublishReport, StoreDump

    say = progress or (lambda message: None)
    server = getattr(remote, "server", None)
    if not isinstance(server, Server) or server.kind != "oxigraph" or not server.command:
        raise ValueError("bulk_load_oxigraph needs an Oxigraph server started by this module")
    started = time.perf_counter()
    report = PublishReport(remote.endpoint, "oxigraph")
    source = StoreDump(Path(store_path))
    report.graphs = source.sizes()
    dump = server.folder / "load.nq"
    source.write(dump)
    stop(server.process)
    location = Path(server.command[server.command.index("--location") + 1])
    shutil.rmtree(location, ignore_errors=True)
    loading = time.perf_counter()
    done = subprocess.run([server.command[0], "load", "--location", str(location), "--file", str(dump)],
                          capture_output=True, text=True, stdin=subprocess.DEVNULL)
    dump.unlink(missing_ok=True)
    if done.returncode != 0:
        raise RuntimeError(f"oxigraph load failed: {done.stderr.strip()[-500:]}")
    say(f"oxigraph load: {sum(report.graphs.values())} quads in {time.perf_counter() - loading:.1f} s")
    server.process = _spawn(server.command, server.log)
    wait_ready(server)
    report.on_server = remote.graph_sizes(GRAPH_PREFIX)
    report.seconds = time.perf_counter() - started
    if report.mismatched:
        raise RuntimeError(f"{remote.endpoint} does not hold what was loaded: {len(report.mismatched)} graph(s) differ")
    return report


__all__ = ["INSTALL", "LAUNCHERS", "STARTUP_S", "VIRTUOSO_DEFAULTS", "VIRTUOSO_INI", "Server", "ServerBackend",
           "Unavailable", "bulk_load_oxigraph", "die_with_parent", "free_port", "isql", "oxigraph", "oxigraph_command", "oxigraph_server",
           "publish_store", "stop", "virtuoso", "virtuoso_server", "wait_ready"]
