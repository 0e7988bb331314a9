"""The second step of a claim question: look its claims up by IRI (``parts/claim-details.rq``).

A claim question's own ``.rq`` finds *which* claim acts answer it (a few joins from the
parameter, through indexes); this module then asks :data:`DETAILS_FILE` about those claims, a
page of :data:`CHUNK` IRIs at a time, and joins its rows to the question's rows claim by claim,
as the layouts expect them (one row per fact of a claim, each with the columns every claim has).

Two queries instead of one, because one long query with what a claim may lack is planned badly
by both engines: Oxigraph 0.5 evaluates an OPTIONAL after a long join over the whole store, and
Virtuoso compiles a long UNION into SQL past its limits. Looked up by IRI, each fact is an index
lookup on every engine.

The IRIs in the VALUES line come from the store's own answer (checked as IRIs by
:class:`pyoxigraph.NamedNode`), never from a user's text.

>>> slug_of("https://w3id.org/claimgraph/ontology#polarity-negative")
'negative'
>>> [len(c) for c in chunks(list(range(450)), 200)]
[200, 200, 50]
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import unquote

import pyoxigraph as ox

from claimgraph.ontology import iris
from claimgraph.ontology.namespace import VOCABULARIES
from claimgraph.queries.layouts import ACTOR_KINDS
from claimgraph.queries.settings import get_settings
from claimgraph.queries.store import Backend
from claimgraph.queries.terms import to_python

DETAILS_FILE = Path(__file__).parent / "parts" / "claim-details.rq"
ACTORS_FILE = Path(__file__).parent / "parts" / "actor-details.rq"
KEYS_FILE = Path(__file__).parent / "parts" / "claim-keys.rq"
ARTICLE_KEYS_FILE = Path(__file__).parent / "parts" / "article-keys.rq"
NAMES_FILE = Path(__file__).parent / "parts" / "names.rq"
TEXTS_FILE = Path(__file__).parent / "parts" / "article-texts.rq"
CHAINS_FILE = Path(__file__).parent / "parts" / "claim-chains.rq"
CHUNK = 200
#: The fewest claims :func:`lookup` reads in one query when it reads parts side by side.
DETAIL_PART = 25
_VALUES = "VALUES ?claim { }"
# Controlled values come back as IRIs; the answer names them by their slugs.
CONTROLLED = {"illocutionValue": "illocution", "polarityValue": "polarity", "certaintyValue": "certainty",
              "confidenceValue": "analystConfidence"}
T = TypeVar("T")


@lru_cache(maxsize=1)
def _slugs() -> dict[str, str]:
    return {str(iri): slug for values in VOCABULARIES.values() for slug, iri in values.items()}


def slug_of(iri: str | None) -> str | None:
    """The slug of a controlled value's IRI (``cg:polarity-negative`` -> ``negative``)."""
    return None if iri is None else _slugs().get(iri, iri.rsplit("#", 1)[-1])


@lru_cache(maxsize=None)  # one entry per part file: read once per process, not per request
def part_text(path: Path) -> str:
    """A part query's text without its comments and blank lines."""
    lines = [line for line in path.read_text(encoding="utf-8").splitlines()
             if line.strip() and not line.lstrip().startswith("#")]
    return "\n".join(lines) + "\n"


@lru_cache(maxsize=None)
def details_query(path: Path = DETAILS_FILE, values: str = _VALUES) -> str:
    """The query text without its comments, with the empty VALUES line to fill."""
    text = part_text(path)
    if text.count(values) != 1:
        raise ValueError(f"{path} must hold the line {values!r} once")
    return text


def chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def rows_of(items: Sequence[str], backend: Backend, path: Path, chunk: int, variable: str = "claim",
            bindings: dict[str, ox.NamedNode | ox.Literal] | None = None, *, threads: int = 1
            ) -> Iterator[dict[str, Any]]:
    """The rows of the part query at ``path`` about these IRIs (bound to ``?variable`` by its
    VALUES line), a page of IRIs at a time, its controlled values named by their slugs; its other
    variables bound as ``bindings`` say. With ``threads`` over 1, the pages are read side by side
    on that many threads (the engine works without Python's lock), their rows given in order."""
    empty = f"VALUES ?{variable} {{ }}"
    template = details_query(path, empty)

    def read(page: Sequence[str]) -> list[dict[str, Any]]:
        values = f"VALUES ?{variable} {{ " + " ".join(str(ox.NamedNode(iri)) for iri in page) + " }"
        return backend.select(template.replace(empty, values), bindings)[1]
    pages = list(chunks(items, chunk))
    for rows in (_pool(threads).map(read, pages) if threads > 1 and len(pages) > 1 else map(read, pages)):
        for row in rows:
            plain = {k: to_python(v) for k, v in row.items()}
            for column, name in CONTROLLED.items():
                if column in plain:
                    plain[name] = slug_of(plain.pop(column))
            yield plain


@lru_cache(maxsize=None)
def _pool(threads: int) -> ThreadPoolExecutor:
    """The threads that read pages of one answer's IRIs side by side (one pool per size)."""
    return ThreadPoolExecutor(threads, thread_name_prefix="claimgraph-details")


def lookup(claims: Sequence[str], backend: Backend, *, chunk: int = CHUNK, threads: int | None = None
           ) -> dict[str, list[dict[str, Any]]]:
    """The detail rows of each claim, the row of what every claim has first.

    The claims are read in parts side by side, one per thread (``threads``, or the setting
    ``CLAIMGRAPH_DETAIL_THREADS``; each part at least :data:`DETAIL_PART` claims, at most
    ``chunk``): at 100k claims, a page of 100 claims in two parts of 50 on two threads takes
    26 ms against 48 ms in one query (``docs/decisions/0039-claim-details-side-by-side.md``)."""
    threads = threads or get_settings().detail_threads
    part = min(chunk, max(DETAIL_PART, -(-len(claims) // threads)))
    found: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for plain in rows_of(claims, backend, DETAILS_FILE, part, threads=threads):
        found[plain["claim"]].append(plain)
    return {claim: _card_first(rows) for claim, rows in found.items()}


def keys(claims: Sequence[str], backend: Backend, *, chunk: int = CHUNK) -> dict[str, dict[str, Any]]:
    """One ``claim`` row per claim with what orders claims and what summaries count: the columns
    of :func:`lookup`'s claim row that these need, with the same speaker (the one whose slug sorts
    first) and ``voice``. Three part queries: ``parts/claim-keys.rq`` per claim, then
    ``parts/article-keys.rq`` per article and ``parts/names.rq`` per speaker, each once. Claims
    :func:`lookup` leaves out are left out."""
    acts: dict[str, dict[str, Any]] = {}
    speakers: dict[str, set[str]] = defaultdict(set)
    for plain in rows_of(claims, backend, KEYS_FILE, chunk):
        claim = plain["claim"]
        speaker, values = claim_key(plain["key"])
        speakers[claim].add(speaker)
        acts.setdefault(claim, values)
    articles = article_keys(sorted({act["article"] for act in acts.values()}), backend, chunk)
    names = {row["entity"]: row for row in rows_of(sorted(set().union(*speakers.values())), backend, NAMES_FILE,
                                                    chunk, "entity")}
    cards: dict[str, dict[str, Any]] = {}
    for claim, act in acts.items():
        named = sorted((names[s]["slug"], names[s]["label"]) for s in speakers[claim] if s in names)
        article = articles.get(act["article"])
        if not named or article is None:
            continue
        cards[claim] = {**act, **article, "speakerSlug": named[0][0], "speakerLabel": named[0][1],
                        "claim": claim, "facet": "claim"}
    return cards


def claim_key(key: str) -> tuple[str, dict[str, Any]]:
    r"""A claim's speaker and key columns, from its ``cg:claimKey`` (``ontology/rules/claim-key.rq``:
    tab-separated, the time label last), as the detail rows name and type them.

    >>> claim_key("a\ts\thttps://w3id.org/claimgraph/ontology#illocution-asserts\tp\tc\town\t3\t\t\t")
    ('s', {'article': 'a', 'illocution': 'asserts', 'polarity': 'p', 'certainty': 'c', 'voice': 'own', 'paragraph': 3})
    """
    article, speaker, illocution, polarity, certainty, voice, paragraph, earliest, latest, label = key.split("\t", 9)
    values: dict[str, Any] = {"article": article, "illocution": slug_of(illocution), "polarity": slug_of(polarity),
                              "certainty": slug_of(certainty), "voice": voice}
    if paragraph:
        values["paragraph"] = int(paragraph)
    if earliest and latest:
        values["claimEarliest"], values["claimLatest"] = earliest, latest
    if label:
        values["claimLabel"] = label
    return speaker, values


def article_keys(articles: Sequence[str], backend: Backend, chunk: int) -> dict[str, dict[str, Any]]:
    """Each article's key columns, by IRI, from its ``cg:articleKey`` (``parts/article-keys.rq``);
    an article without one is left out."""
    found: dict[str, dict[str, Any]] = {}
    for plain in rows_of(articles, backend, ARTICLE_KEYS_FILE, chunk, "article"):
        found.setdefault(plain["article"], article_key_columns(plain["key"]))
    return found


def article_key_columns(key: str) -> dict[str, Any]:
    r"""An article's key columns from its ``cg:articleKey`` (``ontology/rules/article-key.rq``:
    tab-separated, the labels percent-encoded), as the detail rows name them.

    >>> article_key_columns("a-1\tA%09title\t2025-01-02\t2025-01-03\tout\tThe%20Outlet\t")["articleLabel"]
    'A\ttitle'
    """
    slug, label, earliest, latest, outlet_slug, outlet_label, time_label = key.split("\t")
    values = {"articleSlug": slug, "articleLabel": unquote(label), "published": earliest, "publishedLatest": latest,
              "outletSlug": outlet_slug, "outletLabel": unquote(outlet_label)}
    if time_label:
        values["publishedLabel"] = unquote(time_label)
    return values


CARD = ("claim", "article", "speaker", "proposition")


def _card_first(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The four rows of what every claim has joined into one ``claim`` row, first; the other
    facts after it. Without all four, no ``claim`` row (the claim is then left out).

    A claim with several speakers (a joint statement) has one speaker row each: the card takes the
    speaker whose slug sorts first (the same on every engine), and every speaker row stays among
    the facts as a ``speakers`` row."""
    card: dict[str, dict[str, Any]] = {}
    others = []
    speakers = sorted((r for r in rows if r["facet"] == "speaker"), key=lambda r: r.get("speakerSlug") or "")
    for row in rows:
        if row["facet"] == "speaker":
            continue
        if row["facet"] in CARD:
            card.setdefault(row["facet"], row)
        else:
            others.append(row)
    if speakers:
        card["speaker"] = speakers[0]
        others += [{**r, "facet": "speakers"} for r in speakers]
    if len(card) < len(CARD):
        return others
    joined: dict[str, Any] = {}
    for facet in reversed(CARD):
        joined.update({k: v for k, v in card[facet].items() if v is not None})
    joined["facet"] = "claim"
    return [joined, *others]


def with_details(rows: list[dict[str, Any]], backend: Backend, *, threads: int | None = None) -> list[dict[str, Any]]:
    """The question's rows joined with their claims' detail rows, in the question's row order.

    A claim without its row of what every claim has (which SHACL rules out at ingestion) is left
    out rather than shown half. An ``answers`` fact joins a row only when the act it answers is
    about that row's ``charge`` (the accusations question), or when the row has no charge.
    ``threads``: those the claims are looked up on (:func:`lookup`).
    """
    claims = list(dict.fromkeys(row["claim"] for row in rows if row.get("claim") is not None))
    found = lookup(claims, backend, threads=threads)
    merged = []
    for row in rows:
        details = found.get(row.get("claim"), [])
        if not details or details[0]["facet"] != "claim":
            continue
        for detail in details:
            if detail["facet"] == "answers" and row.get("charge") not in (None, detail.get("answeredContent")):
                continue
            merged.append({**detail, **row})
    return merged


def with_keys(rows: list[dict[str, Any]], backend: Backend, *, chains: bool = False) -> list[dict[str, Any]]:
    """The question's rows joined with their claims' key rows (:func:`keys`), in the question's
    row order; a claim without one is left out, as :func:`with_details` leaves it out.

    With ``chains``, each claim's key row is followed by rows of the facts that summaries showing
    whom a claim is relayed through and its articles whole need (:func:`key_extras`)."""
    found = keys(list(dict.fromkeys(row["claim"] for row in rows if row.get("claim") is not None)), backend)
    extras = key_extras(found, backend) if chains else {}
    merged = []
    for row in rows:
        if row.get("claim") in found:
            merged.append({**found[row["claim"]], **row})
            merged.extend({**extra, **row} for extra in extras.get(row["claim"], ()))
    return merged


def key_extras(cards: dict[str, dict[str, Any]], backend: Backend, *, chunk: int = CHUNK
               ) -> dict[str, list[dict[str, Any]]]:
    """Per claim of ``cards`` (:func:`keys`), the rows :func:`lookup` gives it that name its
    article's printed title, description and authors (``parts/article-texts.rq``, each article
    once) and, for a reported claim, each relay of its chain (``parts/claim-chains.rq``)."""
    articles: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for plain in rows_of(sorted({card["article"] for card in cards.values()}), backend, TEXTS_FILE, chunk, "article"):
        articles[plain.pop("article")].append({k: v for k, v in plain.items() if v is not None})
    extras: dict[str, list[dict[str, Any]]] = {claim: [{**fact, "claim": claim} for fact in articles.get(card["article"], ())]
                                               for claim, card in cards.items()}
    reported = [claim for claim, card in cards.items() if card.get("voice") == "reported"]
    for plain in rows_of(reported, backend, CHAINS_FILE, chunk):
        extras[plain["claim"]].append({k: v for k, v in plain.items() if v is not None})
    return extras


SIDE_FIELDS = ("speakerSlug", "speakerLabel", "outletSlug", "outletLabel", "articleSlug", "illocution", "polarity",
               "proposition", "propositionLabel", "core", "paraphrase")


def with_sides(rows: list[dict[str, Any]], backend: Backend, sides: Sequence[str] = ("a", "b")
               ) -> list[dict[str, Any]]:
    """Rows of pairs of claims (``?a``, ``?b``), each side's columns added with its prefix
    (``aSpeakerSlug``, ``bVoice`` ...). A pair with a side not found is left out."""
    claims = list(dict.fromkeys(row[side] for row in rows for side in sides if row.get(side) is not None))
    found = lookup(claims, backend)
    merged = []
    for row in rows:
        out = dict(row)
        for side in sides:
            details = found.get(row.get(side), [])
            if not details or details[0]["facet"] != "claim":
                break
            card = details[0]
            for name in SIDE_FIELDS:
                out[side + name[0].upper() + name[1:]] = card.get(name)
            out[side + "Voice"] = "reported" if any(d["facet"] == "relay" for d in details) else "own"
        else:
            merged.append(out)
    return merged


_ACTOR_VALUES = "VALUES ?actor { }"


def actor_slugs(rows: list[dict[str, Any]]) -> list[str]:
    """The slugs an answer's rows may name actors with: every ``*Slug`` and ``slug`` column, and
    the space-separated ``*Slugs`` lists. Slugs of events, places and articles are among them and
    simply find no actor."""
    found: dict[str, None] = {}
    for row in rows:
        for column, value in row.items():
            if not isinstance(value, str) or not value:
                continue
            if column == "slug" or column.endswith("Slug"):
                found[value] = None
            elif column.endswith("Slugs"):
                found.update(dict.fromkeys(value.split()))
    return sorted(found)


def actors(slugs: Sequence[str], backend: Backend, *, chunk: int = CHUNK, rollup: bool = False
           ) -> dict[str, dict[str, Any]]:
    """Who each actor is, by slug: ``{slug: {"slug", "label", "kind", "role", "affiliations"}}``
    (affiliations: ``{"relation", "slug", "label"}``, sorted). Slugs that name no actor are left
    out. With ``rollup``, each card also has ``states``: the slugs of the states the actor rolls up
    to through ``represents`` and ``part-of`` (itself, if it is a state); the actors it rolls up
    through are looked up round by round, and added to the cards."""
    cards = _cards(slugs, backend, chunk)
    if not rollup:
        return cards
    while missing := sorted({a["slug"] for card in cards.values() for a in card["affiliations"]
                             if a["relation"] in ROLLUP and a["slug"] not in cards} - set(slugs)):
        found = _cards(missing, backend, chunk)
        if not found:
            break
        cards.update(found)

    def states(slug: str, path: tuple[str, ...] = ()) -> set[str]:
        card = cards.get(slug)
        if card is None or slug in path:
            return set()
        if card["kind"] == "state":
            return {slug}
        return {s for a in card["affiliations"] if a["relation"] in ROLLUP for s in states(a["slug"], (*path, slug))}

    for slug, card in cards.items():
        card["states"] = sorted(states(slug))
    return cards


ROLLUP = ("represents", "part-of")


def _cards(slugs: Sequence[str], backend: Backend, chunk: int) -> dict[str, dict[str, Any]]:
    """The cards of these actors (the slugs that name one), each a copy: those of a version are
    looked up once per process while it answers (:meth:`Backend.memo`), the others each time."""
    memo = backend.memo("actor-cards")
    if memo is None:
        return _look_up_cards(slugs, backend, chunk)
    missing = [slug for slug in dict.fromkeys(slugs) if slug not in memo]
    if missing:
        found = _look_up_cards(missing, backend, chunk)
        memo.update((slug, found.get(slug)) for slug in missing)  # None: no actor has that slug
    return {slug: dict(card) for slug in dict.fromkeys(slugs) if (card := memo.get(slug)) is not None}


def _look_up_cards(slugs: Sequence[str], backend: Backend, chunk: int) -> dict[str, dict[str, Any]]:
    template = details_query(ACTORS_FILE, _ACTOR_VALUES)
    cards: dict[str, dict[str, Any]] = {}
    facts: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for page in chunks(list(slugs), chunk):
        values = "VALUES ?actor { " + " ".join(str(ox.NamedNode(str(iris.entity("actor", s)))) for s in page) + " }"
        _, rows = backend.select(template.replace(_ACTOR_VALUES, values))
        for row in rows:
            plain = {k: to_python(v) for k, v in row.items()}
            facts[plain["actor"]].append(plain)
    for rows in facts.values():
        card = next((r for r in rows if r["facet"] == "actor"), None)
        if card is None:
            continue
        roles = sorted(r["role"] for r in rows if r["facet"] == "role")
        affiliations = sorted({(r["relation"], r["otherSlug"], r["otherLabel"]) for r in rows if r["facet"] == "affiliation"})
        kind = card["class"].rsplit("#", 1)[-1]
        cards[card["slug"]] = {
            "slug": card["slug"], "label": card["label"], "kind": ACTOR_KINDS.get(kind, kind),
            "role": roles[0] if roles else None,
            "affiliations": [{"relation": rel, "slug": slug, "label": label} for rel, slug, label in affiliations],
        }
    return cards


def describe(obj: Any, cards: dict[str, dict[str, Any]]) -> Any:
    """Give every actor an answer names (a dict with ``slug`` and ``label``) its ``kind``, ``role``
    and ``affiliations`` as the registry holds them; returns the object, changed in place."""
    if isinstance(obj, dict):
        card = cards.get(obj.get("slug")) if isinstance(obj.get("slug"), str) and "label" in obj else None
        if card is not None:
            obj.setdefault("kind", card["kind"])
            obj.setdefault("role", card["role"])
            obj.setdefault("affiliations", [dict(a) for a in card["affiliations"]])
        for key, value in obj.items():
            if key != "affiliations" and isinstance(value, (dict, list)):
                describe(value, cards)
    elif isinstance(obj, list):
        for value in obj:
            if isinstance(value, (dict, list)):  # not into each slug of a long list of them
                describe(value, cards)
    return obj


__all__ = ["ACTORS_FILE", "CHUNK", "DETAILS_FILE", "KEYS_FILE", "TEXTS_FILE", "actor_slugs", "actors", "article_key_columns",
           "article_keys",
           "claim_key", "describe", "details_query",
           "key_extras", "keys", "lookup", "rows_of", "slug_of", "with_details", "with_keys", "with_sides"]
