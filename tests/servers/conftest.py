"""Real SPARQL servers for the tests: the Oxigraph server and Virtuoso open source.

Each is started once per session on free 127.0.0.1 ports, in a temporary folder, and stopped
afterwards. The real corpus is published to each with the real ``claimgraph publish`` command.

A server that is not installed makes its tests skip with the command that installs it, except
when ``CI`` is set: CI must run both, so there a missing server fails the tests.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from claimgraph.queries.remote import RemoteBackend

ENGINES = ("oxigraph", "virtuoso")
INSTALL = {
    "oxigraph": "pip install oxigraph (part of the test extra: `make test` installs it)",
    "virtuoso": "apt-get install virtuoso-opensource (as root; `.ci/run` does it)",
}
STARTUP_S = 90


@dataclass
class Server:
    kind: str
    endpoint: str
    folder: Path
    process: subprocess.Popen
    log: Path

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def _die_with_parent() -> None:
    """In the child, before exec: receive SIGTERM when pytest dies, however it dies (Linux)."""
    try:
        import ctypes
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def missing(kind: str) -> None:
    message = f"{kind} is not installed: {INSTALL[kind]}"
    if os.environ.get("CI"):
        pytest.fail(f"{message}. CI requires both real servers.", pytrace=False)
    pytest.skip(message)


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
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(10)


def oxigraph_command() -> str | None:
    beside = Path(sys.executable).parent / "oxigraph"
    return str(beside) if beside.exists() else shutil.which("oxigraph")


@pytest.fixture(scope="session")
def oxigraph_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """``oxigraph serve`` on a free loopback port, its database in a temporary folder."""
    command = oxigraph_command()
    if command is None:
        missing("oxigraph")
    folder = tmp_path_factory.mktemp("oxigraph-server")
    port = free_port()
    log = folder / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen([command, "serve", "--location", str(folder / "db"),
                                    "--bind", f"127.0.0.1:{port}"], stdout=out, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, preexec_fn=_die_with_parent)
    server = Server("oxigraph", f"http://127.0.0.1:{port}/query", folder, process, log)
    try:
        wait_ready(server)
        yield server
    finally:
        stop(process)


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
NumberOfBuffers      = 20000
MaxDirtyBuffers      = 15000
ThreadsPerQuery      = 2

[HTTPServer]
ServerPort           = 127.0.0.1:{http_port}
ServerRoot           = {folder}/vsp
MaxClientConnections = 10
ServerThreads        = 10
Charset              = UTF-8

[SPARQL]
; The shipped defaults: answers are cut at 10,000 rows (the client must notice), and a query
; runs at most 60 s.
ResultSetMaxRows           = 10000
MaxQueryCostEstimationTime = 400
MaxQueryExecutionTime      = 60
"""


def isql(sql_port: int, statement: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(["isql-vt", f"127.0.0.1:{sql_port}", "dba", "dba", f"exec={statement}"],
                          capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)


@pytest.fixture(scope="session")
def virtuoso_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """``virtuoso-t`` with both ports on loopback and its database in a temporary folder; the
    ``SPARQL`` user may update (``GRANT SPARQL_UPDATE``), as ``claimgraph publish`` needs."""
    if shutil.which("virtuoso-t") is None or shutil.which("isql-vt") is None:
        missing("virtuoso")
    folder = tmp_path_factory.mktemp("virtuoso-server")
    (folder / "vsp").mkdir()
    sql_port, http_port = free_port(), free_port()
    ini = folder / "virtuoso.ini"
    ini.write_text(VIRTUOSO_INI.format(folder=folder, sql_port=sql_port, http_port=http_port))
    log = folder / "virtuoso.log"
    with (folder / "stdout.log").open("wb") as out:
        process = subprocess.Popen(["virtuoso-t", "+configfile", str(ini), "+foreground"], cwd=folder,
                                   stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                   preexec_fn=_die_with_parent)
    server = Server("virtuoso", f"http://127.0.0.1:{http_port}/sparql", folder, process, log)
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


def server_for(request: pytest.FixtureRequest, kind: str) -> Server:
    return request.getfixturevalue(f"{kind}_server")


def publish_cli(endpoint: str, *args: str) -> subprocess.CompletedProcess:
    """``claimgraph publish --endpoint URL ...`` as a user runs it."""
    return subprocess.run([sys.executable, "-m", "claimgraph.api.cli", "publish", "--endpoint", endpoint, *args],
                          capture_output=True, text=True, timeout=600, stdin=subprocess.DEVNULL)


@pytest.fixture(scope="session")
def published(request: pytest.FixtureRequest, corpus_store: Path) -> dict[str, RemoteBackend]:
    """Servers already published to, by kind (filled lazily by :func:`remote`)."""
    return {}


@pytest.fixture(params=ENGINES)
def remote(request: pytest.FixtureRequest, published: dict[str, RemoteBackend], corpus_store: Path) -> RemoteBackend:
    """A real server (each kind in turn) holding the real corpus, published by the real CLI."""
    kind = request.param
    if kind not in published:
        server = server_for(request, kind)
        done = publish_cli(server.endpoint, "--store", str(corpus_store))
        assert done.returncode == 0, f"publish to {kind} failed:\n{done.stdout}\n{done.stderr}"
        published[kind] = RemoteBackend(server.endpoint, timeout=30)
    return published[kind]
