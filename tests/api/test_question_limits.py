"""Named questions within limits (``api/question_limits.py``): a time limit per request, a bound on
how many run at once, both settings; past either, a 503 that says which, and nothing cached."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from claimgraph.api.app import create_app
from claimgraph.api.question_limits import QuestionLimits
from claimgraph.ontology.errors import Busy, QueryTimeout
from claimgraph.queries.settings import Settings


def test_a_question_past_its_time_is_answered_503_and_finishes_in_the_background(corpus_store: Path) -> None:
    settings = Settings(store=corpus_store, question_timeout=0.001, question_workers=2)
    with TestClient(create_app(settings)) as client:
        response = client.get("/questions/network")
        assert response.status_code == 503
        assert "took longer than 0.001 s" in response.json()["detail"]
        assert "etag" not in response.headers  # not an answer: nothing to cache or revalidate
        limits = client.app.state.questions
        deadline = time.monotonic() + 30
        while limits._free._value < 2 and time.monotonic() < deadline:  # its thread comes back when done
            time.sleep(0.01)
        assert limits._free._value == 2


def test_the_same_question_within_its_time_is_answered(corpus_store: Path) -> None:
    with TestClient(create_app(Settings(store=corpus_store, question_timeout=60))) as client:
        assert client.get("/questions/network", params={"limit": 1}).json()["count"] == 1
        assert client.get("/network").status_code == 200  # the dashboard's page asks within the limits too


def test_no_free_worker_in_time_is_busy() -> None:
    limits = QuestionLimits(workers=1, timeout_s=5, queue_timeout_s=0.05)
    started, release = threading.Event(), threading.Event()

    def slow() -> str:
        started.set()
        release.wait(5)
        return "slow"

    holder = threading.Thread(target=lambda: limits.run(slow))
    holder.start()
    try:
        assert started.wait(5)
        with pytest.raises(Busy, match="every one of the 1 question workers is busy"):
            limits.run(lambda: "fast")
    finally:
        release.set()
        holder.join()
    assert limits.run(lambda: "fast") == "fast"  # its thread is free again
    limits.close()


def test_a_timed_out_question_keeps_its_worker_until_it_ends() -> None:
    limits = QuestionLimits(workers=1, timeout_s=0.05, queue_timeout_s=0)
    release = threading.Event()
    with pytest.raises(QueryTimeout, match="took longer than 0.05 s"):
        limits.run(lambda: release.wait(5))
    with pytest.raises(Busy):  # the question past its time still runs, on the only thread
        limits.run(lambda: "next")
    release.set()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            assert limits.run(lambda: "next") == "next"
            break
        except Busy:
            time.sleep(0.01)
    else:
        pytest.fail("the thread did not come back")
    limits.close()
