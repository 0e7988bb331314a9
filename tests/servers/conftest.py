"""Real SPARQL servers for the tests: the Oxigraph server and Virtuoso open source.

Each is started once per session on free 127.0.0.1 ports, in a temporary folder, and stopped
afterwards, by :mod:`tools.servers` (which the benchmarks use too). The real corpus
is published to each with the real ``claimgraph publish`` command.

A server that is not installed makes its tests skip with the command that installs it, except
when ``CI`` is set: CI must run both, so there a missing server fails the tests.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack
from pathlib import Path

import pytest

from claimgraph.queries.store.remote import RemoteBackend
from tools.servers import (  # noqa: F401 - re-exported for the tests
    INSTALL,
    STARTUP_S,
    VIRTUOSO_INI,
    Server,
    Unavailable,
    free_port,
    isql,
    oxigraph_command,
    oxigraph_server as start_oxigraph,
    stop,
    virtuoso_server as start_virtuoso,
    wait_ready,
)

ENGINES = ("oxigraph", "virtuoso")

#: Time limit of one question on a test server. The tests compare answers, not speed; the limit
#: only keeps a runaway plan from holding the suite (a question past it once fails its later cases
#: at once). Virtuoso answers some questions in seconds on five articles, more on a busy machine.
QUERY_TIMEOUT_S = 90


def missing(unavailable: Unavailable) -> None:
    """Skip, or fail under CI (which must run both servers)."""
    if os.environ.get("CI"):
        pytest.fail(f"{unavailable}. CI requires both real servers.", pytrace=False)
    pytest.skip(str(unavailable))


def _running(start: Callable[[Path], AbstractContextManager[Server]], folder: Path) -> Iterator[Server]:
    """The server ``start`` runs in ``folder``, until the session ends (or skip: :func:`missing`)."""
    with ExitStack() as stack:
        try:
            server = stack.enter_context(start(folder))
        except Unavailable as exc:
            missing(exc)
        yield server


@pytest.fixture(scope="session")
def oxigraph_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """``oxigraph serve`` on a free loopback port, its database in a temporary folder."""
    yield from _running(start_oxigraph, tmp_path_factory.mktemp("oxigraph-server"))


@pytest.fixture(scope="session")
def virtuoso_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """``virtuoso-t`` with both ports on loopback and its database in a temporary folder; the
    ``SPARQL`` user may update (``GRANT SPARQL_UPDATE``), as ``claimgraph publish`` needs."""
    yield from _running(start_virtuoso, tmp_path_factory.mktemp("virtuoso-server"))


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
        published[kind] = RemoteBackend(server.endpoint, timeout=QUERY_TIMEOUT_S)
    return published[kind]
