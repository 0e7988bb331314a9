"""Named questions within limits: a time limit per request and a bound on how many run at once.

``/sparql`` runs in killable worker processes (:mod:`claimgraph.queries.sandbox`). A named
question runs in the API process instead (its answer is built from several queries and laid out
in Python; its answer is cached per store version, :mod:`claimgraph.api.answer_cache`), on one of
``question_workers`` threads (setting ``CLAIMGRAPH_QUESTION_WORKERS``):

* **time**: the request waits for the answer (its queries, its layout, its JSON or CSV rows) at
  most ``question_timeout`` seconds, then gets :class:`~claimgraph.ontology.errors.QueryTimeout`
  (503). pyoxigraph cannot stop a query it is running, so the question runs to its end in the
  background; it keeps its thread until then;
* **at once**: at most ``question_workers`` questions run at once, those that ran past their time
  included; a request that finds no free thread within ``question_queue_timeout`` seconds gets
  :class:`~claimgraph.ontology.errors.Busy` (503). So a flood of slow questions holds a bounded
  share of the machine, and ``/sparql`` keeps its own workers.

The command line (``claimgraph ask``) runs a question in its own process, without these limits.

>>> limits = QuestionLimits(workers=1, timeout_s=5, queue_timeout_s=0)
>>> limits.run(lambda: 42)
42
>>> limits.close()
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any, TypeVar

from claimgraph.ontology.errors import Busy, QueryTimeout
from claimgraph.queries.run import ask

logger = logging.getLogger(__name__)
T = TypeVar("T")


class QuestionLimits:
    """A bounded pool of threads that answer named questions, each within a time limit."""

    def __init__(self, *, workers: int, timeout_s: float, queue_timeout_s: float) -> None:
        self.workers, self.timeout_s, self.queue_timeout_s = workers, timeout_s, queue_timeout_s
        self._free = threading.BoundedSemaphore(workers)
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="question")

    def run(self, work: Callable[[], T], *, what: str = "the question") -> T:
        """``work()`` on one of the pool's threads; QueryTimeout past the time limit, Busy when no
        thread is free in time."""
        if not self._free.acquire(timeout=self.queue_timeout_s):
            raise Busy(f"every one of the {self.workers} question workers is busy (the limit); retry shortly")

        def held() -> T:
            try:
                return work()
            finally:
                self._free.release()

        try:
            future = self._pool.submit(held)
        except BaseException:
            self._free.release()
            raise
        try:
            return future.result(timeout=self.timeout_s)
        except FutureTimeout:
            logger.info("%s ran past %g s; it finishes in the background", what, self.timeout_s)
            raise QueryTimeout(f"{what} took longer than {self.timeout_s:g} s (the limit) and was left to finish "
                               "in the background; ask again later, or narrow it down") from None

    def answer(self, name: str, params: dict[str, Any], backend: Any, *, csv: bool = False) -> Any:
        """The question's JSON answer (or, with ``csv``, its flat rows), built within the limits."""
        def work() -> Any:
            result = ask(name, params, backend)
            return result.flat() if csv else result.as_json()
        return self.run(work, what=name)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


__all__ = ["QuestionLimits"]
