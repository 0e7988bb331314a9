"""A real server (uvicorn, ``claimgraph serve``) on a free loopback port over the real corpus
store, and a real browser: Playwright driving the system Chromium (Playwright cannot download its
own browser here). Under CI (``CI`` set) a missing Chromium fails the browser tests instead of
skipping them."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def chromium() -> str | None:
    for candidate in (os.environ.get("CLAIMGRAPH_CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium"),
                      shutil.which("chromium-browser")):
        if candidate and Path(candidate).is_file():
            return candidate
    return None


@pytest.fixture(scope="session")
def live_server(corpus_store, serve):
    """``claimgraph serve`` on 127.0.0.1 and a free port, over the corpus store; its base URL."""
    with serve(corpus_store) as url:
        yield url


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
