"""HTTP caching: ``ETag``, ``Cache-Control`` and ``304 Not Modified`` for answers and pages, keyed
by (store version, code, request). The one caching mechanism of the API
(``docs/decisions/0015-http-caching.md``).

**The key.** An answer or a page is a function of the code that builds it, the store it reads and
the request (path, query parameters, ``Accept``). :func:`request_key` hashes exactly these, and
the key is the response's ``ETag``. The store version is :meth:`Backend.version()
<claimgraph.queries.store.base.Backend.version>` of the app's store pinned for the request
(:func:`claimgraph.api.deps.pinned_backend`: the route answers from the same version): for
the embedded store, the version folder linked when the request came (``docs/decisions/0009-store-versions.md``),
so a key never names two contents. Known before anything runs, it lets a matching
``If-None-Match`` be answered 304 without running the question, and clients keep an answer for
``Cache-Control: public, max-age`` seconds (the ``cache_max_age`` setting).

**No version.** A remote SPARQL server (or a plain store folder) has none: another process may
change its data at any time. The ``ETag`` is then the digest of the response body, so a 304 saves
the transfer but not the query, and ``Cache-Control: no-cache`` makes clients ask every time.
Bodies that stream (``/export``) are not held for a digest: they get no ``ETag`` then.

**What gets headers.** ``GET`` and ``HEAD`` answered 200; a ``HEAD`` is answered as the ``GET``
would be (same status and headers, no body), so it carries the same ``ETag`` and, with the
version known, a matching ``If-None-Match`` gets 304 without running anything. Errors never get
an ``ETag``. ``/health`` (live by definition) and ``/static`` (files with their own validators)
are left alone.

**The answer cache** (kept in the process, for repeats: :mod:`claimgraph.api.answer_cache`)
plugs in where the version is known (:meth:`HttpCacheMiddleware._known`): its entries keyed by
:func:`request_key`, a hit answered from it, a 200 response on a miss stored (streamed paths
excepted). Each response says which (``X-Answer-Cache: hit`` or ``miss``). The key already holds
the store version, so a new version is a new key; the cache also drops the old version's entries
when it sees a new one. With no version there is nothing to keep, and no such header.

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
import importlib
import logging
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from starlette.datastructures import Headers, MutableHeaders

from claimgraph.api.answer_cache import AnswerCache
from claimgraph.api.deps import pinned_backend

logger = logging.getLogger(__name__)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]

#: Paths that get no cache headers at all.
UNCACHED = ("/health", "/static/")
#: Paths whose bodies stream and are too large to hold for a body digest.
STREAMED = ("/export", "/sparql")  # /sparql: its answers go out in chunks that wait for the client
#: The header that says whether the answer cache answered (``hit``) or not (``miss``).
CACHE_HEADER = "X-Answer-Cache"
_PACKAGES = ("claimgraph.ontology", "claimgraph.ingest", "claimgraph.queries", "claimgraph.api")
_SOURCES = (".py", ".rq", ".html", ".js", ".css", ".ttl", ".json")


def code_version(settings: Any, roots: Iterable[Path] | None = None) -> str:
    """A digest of the code and settings that shape a response: the package's sources, queries,
    templates and scripts (vendored files are versioned by their path), and the settings (a new
    ``base_url`` changes every page's links)."""
    h = hashlib.sha256(repr(settings).encode())
    if roots is None:
        roots = [Path(importlib.import_module(name).__file__ or "").parent for name in _PACKAGES]
    for root in roots:
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


def matches(if_none_match: str | None, tag: str) -> bool:
    """Does an ``If-None-Match`` header name ``tag`` (weak comparison, as RFC 9110 asks for GET)?"""
    if not if_none_match:
        return False
    if if_none_match.strip() == "*":
        return True
    wanted = tag.removeprefix("W/")
    return any(t.strip().removeprefix("W/") == wanted for t in if_none_match.split(","))


class HttpCacheMiddleware:
    """Adds ``ETag``, ``Cache-Control`` and ``Vary: Accept`` to 200 answers to GET and HEAD, and
    answers a matching ``If-None-Match`` with 304."""

    def __init__(self, app: App, *, max_age: int, code: str, cache: AnswerCache | None = None) -> None:
        self.app = app
        self.max_age = max_age
        self.code = code
        self.cache = cache if cache is not None else AnswerCache(entries=0, max_bytes=0)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD") or path.startswith(UNCACHED):
            await self.app(scope, receive, send)
            return
        if scope["method"] == "HEAD":  # run as the GET, send its status and headers only
            scope, send = {**scope, "method": "GET"}, _headers_only(send)
        backend = pinned_backend(scope)  # the version the whole request answers from
        version = backend.version() if backend is not None else None
        headers = Headers(scope=scope)
        if version is not None:
            key = request_key(version, self.code, path, scope.get("query_string", b""), headers.get("accept"))
            await self._known(scope, receive, send, f'"{key}"', headers.get("if-none-match"), version)
        elif path.startswith(STREAMED):
            await self.app(scope, receive, send)
        else:
            await self._digest(scope, receive, send, headers.get("if-none-match"))

    def _stamp(self, headers: MutableHeaders, tag: str, *, known: bool, cached: str | None = None) -> None:
        headers["ETag"] = tag
        if cached is not None:
            headers[CACHE_HEADER] = cached
        headers["Cache-Control"] = f"public, max-age={self.max_age}" if known else "no-cache"
        vary = [v.strip() for v in headers.get("vary", "").split(",") if v.strip()]
        if "accept" not in (v.lower() for v in vary):
            headers["Vary"] = ", ".join([*vary, "Accept"])

    async def _not_modified(self, send: Send, tag: str, *, known: bool, vary: str | None = None) -> None:
        headers = MutableHeaders()
        if vary:
            headers["Vary"] = vary
        self._stamp(headers, tag, known=known)
        await send({"type": "http.response.start", "status": 304, "headers": headers.raw})
        await send({"type": "http.response.body", "body": b""})

    async def _known(self, scope: Scope, receive: Receive, send: Send, tag: str, if_none_match: str | None,
                     version: str) -> None:
        """The version is known: the key is the tag, before anything runs; a repeat comes from the
        answer cache."""
        if matches(if_none_match, tag):
            await self._not_modified(send, tag, known=True)
            return
        cache = self.cache if self.cache.enabled and not scope.get("path", "").startswith(STREAMED) else None
        if cache is not None:
            cache.follow(version)
            stored = cache.get(tag)
            if stored is not None:
                headers = MutableHeaders(raw=list(stored.headers))
                self._stamp(headers, tag, known=True, cached="hit")
                await send({"type": "http.response.start", "status": stored.status, "headers": headers.raw})
                await send({"type": "http.response.body", "body": stored.body})
                return
        start: Message | None = None
        chunks: list[bytes] = []

        async def stamped(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start" and message["status"] == 200:
                if cache is not None:
                    start = {**message, "headers": list(message.get("headers", []))}
                self._stamp(MutableHeaders(scope=message), tag, known=True, cached="miss" if cache is not None else None)
            elif message["type"] == "http.response.body" and start is not None:
                chunks.append(message.get("body", b""))
                if sum(map(len, chunks)) > cache.max_bytes:  # type: ignore[union-attr]
                    start, chunks[:] = None, []  # too large to keep: let it through only
                elif not message.get("more_body", False):
                    cache.put(tag, version, start["status"], start["headers"], b"".join(chunks))  # type: ignore[union-attr]
            await send(message)

        await self.app(scope, receive, stamped)

    async def _digest(self, scope: Scope, receive: Receive, send: Send, if_none_match: str | None) -> None:
        """No store version: hold a 200 answer and tag it with the digest of its body."""
        start: Message | None = None
        chunks: list[bytes] = []

        async def held(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start" and message["status"] != 200:
                await send(message)
                return
            if message["type"] == "http.response.start":
                start = message
                return
            if start is None:
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            body = b"".join(chunks)
            tag = f'"{hashlib.sha256(body).hexdigest()[:32]}"'
            headers = MutableHeaders(scope=start)
            if matches(if_none_match, tag):
                await self._not_modified(send, tag, known=False, vary=headers.get("vary"))
                return
            self._stamp(headers, tag, known=False)
            await send(start)
            await send({"type": "http.response.body", "body": body})

        await self.app(scope, receive, held)


def _headers_only(send: Send) -> Send:
    """``send`` for a HEAD answered as a GET: the status and headers (``Content-Length`` as the
    GET's), one empty body."""
    async def head(message: Message) -> None:
        if message["type"] != "http.response.body":
            await send(message)
        elif not message.get("more_body", False):
            await send({"type": "http.response.body", "body": b""})
    return head


def install(app: Any, settings: Any) -> None:
    """Add the middleware to ``app``; the store version is that of the request's pinned backend.
    The answer cache, bounded by the settings, is ``app.state.answer_cache``."""
    cache = app.state.answer_cache = AnswerCache(entries=settings.answer_cache_entries,
                                                 max_bytes=settings.answer_cache_bytes)
    app.add_middleware(HttpCacheMiddleware, max_age=settings.cache_max_age, code=code_version(settings), cache=cache)
