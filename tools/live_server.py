"""A real server: ``claimgraph serve`` (uvicorn) in its own process, on a free loopback port.

For the tests that are about the server process (its memory, its log, its connections, clients
from several addresses) and for the load benchmark (:mod:`tools.load`). Clients on other loopback
addresses (127.0.0.2, 127.0.0.3, ...) count as other clients of the API.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class LiveServer:
    url: str
    process: subprocess.Popen
    log: Path

    def client(self, address: str = "127.0.0.1", timeout: float = 60.0) -> httpx.Client:
        """An HTTP client whose requests come from ``address`` (a loopback address)."""
        return httpx.Client(base_url=self.url, timeout=timeout,
                            transport=httpx.HTTPTransport(local_address=address))

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")

    def rss_mb(self, *, children: bool = False) -> float:
        """Resident memory of the server process (or the sum over its child processes), in MB."""
        pids = child_pids(self.process.pid) if children else [self.process.pid]
        return sum(rss_mb(pid) for pid in pids)


def rss_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except (OSError, ValueError):
        pass
    return 0.0


def child_pids(pid: int) -> list[int]:
    children: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            children += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return children


@contextmanager
def live_server(store: Path, folder: Path, *, env: Mapping[str, str] | None = None,
                cwd: Path | None = None) -> Iterator[LiveServer]:
    """``claimgraph serve`` on ``store`` with ``env`` added to the environment; its log (stdout
    and stderr) in ``folder/server.log``. Waits until ``/health`` answers."""
    port = free_port()
    log = folder / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "claimgraph.api.cli", "serve", "--host", "127.0.0.1", "--port", str(port),
             "--store", str(store)],
            cwd=cwd, env={**os.environ, **(env or {})}, stdout=out, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL)
    server = LiveServer(f"http://127.0.0.1:{port}", process, log)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(server.url + "/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the server did not start: {server.log_text()[-2000:]}")
            time.sleep(0.2)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
