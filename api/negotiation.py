"""Strict content negotiation for linked-data responses: exactly a type the client asked for.

``choose`` returns one of the offered media types, or None (the caller answers 406). Unlike the
SPARQL endpoint, no alias is taken for a type (``application/json`` is not JSON-LD here): the
``Content-Type`` of the answer is always a type the client listed or matched by a wildcard.

>>> OFFER = ("text/html", "text/turtle", "application/ld+json", "application/n-triples")
>>> choose("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", OFFER)
'text/html'
>>> choose("application/ld+json;q=0.5, text/turtle", OFFER)
'text/turtle'
>>> choose("*/*", OFFER), choose(None, OFFER), choose("application/*", OFFER)
('text/html', 'text/html', 'application/ld+json')
>>> choose("application/json", OFFER) is None, choose("text/turtle;q=0", OFFER) is None
(True, True)
>>> choose("*/*", OFFER, explicit=True) is None
True
"""

from __future__ import annotations

from collections.abc import Sequence


def accept_ranges(header: str) -> list[tuple[str, str, float, int]]:
    """``[(type, subtype, q, position)]``; entries that are not media ranges are skipped."""
    ranges = []
    for position, part in enumerate(header.split(",")):
        media_range, *params = (p.strip() for p in part.split(";"))
        kind, slash, sub = media_range.lower().partition("/")
        if not slash or not kind or not sub:
            continue
        q = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = min(max(float(value), 0.0), 1.0)
                except ValueError:
                    q = 0.0
        ranges.append((kind, sub, q, position))
    return ranges


def choose(accept: str | None, offered: Sequence[str], *, explicit: bool = False) -> str | None:
    """The offered type the client prefers: the highest q of the most specific matching range,
    then the more specific match, then the client's order, then the server's. No header means
    any type. ``explicit``: only types named exactly count (``*/*`` alone chooses nothing)."""
    ranges = accept_ranges(accept) if accept and accept.strip() else [("*", "*", 1.0, 0)]
    best_key, best = None, None
    for rank, media_type in enumerate(offered):
        kind, _, sub = media_type.partition("/")
        match = None  # (specificity, q, position) of the most specific range matching this type
        for rkind, rsub, q, position in ranges:
            specificity = 2 if (rkind, rsub) == (kind, sub) else 1 if (rkind, rsub) == (kind, "*") else \
                0 if (rkind, rsub) == ("*", "*") else -1
            if specificity < 0 or (explicit and specificity < 2):
                continue
            if match is None or specificity > match[0]:
                match = (specificity, q, position)
        if match is None or match[1] <= 0:
            continue
        key = (match[1], match[0], -match[2], -rank)
        if best_key is None or key > best_key:
            best_key, best = key, media_type
    return best
