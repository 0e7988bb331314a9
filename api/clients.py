"""Who a client is, how many `/sparql` requests it may have at once, and answers it must take in time.

**What identifies a client**: its network address as the server sees it (the ASGI ``client``).
An IPv4 address is one client; an IPv6 address counts with its whole ``/64`` (one host, or one
home network, usually has a whole /64, so rotating addresses inside it gains nothing). Behind a
reverse proxy every request comes from the proxy: run the server so that it trusts the proxy's
``X-Forwarded-For`` (uvicorn's ``--forwarded-allow-ips``, environment ``FORWARDED_ALLOW_IPS``;
``claimgraph serve`` keeps uvicorn's default, which trusts 127.0.0.1 only), and the address the
proxy forwards is the client. A request without an address counts as one client, ``unknown``.

:class:`Admissions` counts a request from when it is admitted until its answer has been sent
(or given up): at most ``per_client`` per client
(:class:`~claimgraph.ontology.errors.TooManyRequests`, 429) and ``total`` in all
(:class:`~claimgraph.ontology.errors.Busy`, 503). With the answer cap and the send timeout of
:class:`TimedResponse`, that bounds the memory answers can hold in the API process.

>>> client_key_of(("2001:db8:1:2:3:4:5:6", 5000)), client_key_of(("192.0.2.7", 5000)), client_key_of(None)
('2001:db8:1:2::/64', '192.0.2.7', 'unknown')
>>> admissions = Admissions(per_client=1, total=10)
>>> ticket = admissions.admit("192.0.2.7")
>>> admissions.admit("192.0.2.7")
Traceback (most recent call last):
...
claimgraph.ontology.errors.TooManyRequests: this client already has 1 /sparql request in flight (the limit); wait for an answer before sending another
>>> ticket.release(); ticket.release(); admissions.in_flight
0
"""

from __future__ import annotations

import ipaddress
import logging
from collections import Counter
from collections.abc import Mapping
from typing import Any

import anyio
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from claimgraph.ontology.errors import Busy, TooManyRequests

log = logging.getLogger(__name__)

#: Bytes handed to the server per write; each write waits until the client has taken enough.
CHUNK = 64 * 1024
#: What uvicorn logs when an app gives up on a response it started: the send timeout does that.
_GAVE_UP = "ASGI callable returned without completing response."


def client_key_of(client: Any) -> str:
    """The key a client counts under: its IPv4 address, or its IPv6 /64."""
    host = client[0] if client else None
    if not host:
        return "unknown"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return str(host)
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def client_key(request: Request) -> str:
    """The key the request's client counts under (see the module's docstring)."""
    return client_key_of(request.scope.get("client"))


class Ticket:
    """One admitted request; release it once (more calls do nothing)."""

    def __init__(self, admissions: Admissions, client: str) -> None:
        self._admissions, self.client, self._held = admissions, client, True

    def release(self) -> None:
        if self._held:
            self._held = False
            self._admissions._leave(self.client)


class Admissions:
    """Requests in flight, per client and in all. Used from the event loop only (no lock)."""

    def __init__(self, *, per_client: int, total: int) -> None:
        self.per_client, self.total = per_client, total
        self._by_client: Counter[str] = Counter()
        self.in_flight = 0

    def admit(self, client: str) -> Ticket:
        if self._by_client[client] >= self.per_client:
            plural = "" if self.per_client == 1 else "s"
            raise TooManyRequests(f"this client already has {self.per_client} /sparql request{plural} in flight "
                                  "(the limit); wait for an answer before sending another")
        if self.in_flight >= self.total:
            raise Busy(f"{self.total} /sparql requests are in flight (the limit); retry shortly")
        self._by_client[client] += 1
        self.in_flight += 1
        return Ticket(self, client)

    def _leave(self, client: str) -> None:
        self._by_client[client] -= 1
        if not self._by_client[client]:
            del self._by_client[client]
        self.in_flight -= 1


class TimedResponse(Response):
    """A response whose body the client must take within ``send_timeout`` seconds.

    The body goes out in :data:`CHUNK`-sized writes, each awaiting the server's flow control, so
    a client that reads slowly holds back the writes rather than making the server buffer the
    whole answer; one that has not taken it all in time is disconnected (the declared
    ``Content-Length`` tells it that the answer is cut). ``on_close`` runs once the response is
    done, sent or not.
    """

    def __init__(self, content: bytes, *, send_timeout: float, on_close: Any = None, status_code: int = 200,
                 headers: Mapping[str, str] | None = None, media_type: str | None = None) -> None:
        super().__init__(content, status_code=status_code, headers=headers, media_type=media_type)
        self.send_timeout = send_timeout
        self.on_close = on_close

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            with anyio.move_on_after(self.send_timeout) as timer:
                await send({"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers})
                body = self.body
                for start in range(0, len(body), CHUNK):
                    await send({"type": "http.response.body", "body": body[start:start + CHUNK], "more_body": True})
                await send({"type": "http.response.body", "body": b"", "more_body": False})
            if timer.cancelled_caught:
                client = client_key_of(scope.get("client"))
                log.info("%s did not take a %d-byte /sparql answer within %g s; disconnected",
                         client, len(self.body), self.send_timeout)
                # Returning without finishing the response makes the server close the connection.
        finally:
            self.body = b""
            if self.on_close is not None:
                self.on_close()


class _QuietGiveUp(logging.Filter):
    """uvicorn logs an error when an app returns without finishing a response; after a send
    timeout that is on purpose (and logged by :class:`TimedResponse`), not a server error."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != _GAVE_UP


def quiet_server_log() -> None:
    """Install the filter on uvicorn's error log (idempotent)."""
    logger = logging.getLogger("uvicorn.error")
    if not any(isinstance(f, _QuietGiveUp) for f in logger.filters):
        logger.addFilter(_QuietGiveUp())
