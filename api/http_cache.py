"""``ETag``, ``Cache-Control`` and ``304 Not Modified`` for answers and pages: one key per
(store version, request).

An answer or a page is a function of the code that builds it, the store it reads and the
request (path, query parameters, ``Accept``). :func:`request_key` hashes exactly these; the key
is the response's ``ETag``, and the in-process answer cache keys its entries the same way, so a
key names one representation on every path.

**The store version.** For the embedded store it is the versioned folder the store link resolved
to when the server opened it (``data/store`` -> ``.store.v-<digest>``, the digest of everything
the store was built from; see :mod:`claimgraph.ingest.store`). A new version is a new folder, so
a key can never name two contents. Known before any query runs, it lets the server answer a
matching ``If-None-Match`` with 304 without running the question at all, and lets clients keep
an answer for ``Cache-Control: max-age`` seconds (the ``cache_max_age`` setting).

For a remote SPARQL server (or a store folder that is not a version made by ingestion), the
server cannot see when the data changes: ``claimgraph publish`` or anyone else may rewrite it
at any time. There is then no store version (``None``); the ``ETag`` is the digest of the
response body itself, so a 304 saves the transfer but not the query, and ``Cache-Control:
no-cache`` tells clients to ask again every time.

Only ``GET`` requests answered 200 get an ``ETag``; errors never do. ``/health`` (live by
definition) and ``/static`` (files with their own ``ETag``) are left alone; ``/export`` streams the
whole graph, so it gets a key-based ``ETag`` when the version is known and none otherwise.

>>> key = request_key("v1", "code", "/questions/search", b"text=kreml&limit=5", "*/*")
>>> key == request_key("v1", "code", "/questions/search", b"limit=5&text=kreml", "*/*")
True
>>> key == request_key("v2", "code", "/questions/search", b"text=kreml&limit=5", "*/*")
False
>>> matches('W/"abc", "def"', '"def"'), matches("*", '"x"'), matches('"abc"', '"def"')
(True, True, False)
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from starlette.datastructures import Headers, MutableHeaders

logger = logging.getLogger(__name__)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

#: Paths that get no cache headers at all.
UNCACHED = ("/health", "/static/")
#: Paths whose bodies are too large to hold in memory for a body digest.
STREAMED = ("/export",)
_PACKAGES = ("claimgraph.ontology", "claimgraph.ingest", "claimgraph.queries", "claimgraph.api")
_SOURCES = (".py", ".rq", ".html", ".js", ".css", ".ttl", ".json")


def store_version(backend: Any) -> str | None:
    """The version of the store behind ``backend``: the name of the versioned folder an embedded
    store's link resolves to (``.store.v-<digest>``); None for a remote server or a folder that
    ingestion did not version."""
    if getattr(backend, "name", None) != "embedded" or getattr(backend, "path", None) is None:
        return None
    path = Path(backend.path)
    if not path.is_symlink():
        return None
    target = Path(os.path.realpath(path)).name
    return target if ".v-" in target else None


def code_version(settings: Any, roots: Iterable[Path] | None = None) -> str:
    """A digest of the code and settings that shape a response: the package's sources, queries,
    templates and scripts, and the settings (a new ``base_url`` changes every page's links)."""
    import importlib

    h = hashlib.sha256(repr(settings).encode())
    if roots is None:
        roots = [Path(importlib.import_module(name).__file__ or "").parent for name in _PACKAGES]
    for root in roots:
        # vendored files are versioned by their path, which the pages name
        for path in sorted(p for p in Path(root).rglob("*") if p.suffix in _SOURCES and p.is_file()
                           and "vendor" not in p.relative_to(root).parts):
            h.update(str(path.relative_to(root)).encode())
            h.update(path.read_bytes())
    return h.hexdigest()[:16]


def request_key(store: str | None, code: str, path: str, query: bytes | str, accept: str | None) -> str:
    """The key of one representation: store version, code, path, query parameters (sorted by name,
    repeated names kept in order) and the ``Accept`` header (what negotiation chooses from)."""
    raw = query.decode("latin-1") if isinstance(query, bytes) else query
    params = sorted(parse_qsl(raw, keep_blank_values=True), key=lambda kv: kv[0])
    h = hashlib.sha256()
    for part in (store or "", code, path, repr(params), " ".join((accept or "").lower().split())):
        h.update(part.encode("utf-8", "surrogateescape"))
        h.update(b"\0")
    return h.hexdigest()[:32]


def etag(key: str) -> str:
    return f'"{key}"'


def matches(if_none_match: str | None, tag: str) -> bool:
    """Does an ``If-None-Match`` header name ``tag`` (weak comparison, as RFC 9110 asks for GET)?"""
    if not if_none_match:
        return False
    if if_none_match.strip() == "*":
        return True
    wanted = tag.removeprefix("W/")
    return any(t.strip().removeprefix("W/") == wanted for t in if_none_match.split(","))


def _add_vary(headers: MutableHeaders, name: str = "Accept") -> None:
    vary = [v.strip() for v in headers.get("vary", "").split(",") if v.strip()]
    if name.lower() not in (v.lower() for v in vary):
        headers["Vary"] = ", ".join([*vary, name])


class HttpCacheMiddleware:
    """Adds ``ETag``/``Cache-Control``/``Vary: Accept`` to 200 answers to GET, and answers a
    matching ``If-None-Match`` with 304. Reads ``store_version`` and ``code_version`` from the
    application's state (set when the store is opened)."""

    def __init__(self, app: Callable[[Scope, Receive, Send], Awaitable[None]], *, max_age: int = 60) -> None:
        self.app = app
        self.max_age = max_age

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or scope["method"] != "GET" or path.startswith(UNCACHED):
            await self.app(scope, receive, send)
            return
        state = scope["app"].state
        version = getattr(state, "store_version", None)
        headers = Headers(scope=scope)
        if_none_match = headers.get("if-none-match")
        if version is not None:
            key = request_key(version, getattr(state, "code_version", ""), path, scope.get("query_string", b""),
                              headers.get("accept"))
            await self._known(scope, receive, send, etag(key), if_none_match)
        elif path.startswith(STREAMED):
            await self.app(scope, receive, send)
        else:
            await self._digest(scope, receive, send, if_none_match)

    def _stamp(self, headers: MutableHeaders, tag: str, *, known: bool) -> None:
        headers["ETag"] = tag
        headers["Cache-Control"] = f"public, max-age={self.max_age}" if known else "no-cache"
        _add_vary(headers)

    async def _not_modified(self, send: Send, tag: str, *, known: bool, vary: str | None = None) -> None:
        headers = MutableHeaders()
        if vary:
            headers["Vary"] = vary
        self._stamp(headers, tag, known=known)
        await send({"type": "http.response.start", "status": 304, "headers": headers.raw})
        await send({"type": "http.response.body", "body": b""})

    async def _known(self, scope: Scope, receive: Receive, send: Send, tag: str, if_none_match: str | None) -> None:
        """The version is known: the key is the tag, before anything runs."""
        if matches(if_none_match, tag):
            await self._not_modified(send, tag, known=True)
            return

        async def stamped(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] == 200:
                self._stamp(MutableHeaders(scope=message), tag, known=True)
            await send(message)

        await self.app(scope, receive, stamped)

    async def _digest(self, scope: Scope, receive: Receive, send: Send, if_none_match: str | None) -> None:
        """No store version: hold a 200 answer, tag it with the digest of its body."""
        start: Message | None = None
        chunks: list[bytes] = []

        async def held(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                if message["status"] != 200:
                    await send(message)
                    return
                start = message
                return
            if start is None:
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            body = b"".join(chunks)
            tag = etag(hashlib.sha256(body).hexdigest()[:32])
            headers = MutableHeaders(scope=start)
            if matches(if_none_match, tag):
                await self._not_modified(send, tag, known=False, vary=headers.get("vary"))
                return
            self._stamp(headers, tag, known=False)
            await send(start)
            await send({"type": "http.response.body", "body": body})

        await self.app(scope, receive, held)


def install(app: Any, settings: Any) -> None:
    """Add the middleware; the app's lifespan sets ``app.state.store_version``."""
    app.state.code_version = code_version(settings)
    app.state.store_version = None
    app.add_middleware(HttpCacheMiddleware, max_age=settings.cache_max_age)
