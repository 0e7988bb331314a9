"""A real server (uvicorn, ``claimgraph serve``) on a free loopback port over the real corpus
store, and a real browser: Playwright driving the system Chromium (Playwright cannot download its
own browser here). Under CI (``CI`` set) a missing Chromium fails the browser tests instead of
skipping them."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def chromium() -> str | None:
    for candidate in (os.environ.get("CLAIMGRAPH_CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium"),
                      shutil.which("chromium-browser")):
        if candidate and Path(candidate).is_file():
            return candidate
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def live_server(corpus_store, tmp_path_factory):
    """``claimgraph serve`` on 127.0.0.1 and a free port; yields its base URL."""
    port = _free_port()
    env = {**os.environ, "CLAIMGRAPH_SPARQL_WORKERS": "1"}
    log = tmp_path_factory.mktemp("server") / "server.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "claimgraph.api.cli", "serve", "--host", "127.0.0.1",
                                 "--port", str(port), "--store", str(corpus_store)],
                                env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(url + "/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the server did not start: {log.read_text()[-2000:]}")
            time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="session")
def browser():
    binary = chromium()
    if binary is None:
        if os.environ.get("CI"):
            pytest.fail("Chromium is not installed (apt-get install -y chromium); under CI the browser tests must run")
        pytest.skip("Chromium is not installed: apt-get install -y chromium to run the browser tests")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=binary, args=CHROMIUM_FLAGS)
        try:
            yield b
        finally:
            b.close()
