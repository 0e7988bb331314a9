"""Share a few query workers fairly between clients: a gate with a per-client cap and a queue.

:class:`FairGate` admits at most ``capacity`` holders at once (one per worker process of the
``/sparql`` sandbox) and at most ``per_client`` of them for any one client, so that a client's
heavy queries leave workers free for everyone else. Callers who cannot be admitted wait in a
queue, served round-robin by client (not first come, first served: a client that sends many
queries does not push the others back), for at most ``timeout_s`` seconds; then they get
:class:`~claimgraph.ontology.errors.Busy`. The gate does not know what a client is: the caller
passes a key (the API passes the client's address, see ``api/clients.py``).

>>> gate = FairGate(2, per_client=1, timeout_s=0.05)
>>> with gate.slot("a"):
...     with gate.slot("b"):
...         gate.running
2
>>> with gate.slot("a"):
...     gate.slot("a").__enter__()
Traceback (most recent call last):
...
claimgraph.ontology.errors.Busy: no query worker became free within 0.05 s (2 workers, at most 1 per client); retry shortly
"""

from __future__ import annotations

import threading
import time
from collections import Counter, deque
from collections.abc import Iterator
from contextlib import contextmanager

from claimgraph.ontology.errors import Busy


class _Ticket:
    __slots__ = ("client", "granted")

    def __init__(self, client: str) -> None:
        self.client = client
        self.granted = False


class FairGate:
    """At most ``capacity`` holders, at most ``per_client`` per client; waiters served round-robin
    by client, each for at most ``timeout_s`` seconds. Thread-safe."""

    def __init__(self, capacity: int, *, per_client: int, timeout_s: float) -> None:
        if capacity < 1 or per_client < 1 or timeout_s < 0:
            raise ValueError("capacity and per_client must be at least 1, timeout_s not negative")
        self.capacity = capacity
        self.per_client = min(per_client, capacity)
        self.timeout_s = timeout_s
        self._cond = threading.Condition()
        self._held: Counter[str] = Counter()
        self._queues: dict[str, deque[_Ticket]] = {}  # in round-robin order: served, then moved last

    @property
    def running(self) -> int:
        """How many hold the gate now."""
        return sum(self._held.values())

    @property
    def waiting(self) -> int:
        """How many wait for it now."""
        return sum(len(q) for q in self._queues.values())

    @contextmanager
    def slot(self, client: str) -> Iterator[None]:
        """Hold one place for ``client`` while the block runs; Busy when none frees in time."""
        self._acquire(client)
        try:
            yield
        finally:
            self._release(client)

    def _acquire(self, client: str) -> None:
        ticket = _Ticket(client)
        deadline = time.monotonic() + self.timeout_s
        with self._cond:
            self._queues.setdefault(client, deque()).append(ticket)
            self._dispatch()
            while not ticket.granted:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    queue = self._queues[client]
                    queue.remove(ticket)
                    if not queue:
                        del self._queues[client]
                    raise Busy(f"no query worker became free within {self.timeout_s:g} s ({self.capacity} "
                               f"workers, at most {self.per_client} per client); retry shortly")
                self._cond.wait(remaining)

    def _release(self, client: str) -> None:
        with self._cond:
            self._held[client] -= 1
            if not self._held[client]:
                del self._held[client]
            self._dispatch()

    def _dispatch(self) -> None:
        """Grant waiting tickets, one client after another, while places are free."""
        granted = False
        progress = True
        while progress and self.running < self.capacity:
            progress = False
            for client in list(self._queues):
                if self.running >= self.capacity:
                    break
                if self._held[client] >= self.per_client:
                    continue
                queue = self._queues.pop(client)
                ticket = queue.popleft()
                ticket.granted = True
                self._held[client] += 1
                granted = progress = True
                if queue:
                    self._queues[client] = queue  # to the back of the round
        if granted:
            self._cond.notify_all()
