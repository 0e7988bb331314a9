"""The embedded store's lifecycle under real processes: forced re-ingests while readers read,
kill -9 at any moment, leftovers of killed builds, concurrent ingests, pruning.

Every test here runs ``claimgraph ingest`` as a separate process on a copy of the real corpus,
as an operator would, and looks at the store folder and at what a reader sees.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from tests.conftest import CORPUS

pytestmark = pytest.mark.slow

CLI = [sys.executable, "-m", "claimgraph.api.cli"]

#: A reader in its own process: checks the store path and opens the store as fast as it can
#: until told to stop (a file appears), then prints what it saw. It opens the folder the link
#: points at, as every reader must: RocksDB opens its files by path one at a time, so opening
#: through a link that moves meanwhile can mix two versions' files.
READER = textwrap.dedent("""
    import os, sys, time, pyoxigraph as ox
    store, stop = sys.argv[1], sys.argv[2]
    checks = missing = failed = 0
    while not os.path.exists(stop):
        checks += 1
        if not os.path.isdir(store):
            missing += 1
            continue
        if checks % 20 == 0:
            try:
                ox.Store.read_only(os.path.realpath(store))
            except Exception:  # OSError, or RocksDB's corruption error as a RuntimeError
                failed += 1
    print(checks, missing, failed)
""")


def ingest(corpus: Path, store: Path, *extra: str, env: dict[str, str] | None = None,
           wait: bool = True) -> subprocess.CompletedProcess | subprocess.Popen:
    command = [*CLI, "ingest", str(corpus), "--store", str(store), *extra]
    if not wait:
        return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                env={**os.environ, **(env or {})})
    return subprocess.run(command, capture_output=True, text=True, timeout=300, env={**os.environ, **(env or {})})


def answers(store: Path) -> bool:
    """Whether the store opens and answers, as `claimgraph ask` would."""
    from claimgraph.queries.store import EmbeddedBackend
    backend = EmbeddedBackend(store)
    try:
        return backend.ask("ASK { GRAPH <https://w3id.org/claimgraph/graph/registry> { ?s ?p ?o } }")
    finally:
        backend.close()


def leftovers(store: Path) -> list[str]:
    return sorted(p.name for p in store.parent.iterdir() if ".building-" in p.name or ".link-" in p.name)


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    copy = tmp_path / "corpus"
    shutil.copytree(CORPUS, copy)
    return copy


@pytest.fixture
def store(tmp_path: Path, corpus: Path) -> Path:
    path = tmp_path / "data" / "store"
    done = ingest(corpus, path)
    assert done.returncode == 0, done.stderr
    return path


def test_forced_ingest_of_an_unchanged_corpus_never_takes_the_store_away(store: Path, corpus: Path,
                                                                        tmp_path: Path) -> None:
    """Issue: `ingest --force` deleted the live version before renaming the new one in place."""
    stop = tmp_path / "stop"
    reader = subprocess.Popen([sys.executable, "-c", READER, str(store), str(stop)], stdout=subprocess.PIPE, text=True)
    try:
        for _ in range(4):
            done = ingest(corpus, store, "--force")
            assert done.returncode == 0, done.stderr
    finally:
        stop.touch()
        out, _ = reader.communicate(timeout=60)
    checks, missing, failed = map(int, out.split())
    assert checks > 1000
    assert (missing, failed) == (0, 0)
    assert answers(store)


def test_kill_9_at_any_moment_leaves_a_working_store(store: Path, corpus: Path) -> None:
    """kill -9 anywhere in a forced ingest: the store still answers, and the next ingest cleans up."""
    started = time.perf_counter()
    assert ingest(corpus, store, "--force").returncode == 0
    duration = time.perf_counter() - started
    rng = random.Random(12)
    for i in range(10):
        process = ingest(corpus, store, "--force", wait=False)
        time.sleep(rng.uniform(0.3, 1.1) * duration)
        process.send_signal(signal.SIGKILL)
        process.wait(30)
        assert answers(store), f"after kill {i} ({process.returncode})"
    done = ingest(corpus, store)
    assert done.returncode == 0, done.stderr
    assert answers(store)
    assert leftovers(store) == []


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_a_killed_build_leaves_a_folder_that_the_next_ingest_removes(store: Path, corpus: Path) -> None:
    """Issue: `.store.v-….building-PID` folders of killed builds were never removed."""
    process = ingest(corpus, store, "--force", wait=False)
    deadline = time.monotonic() + 120
    while not any(".building-" in p.name for p in store.parent.iterdir()):
        assert time.monotonic() < deadline and process.poll() is None, "the build folder never appeared"
        time.sleep(0.005)
    process.send_signal(signal.SIGKILL)
    process.wait(30)
    assert leftovers(store) != []
    # A build folder of a process that is still alive is someone else's: it stays.
    alive = store.parent / f".{store.name}.v-0-1.building-{os.getpid()}"
    alive.mkdir()
    dead = store.parent / f".{store.name}.v-0-1.building-{_dead_pid()}"
    dead.mkdir()
    done = ingest(corpus, store)  # up to date: nothing to build, but it cleans up
    assert done.returncode == 0, done.stderr
    assert leftovers(store) == [alive.name]
    assert answers(store)


def test_concurrent_ingests_take_turns(store: Path, corpus: Path) -> None:
    """Issue: two ingests at once both exited 0 and the last silently won; with three, some failed
    with a RocksDB file error. Now they take turns on the store's lock and each says so."""
    processes = [ingest(corpus, store, "--force", wait=False) for _ in range(3)]
    results = [(p.wait(300), p.stderr.read()) for p in processes]
    for code, err in results:
        assert code == 0, err
        assert "No such file" not in err
    assert sum("waiting for" in err for _, err in results) >= 1
    assert answers(store)
    assert leftovers(store) == []


def test_an_ingest_that_cannot_get_the_lock_in_time_fails_clearly(store: Path, corpus: Path) -> None:
    first = ingest(corpus, store, "--force", wait=False)
    deadline = time.monotonic() + 120
    lock = store.parent / f".{store.name}.lock"
    while not (lock.exists() and lock.read_text().strip() == str(first.pid)):
        assert time.monotonic() < deadline and first.poll() is None, "the first ingest never took the lock"
        time.sleep(0.005)
    second = ingest(corpus, store, "--force", env={"CLAIMGRAPH_INGEST_LOCK_TIMEOUT": "0"})
    assert first.wait(300) == 0
    assert second.returncode == 2
    assert f"another ingest (PID {first.pid}) is writing" in second.stderr
    assert answers(store)


HOLDER = textwrap.dedent("""
    import sys
    from claimgraph.queries.store import EmbeddedBackend
    pinned = EmbeddedBackend(sys.argv[1]).pin()
    print(pinned.version(), flush=True)
    sys.stdin.read()  # hold the version until told to stop
""")


def test_a_version_is_pruned_only_once_no_reader_has_it_open(store: Path, corpus: Path) -> None:
    """Old versions go when no process holds them (a reader's lease), keeping the one before the
    linked one for readers that open the store's path without a lease."""
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(store)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    held = holder.stdout.readline().strip()
    assert held == os.readlink(store)
    names = [held]
    for _ in range(3):
        assert ingest(corpus, store, "--force").returncode == 0
        names.append(os.readlink(store))
    present = {p.name for p in store.parent.iterdir() if p.is_dir() and not p.is_symlink() and not p.name.endswith(".meta")}
    assert present == {held, names[-2], names[-1]}  # names[1] was pruned; the held one stays
    holder.stdin.close()
    holder.wait(30)
    assert ingest(corpus, store).returncode == 0  # up to date: writes nothing, prunes
    present = {p.name for p in store.parent.iterdir() if p.is_dir() and not p.is_symlink() and not p.name.endswith(".meta")}
    assert present == {names[-2], names[-1]}
    assert answers(store)


def test_an_idle_server_lets_go_of_the_old_version(store: Path, corpus: Path, tmp_path: Path) -> None:
    """A server that gets no request still moves to a new version (within a second or two), so
    the old one can be pruned."""
    import socket

    import httpx
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen([*CLI, "serve", "--port", str(port), "--store", str(store)],
                              stdout=subprocess.DEVNULL, stderr=(tmp_path / "serve.log").open("w"))
    try:
        for _ in range(300):
            try:
                first = httpx.get(f"http://127.0.0.1:{port}/health").json()["version"]
                break
            except httpx.TransportError:
                time.sleep(0.1)
        assert ingest(corpus, store, "--force").returncode == 0
        time.sleep(2.5)  # no request meanwhile
        assert ingest(corpus, store, "--force").returncode == 0
        assert not (store.parent / first).exists()
    finally:
        server.terminate()
        server.wait(20)
