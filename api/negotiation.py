"""Content negotiation by ``Accept``, one way for every route that offers several media types.

Accept ranges with q-values and wildcards are honoured: each offered type takes the q of the most
specific range that matches it; the highest q wins, then the more specific match, then the range
the client listed first, then the server's order (its preferred type first). Malformed entries
(no ``type/subtype``, an unreadable q) are skipped.

>>> choose("text/csv;q=0.5, application/sparql-results+xml", ("application/sparql-results+json",
...        "application/sparql-results+xml", "text/csv"))
'application/sparql-results+xml'
>>> choose("text/*", ("text/html", "text/turtle")), choose("image/png", ("text/html",)) is None
('text/html', True)

No header accepts anything. Without ``aliases`` a type counts only under its own name
(``application/json`` is not JSON-LD), and ``exact`` counts only types the client names: a
browser's ``text/html,...,*/*;q=0.8`` names HTML, ``curl``'s ``*/*`` names nothing.

>>> OFFER = ("text/html", "text/turtle", "application/ld+json", "application/n-triples")
>>> choose(None, OFFER), choose("application/*", OFFER), choose("application/json", OFFER)
('text/html', 'application/ld+json', None)
>>> choose("text/html,application/xml;q=0.9,*/*;q=0.8", OFFER, exact=True), choose("*/*", OFFER, exact=True)
('text/html', None)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence


def choose(accept: str | None, offered: Sequence[str], aliases: Mapping[str, Sequence[str]] | None = None, *,
           exact: bool = False) -> str | None:
    """The offered media type the ``accept`` header prefers, or None when it accepts none.

    ``aliases`` are other names clients use for an offered type; they count only when named
    exactly (``text/*`` must not pick XML through ``text/xml``). ``exact``: wildcards choose
    nothing, only a type (or alias) the client names.
    """
    ranges = parse_accept(accept or "") or [("*/*", 1.0, 0)]
    best: tuple[float, int, int, int] | None = None
    choice = None
    for server_rank, media_type in enumerate(offered):
        match = _best_range(media_type, ranges, (aliases or {}).get(media_type, ()))
        if match is None or match[0] <= 0 or (exact and match[1] < 2):
            continue
        q, specificity, client_rank = match
        key = (q, specificity, -client_rank, -server_rank)
        if best is None or key > best:
            best, choice = key, media_type
    return choice


def parse_accept(header: str) -> list[tuple[str, float, int]]:
    """``[(range, q, position)]`` from an Accept header; malformed entries are skipped."""
    ranges = []
    for position, part in enumerate(header.split(",")):
        media_range, *params = (p.strip() for p in part.split(";"))
        media_range = media_range.lower()
        if media_range.count("/") != 1:
            continue
        q = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = min(max(float(value), 0.0), 1.0)
                except ValueError:
                    q = -1.0
        if q >= 0:
            ranges.append((media_range, q, position))
    return ranges


def _best_range(media_type: str, ranges: list[tuple[str, float, int]], aliases: Sequence[str]
                ) -> tuple[float, int, int] | None:
    """(q, specificity, position) of the most specific range matching ``media_type`` (or, named
    exactly, one of its ``aliases``)."""
    names = (media_type, *aliases)
    best: tuple[float, int, int] | None = None
    for media_range, q, position in ranges:
        major, minor = media_range.split("/")
        if media_range in names:
            specificity = 2
        elif minor == "*" and (major == "*" or media_type.startswith(major + "/")):
            specificity = 0 if major == "*" else 1
        else:
            continue
        if best is None or (specificity, -position) > (best[1], -best[2]):
            best = (q, specificity, position)
    return best
