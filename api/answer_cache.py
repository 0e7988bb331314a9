"""The answer cache: whole responses kept in the process, keyed by (store version, code, request).

An answer is a pure function of the store version, the code and the request
(:func:`claimgraph.api.http_cache.request_key`), and the store changes only at ingest, so a repeat
of a request on the same version can be answered from memory. The HTTP cache
(:class:`~claimgraph.api.http_cache.HttpCacheMiddleware`) asks :meth:`AnswerCache.get` where the
version is known, and gives :meth:`AnswerCache.put` each 200 response it let through. Nothing is
kept for a store without versions (a remote SPARQL server): its data may change under us.

**Bounds.** At most ``entries`` responses and ``max_bytes`` bytes of bodies (settings
``answer_cache_entries`` and ``answer_cache_bytes``); the least recently used go first, and a body
larger than the whole budget is not kept. ``entries=0`` switches the cache off.

**A new version.** Keys name the version, so an answer of an old version is never served for a
new one; the first request on a new version also drops every entry of the others (the server
follows new versions without a restart: ``queries/store/versions.py``), so their memory is freed.

>>> cache = AnswerCache(entries=2, max_bytes=10)
>>> cache.put("k1", "v1", 200, [], b"12345"); cache.put("k2", "v1", 200, [], b"678")
>>> cache.get("k1").body, cache.hits
(b'12345', 1)
>>> cache.put("k3", "v1", 200, [], b"9")   # two entries at most: k2 (least recently used) goes
>>> cache.get("k2") is None, len(cache), cache.size
(True, 2, 6)
>>> cache.put("k4", "v1", 200, [], b"0" * 11)   # larger than the whole budget: not kept
>>> cache.get("k4") is None
True
>>> cache.follow("v2"); len(cache)   # a new version drops the old one's answers
0
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass


@dataclass(frozen=True)
class Stored:
    """A response as it went out: status, raw headers (before the cache's stamp), body."""

    version: str
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes


class AnswerCache:
    """A bounded least-recently-used map from request keys to whole responses."""

    def __init__(self, *, entries: int, max_bytes: int) -> None:
        self.entries = entries
        self.max_bytes = max_bytes
        self.hits = 0
        self.misses = 0
        self.size = 0  # bytes of the bodies held
        self._items: OrderedDict[str, Stored] = OrderedDict()
        self._version: str | None = None
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return self.entries > 0 and self.max_bytes > 0

    def __len__(self) -> int:
        return len(self._items)

    def follow(self, version: str) -> None:
        """The store is at ``version``: forget the answers of every other version."""
        with self._lock:
            if version == self._version:
                return
            self._version = version
            for key in [k for k, v in self._items.items() if v.version != version]:
                self.size -= len(self._items.pop(key).body)

    def get(self, key: str) -> Stored | None:
        with self._lock:
            found = self._items.get(key)
            if found is None:
                self.misses += 1
                return None
            self._items.move_to_end(key)
            self.hits += 1
            return found

    def put(self, key: str, version: str, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
        if not self.enabled or len(body) > self.max_bytes:
            return
        with self._lock:
            if self._version is not None and version != self._version:
                return  # answered from a version the store has left while it ran: never asked again
            old = self._items.pop(key, None)
            if old is not None:
                self.size -= len(old.body)
            self._items[key] = Stored(version, status, list(headers), body)
            self.size += len(body)
            while len(self._items) > self.entries or self.size > self.max_bytes:
                _, dropped = self._items.popitem(last=False)
                self.size -= len(dropped.body)


__all__ = ["AnswerCache", "Stored"]
