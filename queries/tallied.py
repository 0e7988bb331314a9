"""Answers whose counts come from the store's tallies (:mod:`claimgraph.queries.tally`).

A question with ``tallied: true`` in its header, asked of a store that keeps tallies:

- ``timeline``: its own query does not run. The events it lists are kept in an index (per
  graph, read once a version's quads are loaded: ``tallies/events.rq``), so the page of events
  is found there, and only its events are looked up (:func:`timeline`); each event's counts
  (claims, articles, outlets, when they were said) are the sums of the articles' rows
  (:func:`fill_timeline`). On tallies made before the index, its own query runs without its
  ``#if !tallied`` block (the claims about each event), and the counts are filled in the same way.
- ``search``: the entities' names are matched in those kept in the tallies (``tallies/names.rq``,
  also read per graph), which give its query's rows (:func:`search_rows`); with ``type`` claim,
  the claims are matched, ranked and paged in their texts kept there (``tallies/claim-texts.rq``,
  per article), and nothing is asked of the store (:func:`search`).
- ``network``: its own query does not run. The edges' totals are kept per edge, ordered by an
  index, so the page of edges asked for is one read, and ``total`` a count of rows
  (:func:`network`); the outlets, deeds and events of the page's edges come from their articles'
  rows, and the names of their actors, deeds and events from the store (``parts/entity-names.rq``).

The rows handed to the layout are those the question's query would give, so the layout, and the
answer, are the same (``tests/queries/test_tallies.py`` asks every case both ways).
"""

from __future__ import annotations

import functools
import heapq
import itertools
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox

from claimgraph.ontology import iris
from claimgraph.ontology.namespace import CG
from claimgraph.queries.details import (CHUNK, TEXTS_FILE, actor_slugs, actors, article_keys, describe, part_text,
                                        rows_of, with_details, with_keys, with_sides)
from claimgraph.queries.layouts import (LAYOUTS, STANCES, Whole, article_order, article_record, corroboration_items,
                                        event_claims_summaries,
                                        first_per, natural, outlet_entity, outlet_summaries, speaker_summaries,
                                        timeline_order, when_group)
from claimgraph.queries.terms import to_python
from claimgraph.queries.settings import get_settings
from claimgraph.queries.store import Backend
from claimgraph.queries.tally import CLAIM_PREFIX, PROPOSITION_PREFIX, slug_of_actor, voice_kind
from claimgraph.queries.tally_store import Tallies

if TYPE_CHECKING:
    from claimgraph.queries.run import Prepared

#: The layouts whose whole answer comes from the tallies, built for the page asked for only (the
#: timeline's counts are filled into its own query's rows instead: :func:`fill_timeline`); the
#: claim layouts of :data:`ANCHORS` only with their one anchoring parameter (:func:`answers`).
PAGED = ("network", "contradictions", "articles", "event-claims", "speaker", "outlet", "accusations", "corroboration",
         "timeline", "search")
_PARTS = Path(__file__).parent / "parts"
CHARGE_CLAIMS_FILE = _PARTS / "charge-claims.rq"
#: Claim layouts paged from the tallies' claim counts: the kind of anchor the tallies count their
#: claims by, the parameter that names it, and the part query that finds the anchor's claims in
#: given articles.
ANCHORS = {
    "event-claims": ("event", "event", _PARTS / "event-claims-in-articles.rq"),
    "speaker": ("speaker", "actor", _PARTS / "speaker-claims-in-articles.rq"),
    "outlet": ("outlet", "outlet", _PARTS / "outlet-claims-in-articles.rq"),
}
OUTLET_FILE = _PARTS / "outlet-facts.rq"
NAMES_FILE = Path(__file__).parent / "parts" / "entity-names.rq"
PARTNERS_FILE = Path(__file__).parent / "parts" / "contradiction-partners.rq"
ARTICLES_FILE = Path(__file__).parent / "parts" / "article-rows.rq"
EXPLICIT_FILE = Path(__file__).parent / "parts" / "explicit-links.rq"
RELATED_FILE = Path(__file__).parent / "parts" / "related-events.rq"
AFFILIATED_FILE = _PARTS / "affiliated-claims-in-articles.rq"
DERIVED_BY_FILE = _PARTS / "derived-by.rq"
EVENTS_FILE = _PARTS / "event-rows.rq"


def answers(prepared: Prepared, tallies: Tallies) -> bool:
    """Is this question's answer built from the tallies? The tallied layouts of :data:`PAGED`; the
    claim layouts of :data:`ANCHORS` with a page size and no parameter but their anchor (a boolean
    one false; an ``event`` for the speaker changes which claims the answer holds and shows its
    timeline of all of them), but for three: an event's ``related`` adds up the related events'
    counts, the outlet's ``voice`` is paged from the outlet's claims of that voice, and the
    speaker's ``affiliated`` from the claims of those affiliated, each counted apart; on tallies
    that count claims."""
    layout = prepared.question.layout
    if layout not in PAGED:
        return False
    if layout == "accusations":
        return prepared.limit is not None and tallies.has("charges")
    if layout == "corroboration":
        return tallies.has("propositions")
    if layout == "timeline":  # tallies without an index of events: its counts are filled in (:func:`fill_timeline`)
        return tallies.has("event_index")
    if layout == "search":  # claims, from their texts (:func:`search`); names, from :func:`search_rows`
        asked = prepared.bindings.get("type")
        return asked is not None and asked.value == "claim" and tallies.has("claim_texts")
    if layout not in ANCHORS:
        return True
    param = ANCHORS[layout][1]
    others = [name for name, term in prepared.bindings.items()
              if name != param and not (prepared.question.param(name).type == "boolean" and term.value == "false")]
    if layout == "event-claims" and others == ["related"]:  # the related events' claims, added up
        return prepared.limit is not None and tallies.has("event_overlaps")
    if layout == "speaker" and others == ["affiliated"]:  # those affiliated, counted apart (:func:`claims`)
        return prepared.limit is not None and tallies.has("outlet_voices")
    return prepared.limit is not None and not others and tallies.has("outlet_voices")


def _group(layout: str, claim: dict[str, Any]) -> tuple[str, ...]:
    """The group of the tallies' ``claim_groups`` a laid-out claim is counted in: when it was said
    and its article; for an outlet, when its article was published (stored as the time said, with
    an empty latest) and its article."""
    if layout == "outlet":
        earliest = article_order(claim)[0]
        return (earliest, "", earliest, claim["article"]["slug"])
    return when_group(claim)


def claims(prepared: Prepared, backend: Backend, tallies: Tallies) -> Whole | None:
    """The page of claims about an event (``event-claims``), by an actor (``speaker``) or of an
    outlet (``outlet``), and the summaries of all of them, from the tallies' counts: the claims
    are counted per article and time in the answer's order, so the articles that hold the page are
    found by adding counts up; only their claims of the anchor are keyed and ordered (the layout's
    own order), and only the page's looked up in full. The summaries come from the counts per
    speaker, outlet, stance and voice (and an outlet's by whom it gives voice to, and its
    articles), through the layout's own summary code; the names of their actors from the actors'
    cards, which the answer describes them with. None when the claims of the page's articles are
    not those the counts say, or an outlet has no claims (the question is then answered without
    the tallies). An outlet's ``voice`` pages from its claims of that voice, counted apart (the
    summaries count all its claims, as the layout does); an event's ``related`` from the groups
    and counts of every related event added up, less its claims about several of them
    (:func:`_related_tallies`)."""
    layout_name = prepared.question.layout
    kind, param, part = ANCHORS[layout_name]
    layout = LAYOUTS[layout_name]
    anchor = prepared.bindings[param].value
    anchor_slug = anchor.rsplit("/", 1)[-1]
    base = {name: to_python(term) for name, term in prepared.bindings.items()}  # as the question's rows hold them
    start, end = prepared.offset, prepared.offset + (prepared.limit or 0)
    voice = prepared.options.get("voice") if kind == "outlet" else None
    related = kind == "event" and asks_related(prepared.bindings)
    how: dict[str, list[str]] = {}  # with related: each event's IRI, and how it relates to the asked one
    if related:
        how = related_events(prepared.bindings[param], backend)
        groups, counts = _related_tallies(tallies, sorted(_slug(event) for event in how))
    else:
        groups, counts = tallies.claim_groups(kind, anchor_slug), tallies.claim_counts(kind, anchor_slug)
    if kind == "outlet":
        groups = list(groups)  # every article of the outlet is in its summaries
    paged = groups if voice is None else list(tallies.claim_groups(voice_kind(voice), anchor_slug))
    affiliated = kind == "speaker" and _holds(prepared.bindings, "affiliated")
    if affiliated and not derives(backend, CG.affiliatedVoiceOf):
        return None  # a store made before the rule: its tallies do not count those affiliated
    apart: Future | None = None
    if affiliated:  # its page made beside the actor's own, on the other core (the tallies read here only)
        chosen = _choose(tallies.claim_groups("affiliated", anchor_slug), start, end)
        apart = _beside(get_settings().question_workers).submit(
            _affiliated, prepared, backend, chosen, tallies.claim_counts("affiliated", anchor_slug), base)
    if related:  # the rows the #if related block gives: a claim once per related event it concerns
        def rows(graphs: list[str]) -> list[dict[str, Any]]:
            return [{**base, "claim": row["claim"], "viaSlug": _slug(event), "relation": relation}
                    for event, relations in how.items()
                    for row in rows_of(graphs, backend, part, CHUNK, "graph", {"anchor": ox.NamedNode(event)})
                    for relation in relations]
    else:
        def rows(graphs: list[str]) -> list[dict[str, Any]]:
            return _claim_rows(graphs, backend, part, prepared.bindings[param], base)
    found = _page(layout_name, _choose(paged, start, end), start, end, rows, backend, voice,
                  threads=1 if apart is not None else None)
    if found is None:
        return None  # the claims did not come back as the counts say: the caller answers without them
    items, full_rows = found
    total = sum(row[-1] for row in counts if voice is None or row[3] == voice)  # every claim, once in the counts
    if voice is not None and sum(row[-1] for row in paged) != total:
        return None  # tallies made before the claims of one voice were counted apart
    if kind == "outlet":
        if not counts:
            return None  # no claims: the outlet question's own rows say nothing of the outlet
        extra, named = _outlet_extra(prepared.bindings[param], anchor_slug, groups, counts, full_rows, backend, tallies)
    else:
        counted, cards = _counted(counts, full_rows, backend)
        summaries = event_claims_summaries if kind == "event" else speaker_summaries
        extra, named = summaries(counted, lambda item: item["claims"]), cards
    if apart is not None:
        beside = apart.result()
        if beside is None:
            return None
        extra["affiliated"], apart_cards = beside
        named = {**named, **apart_cards}
    describe(items, named)
    describe(extra, named)
    whole = Whole(items, extra)
    whole.total, whole.start = total, prepared.offset
    return whole


@functools.cache
def _beside(threads: int) -> ThreadPoolExecutor:
    """The threads that build one part of an answer beside the rest (the page of those affiliated
    with a speaker, beside the speaker's own), shared by every request: one for each question that
    may run at once (setting ``question_workers``), so that none waits for another's."""
    return ThreadPoolExecutor(threads, thread_name_prefix="claimgraph-beside")


def _choose(groups: Iterable[tuple[Any, ...]], start: int, end: int) -> tuple[set[tuple[Any, ...]], int, int]:
    """The groups (per time and article, in the answer's order, each ending in its count) that
    hold the claims ``start`` to ``end``: their keys, how many claims come before the first of
    them, and how many claims they hold. ``groups`` is read only as far as the page's end."""
    seen, first, chosen, held = 0, 0, set(), 0
    for *group, count in groups:
        if seen >= end:
            break
        if seen + count > start:
            first = first if chosen else seen
            chosen.add(tuple(group))
            held += count
        seen += count
    return chosen, first, held


def _page(layout_name: str, chosen_groups: tuple[set[tuple[Any, ...]], int, int], start: int, end: int,
          rows: Callable[[list[str]], list[dict[str, Any]]], backend: Backend, voice: str | None = None,
          *, threads: int | None = None) -> tuple[list[dict[str, Any]], list[dict[str, Any]]] | None:
    """The claims ``start`` to ``end`` in full, with their full rows, from the groups that hold
    them (:func:`_choose`): ``rows`` gives the question's rows of their articles' claims (from the
    articles' derived graphs), only those are keyed and ordered by the layout's own code, and only
    the page's are looked up in full (on ``threads``, the setting's by default). None when the
    claims do not come back as the counts say. Asks the store, never the tallies."""
    layout = LAYOUTS[layout_name]
    chosen, first, held = chosen_groups
    if not chosen:
        return [], []
    found = rows(sorted({str(iris.derived_graph(slug)) for *_, slug in chosen}))
    light = layout.build(with_keys(found, backend)).items
    inside = [item["claim"] for item in light
              if _group(layout_name, item) in chosen and (voice is None or item["voice"] == voice)]
    page = inside[start - first:end - first]
    on_page = set(page)
    full_rows = with_details([row for row in found if row["claim"] in on_page], backend, threads=threads)
    full = {item["claim"]: item for item in layout.build(full_rows).items}
    if len(inside) != held or set(full) != set(page):
        return None
    return [full[claim] for claim in page], full_rows


def _claim_rows(graphs: list[str], backend: Backend, part: Path, anchor: Any, base: dict[str, Any]
                ) -> list[dict[str, Any]]:
    """The question's rows of the claims ``part`` finds for ``anchor`` in the derived ``graphs``."""
    found = rows_of(graphs, backend, part, CHUNK, "graph", {"anchor": anchor})
    return [{**base, "claim": claim} for claim in dict.fromkeys(row["claim"] for row in found)]


def _affiliated(prepared: Prepared, backend: Backend, chosen: tuple[set[tuple[Any, ...]], int, int],
                counts: list[tuple[str, str, str, str, int]], base: dict[str, Any]
                ) -> tuple[dict[str, Any], dict[str, dict[str, Any]]] | None:
    """The speaker answer's ``affiliated``: the claims of those who work for the actor without
    speaking for it (``cg:affiliatedVoiceOf``), counted apart in the tallies (kind "affiliated"),
    from the groups that hold the page (:func:`_choose`) and the counts, both read before: by
    speaker and stance, their ``total``, and the same page of them as the answer's own claims (the
    layout's order: when said). With the cards of the actors they name; None when the page's
    claims do not come back as the counts say. Asks the store only: it runs beside the answer's
    own page (:func:`claims`), each page's claims looked up in full on one thread."""
    start, end = prepared.offset, prepared.offset + (prepared.limit or 0)
    found = _page("speaker", chosen, start, end,
                  lambda graphs: _claim_rows(graphs, backend, AFFILIATED_FILE, prepared.bindings["actor"], base),
                  backend, threads=1)
    if found is None:
        return None
    page, full_rows = found
    counted, cards = _counted(counts, full_rows, backend)
    summaries = speaker_summaries(counted, lambda item: item["claims"])
    return {"speakers": summaries["speakers"], "by_stance": summaries["by_stance"],
            "total": sum(row[-1] for row in counts), "claims": page}, cards


def _counted(counts: list[tuple[str, str, str, str, int]], full_rows: list[dict[str, Any]], backend: Backend
             ) -> tuple[list[dict[str, Any]], dict[str, dict[str, Any]]]:
    """The tallies' claim counts (speaker, outlet, stance, voice, claims) as the items the
    summaries count, each standing for its ``claims``, with the cards of every actor they and the
    page's ``full_rows`` name."""
    cards = actors(sorted({*actor_slugs(full_rows), *(row[0] for row in counts), *(row[1] for row in counts)}),
                   backend)
    names = {slug: {"slug": slug, "label": card["label"]} for slug, card in cards.items()}
    return [{"speaker": names[speaker], "outlet": names[outlet], "stance": stance, "voice": voice, "claims": n}
            for speaker, outlet, stance, voice, n in counts if speaker in names and outlet in names], cards


def derives(backend: Backend, term: Any) -> bool:
    """Was the store built with the rule that derives ``term`` (``parts/derived-by.rq``)?"""
    _, found = backend.select(part_text(DERIVED_BY_FILE), {"term": ox.NamedNode(str(term))})
    return bool(found)


def _slug(iri: str) -> str:
    """The slug of a registry entry, from its IRI (``iris.entity`` makes one from the other)."""
    return iri.rsplit("/", 1)[-1]


def _holds(bindings: dict[str, Any], name: str) -> bool:
    """Is the boolean parameter ``name`` given, and true?"""
    return name in bindings and bindings[name].value == "true"


def asks_related(bindings: dict[str, Any]) -> bool:
    """Does the question ask about an event's related events too (``related`` true)?"""
    return _holds(bindings, "related")


def related_events(event: Any, backend: Backend) -> dict[str, list[str]]:
    """The events the ``#if related`` block of ``event-claims.rq`` reaches from ``event``, by
    IRI, each with how it relates to it (``parts/related-events.rq``)."""
    _, found = backend.select(part_text(RELATED_FILE), {"event": event})
    how: dict[str, list[str]] = {}
    for row in found:
        how.setdefault(row["about"].value, []).append(row["relation"].value)
    return how


def _related_tallies(tallies: Tallies, events: list[str]
                     ) -> tuple[Iterator[tuple[str, str, str, str, int]], list[tuple[str, str, str, str, int]]]:
    """The claim groups and counts of the claims about any of ``events`` (slugs), as
    :meth:`Tallies.claim_groups` and :meth:`Tallies.claim_counts` give them for one: each event's,
    added up, less the claims counted more than once (a claim about several of the events is one
    claim of the answer: ``event_overlaps``)."""
    extra_groups: Counter[tuple[str, ...]] = Counter()
    extra_counts: Counter[tuple[str, ...]] = Counter()
    seen: dict[str, list[Any]] = {}
    for _event, claim, *columns in tallies.event_overlaps(events):
        seen.setdefault(claim, [0, columns])[0] += 1
    for times, columns in seen.values():
        extra_groups[tuple(columns[:4])] += times - 1
        extra_counts[tuple(columns[4:])] += times - 1
    counted: Counter[tuple[str, ...]] = Counter()
    for event in events:
        for *key, n in tallies.claim_counts("event", event):
            counted[tuple(key)] += n
    counts = [(*key, n - extra_counts[key]) for key, n in counted.items() if n > extra_counts[key]]

    def groups() -> Iterator[tuple[str, str, str, str, int]]:
        merged = heapq.merge(*(tallies.claim_groups("event", event) for event in events), key=lambda group: group[:4])
        for key, same in itertools.groupby(merged, key=lambda group: tuple(group[:4])):
            n = sum(group[4] for group in same) - extra_groups[key]
            if n > 0:
                yield (*key, n)  # type: ignore[misc]
    return groups(), counts  # type: ignore[return-value]


def accusations(prepared: Prepared, backend: Backend, tallies: Tallies) -> Whole | None:
    """The page of charges, each with all its claims: the charges some act affirms (by
    ``accuser``, against ``accused``), their number and their order (the charged actor's slug,
    the charge's label and IRI) from the tallies' ``charges``; the claims of the page's charges
    only are found (``parts/charge-claims.rq``) and looked up in full, in the rows the question's
    own query gives them in. None when the page's charges do not come back as the tallies say (the
    question is then answered without them)."""
    bound = {name: slug_of_actor(term.value) for name, term in prepared.bindings.items()}  # both are actors
    total, page = tallies.charges(accused=bound.get("accused"), accuser=bound.get("accuser"),
                                  limit=prepared.limit, offset=prepared.offset)
    accused = {charge: slug for slug, _, charge in page}
    claims: dict[str, set[str]] = {charge: set() for charge in accused}
    for row in rows_of(list(accused), backend, CHARGE_CLAIMS_FILE, CHUNK, variable="charge"):
        claims[row["charge"]].add(row["claim"])
    names = actors(sorted(set(accused.values())), backend)
    base = {name: to_python(term) for name, term in prepared.bindings.items()}  # as the question's rows hold them
    rows = [{**base, "charge": charge, "accusedSlug": slug, "accusedLabel": names.get(slug, {}).get("label"),
             "claim": claim}
            for charge, slug in sorted(accused.items(), key=lambda item: (item[1], item[0]))
            for claim in sorted(claims[charge])]
    full = with_details(rows, backend)
    whole = LAYOUTS["accusations"].build(full, **prepared.options)
    if [item["charge"] for item in whole.items] != list(accused):
        return None
    describe(whole.items, actors(actor_slugs(full), backend))
    whole.total, whole.start = total, prepared.offset
    return whole


def corroboration(prepared: Prepared, backend: Backend, tallies: Tallies) -> Whole:
    """The whole corroboration answer from the tallies' ``propositions``: every proposition about
    the event (or a related one; or every proposition), each with its counts and who and what
    carries it, read into the records the question's rows are read into
    (``layouts.corroboration_member``), and merged and ordered by the layout's own code."""
    bound = prepared.bindings
    events: list[str] | None = None
    if "event" in bound:
        events = sorted(related_events(bound["event"], backend)) if asks_related(bound) else [bound["event"].value]
        events = [_slug(event) for event in events]
    rows, sets = tallies.propositions(events)
    members: dict[str, dict[str, Any]] = {}
    for short, class_, label, core, about, charged, deeds, about_events, claims_, denials, questions, alone in \
            sorted(rows, key=lambda row: (row[0], row[2])):  # of two labels, the least (the question's first row)
        member = members.get(short)
        if member is None:
            members[short] = {
                "proposition": PROPOSITION_PREFIX + short, "class": class_, "label": label,
                "core": PROPOSITION_PREFIX + core, "charged": charged.split(), "deeds": deeds.split(),
                "events": about_events.split(), "about": about.split(), "claims": claims_, "denials": denials,
                "questions": questions, "said_alone": alone, "mentions": set(), "outlets": set(), "speakers": set(),
                "articles": set()}
        else:
            for name, n in (("claims", claims_), ("denials", denials), ("questions", questions), ("said_alone", alone)):
                member[name] += n
    field = {"outlet": "outlets", "speaker": "speakers", "article": "articles", "mention": "mentions"}
    for short, kind, value in sets:
        if short in members:
            members[short][field[kind]].add(value)
    for member in members.values():
        for name in field.values():
            member[name] = sorted(member[name])
    cards = actors(sorted({slug for m in members.values() for slug in (*m["speakers"], *m["charged"])}), backend,
                   rollup=True)
    # The page only, built in full and described: the whole answer's actors described would be
    # every outlet and speaker of every proposition (at 1M claims, a third of a million values).
    start, end = prepared.offset, None if prepared.limit is None else prepared.offset + prepared.limit
    whole = corroboration_items(members.values(), **prepared.options, actors=cards, page=(start, end))
    describe(whole.items, cards)
    describe(whole.extra, cards)
    return whole


def _outlet_extra(outlet: Any, outlet_slug: str, groups: list[tuple[str, str, str, str, int]],
                  counts: list[tuple[str, str, str, str, int]], full_rows: list[dict[str, Any]], backend: Backend,
                  tallies: Tallies) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """The outlet answer's summaries of all its claims, from the tallies (by voice and stance,
    whom it gives voice to, its articles with their claims), and the cards of every actor they and
    the page name."""
    voices: Counter[str] = Counter()
    stances: Counter[str] = Counter()
    for _speaker, _outlet, stance, voice, n in counts:
        voices[voice] += n
        stances[stance] += n
    given = tallies.outlet_voices(outlet_slug)
    claims_per_article: Counter[str] = Counter()
    for *_, slug, n in groups:
        claims_per_article[slug] += n
    articles = _article_records(list(claims_per_article), backend)
    authors = {author["slug"] for article in articles.values() for author in article["authors"]}
    _, facts = backend.select(part_text(OUTLET_FILE), {"outlet": outlet})
    entity = outlet_entity([{k: to_python(v) for k, v in row.items()} for row in facts])
    cards = actors(sorted({*actor_slugs(full_rows), outlet_slug, *authors, *(speaker for speaker, _, _ in given)}),
                   backend)

    def who(slug: str) -> dict[str, Any]:
        return {"slug": slug, "label": cards[slug]["label"] if slug in cards else None}

    roots = [{"speaker": who(slug), "as": role, "claims": n} for slug, role, n in given if role in ("author", "outlet")]
    quoted: dict[str, dict[str, Any]] = {}
    for slug, role, n in given:
        if role in ("claims", "relayed"):
            quoted.setdefault(slug, {"speaker": who(slug), "claims": 0, "relayed": 0})[role] += n
    listed = [{**articles[slug], "claims": n} for slug, n in claims_per_article.items() if slug in articles]
    by_stance = {s: stances.get(s, 0) for s in STANCES}
    return outlet_summaries(entity, voices, roots, by_stance, list(quoted.values()), listed), cards


def _article_records(slugs: list[str], backend: Backend) -> dict[str, dict[str, Any]]:
    """Each article's record as a claim record shows it (``layouts.article_record``), by slug."""
    articles = [str(iris.article(slug)) for slug in slugs]
    keys = article_keys(articles, backend, CHUNK)
    facts: dict[str, dict[str, Any]] = {article: dict(key) for article, key in keys.items()}
    authors: dict[str, dict[str, dict[str, Any]]] = {article: {} for article in keys}
    for row in rows_of(articles, backend, TEXTS_FILE, CHUNK, "article"):
        article = row["article"]
        if article not in keys:
            continue
        for column in ("articleTitle", "articleDescription"):
            if row.get(column) is not None:
                facts[article][column] = row[column]
        if row.get("authorSlug"):
            authors[article][row["authorSlug"]] = {"slug": row["authorSlug"], "label": row.get("authorLabel")}
    return {key["articleSlug"]: article_record(key, facts[article], authors[article]) for article, key in keys.items()}


def timeline(prepared: Prepared, backend: Backend, tallies: Tallies) -> Whole:
    """The timeline's page of events, found in the tallies' index of events in the answer's order
    (``tallies/events.rq``), ``total`` every event that passes ``since`` and ``until``; only the
    page's events looked up (``parts/event-rows.rq``), their counts the articles' tallies summed."""
    bound = prepared.bindings
    events = tallies.events(since=bound["since"].value if "since" in bound else None,
                            until=bound["until"].value if "until" in bound else None)
    ordered = sorted(events, key=lambda e: timeline_order({"slug": e[1], "earliest": e[2] or None,
                                                           "latest": e[3] or None}))
    page = ordered[prepared.offset:None if prepared.limit is None else prepared.offset + prepared.limit]
    rows = fill_timeline(list(rows_of([event for event, *_ in page], backend, EVENTS_FILE, CHUNK, variable="event")),
                         tallies)
    whole = LAYOUTS["timeline"].build(rows)
    whole.total, whole.start = len(ordered), prepared.offset
    return whole


def fill_timeline(rows: list[dict[str, Any]], tallies: Tallies, *, offset: int = 0, limit: int | None = None
                  ) -> list[dict[str, Any]]:
    """The timeline's event rows with their counts, summed over the articles' tallies: those of
    the page's events (from ``offset``, ``limit`` of them, in the layout's order), which are all
    the answer shows (its order and ``total`` do not read the counts)."""
    events = sorted(first_per(rows, "slug"), key=timeline_order)[offset:None if limit is None else offset + limit]
    counts = tallies.event_counts([str(iris.entity("event", row["slug"])) for row in events])
    for row in rows:
        found = counts.get(str(iris.entity("event", row["slug"])))
        if found is not None:
            row["claims"], row["articles"], row["outlets"], row["firstSaid"], row["lastSaid"] = found
    return rows


#: The search question's variables, as its own query names them (:func:`search_rows` gives its rows).
SEARCH_VARIABLES = ["text", "type", "entity", "slug", "label", "kind", "entityType", "best"]


def search_rows(prepared: Prepared, tallies: Tallies) -> list[dict[str, Any]] | None:
    """The search question's rows, from the names kept in the tallies (``tallies/names.rq``), as
    its own query gives them: one per entity and label, ``best`` its best match's rank (0 the whole
    name, 1 its start, 2 a word's start, 3 anywhere) and folded name, the least. None for claims
    (their texts are kept apart, and paged there: :func:`search`), or on tallies without names (a
    store made before them)."""
    asked = prepared.bindings.get("type")
    if (asked is not None and asked.value == "claim") or not tallies.has("names"):
        return None
    text = prepared.bindings["text"].value
    best: dict[tuple[str, ...], str] = {}
    for entity, key, label, slug, kind, entity_type in tallies.names(text, None if asked is None else asked.value):
        rank = 0 if key == text else 1 if key.startswith(text) else 2 if f" {text}" in f" {key}" else 3
        ranked, group = f"{rank} {key}", (entity, slug, label, kind, entity_type)
        if group not in best or ranked < best[group]:
            best[group] = ranked
    extra = {"text": text} if asked is None else {"text": text, "type": asked.value}
    return [{**extra, "entity": entity, "slug": slug, "label": label, "kind": kind, "entityType": entity_type,
             "best": ranked} for (entity, slug, label, kind, entity_type), ranked in best.items()]


def search(prepared: Prepared, backend: Backend, tallies: Tallies) -> Whole:
    """The search question's page of claims (``type`` claim), matched, ranked and paged in the
    claims' texts kept in the tallies (``tallies/claim-texts.rq``), in the order of its layout;
    ``total`` every claim that matches. Nothing is looked up in the store."""
    text = prepared.bindings["text"].value
    total, page = tallies.claim_texts(text, limit=prepared.limit, offset=prepared.offset)
    rows = [{"entity": f"{CLAIM_PREFIX}{slug}/{claim}", "slug": slug, "label": label, "kind": "claim",
             "entityType": "claim", "best": best} for slug, claim, best, label in page]
    whole = LAYOUTS["search"].build(rows)
    whole.total, whole.start = total, prepared.offset
    return whole


def _names(entities: Sequence[str], backend: Backend) -> dict[str, dict[str, Any]]:
    """Slug, label and class of each entity (the first class found, for the actors: they have one)."""
    found: dict[str, dict[str, Any]] = {}
    for row in rows_of(sorted(entities), backend, NAMES_FILE, CHUNK, variable="entity"):
        found.setdefault(row["entity"], row)
    return found


def network(prepared: Prepared, backend: Backend, tallies: Tallies) -> Whole:
    """The network's page of edges, with the nodes they touch described; ``total`` is every edge's
    count (of ``kind``, when given)."""
    kind = prepared.options.get("kind")
    total, page = tallies.edges(kind=kind, limit=prepared.limit, offset=prepared.offset)
    sets = tallies.edge_sets([edge[:3] for edge in page])
    slugs = sorted({edge[1] for edge in page} | {edge[2] for edge in page})
    actor = {slug: str(iris.entity("actor", slug)) for slug in slugs}
    others = {value for outlets, deeds, events in sets.values() for value in (*deeds, *events)}
    names = _names([*actor.values(), *others], backend)

    def slugs_of(values: set[str]) -> str:
        return " ".join(sorted(names[v]["slug"] for v in values if v in names))

    rows = []
    for edge_kind, source, target, claims, articles in page:
        ends = {"source": names.get(actor[source]), "target": names.get(actor[target])}
        if any(end is None or end.get("label") is None or end.get("class") is None for end in ends.values()):
            continue  # an actor with no name or class: the question's own query leaves its edges out too
        outlets, deeds, events = sets[(edge_kind, source, target)]
        row = {"kind": edge_kind, "count": claims, "articles": articles, "outletSlugs": " ".join(sorted(outlets)),
               "deeds": slugs_of(deeds), "events": slugs_of(events)}
        for end, name in ends.items():
            row.update({f"{end}Slug": name["slug"], f"{end}Label": name["label"], f"{end}Class": name["class"]})
        rows.append(row)
    whole = LAYOUTS["network"].build(rows, kind=kind)
    describe(whole.extra, actors(slugs, backend))
    whole.total, whole.start = total, prepared.offset
    return whole


#: Status values that cannot hold together for one subject (questions/contradictions.rq), each
#: unordered pair of values once: "any" objects, "different" objects or the "same" object.
_CG = "https://w3id.org/claimgraph/ontology#status-"
INCOMPATIBLE = {
    frozenset((_CG + "disputed-territory", _CG + "part-of")): "any",
    frozenset((_CG + "disputed-territory", _CG + "sovereign-territory-of")): "any",
    frozenset((_CG + "part-of", _CG + "sovereign-territory-of")): "different",
    frozenset((_CG + "sovereign-territory-of",)): "different",
    frozenset((_CG + "ally-of", _CG + "adversary-of")): "same",
}


def status_pairs(groups: Sequence[tuple[str, str, str, int]]) -> int:
    """Pairs of claims affirming incompatible statuses of one subject, from the claims counted
    per (subject, value, object); object "" when none."""
    by_subject: dict[str, list[tuple[str, str, int]]] = {}
    for subject, value, object_, claims in groups:
        by_subject.setdefault(subject, []).append((value, object_, claims))
    pairs = 0
    for found in by_subject.values():
        for i, (value, object_, n) in enumerate(found):
            for other, other_object, m in found[i + 1:]:
                rule = INCOMPATIBLE.get(frozenset((value, other)))
                both = bool(object_) and bool(other_object)
                if rule == "any" or (rule == "different" and both and object_ != other_object) or \
                        (rule == "same" and both and object_ == other_object):
                    pairs += n * m
    return pairs


def _partners(articles: Sequence[str], backend: Backend) -> dict[tuple[str, str], set[str]]:
    """The pairs whose left claim (the one whose IRI sorts first) is one of these articles', with
    their reasons."""
    pairs: dict[tuple[str, str], set[str]] = {}
    for row in rows_of(list(articles), backend, PARTNERS_FILE, CHUNK, variable="article"):
        claim, partner = row["claim"], row["partner"]
        if claim < partner:
            pairs.setdefault((claim, partner), set()).add(row["reason"])
    return pairs


def _explicit_only(backend: Backend) -> int:
    """Pairs a curator linked (explicit) that conflict in no other way: what the counts of the
    tallies leave out."""
    _, rows = backend.select(part_text(EXPLICIT_FILE))
    articles = sorted({row[side].value for row in rows for side in ("aArticle", "bArticle")})
    linked = {tuple(sorted((row["a"].value, row["b"].value))) for row in rows}
    if not linked:
        return 0
    reasons = _partners(articles, backend)
    return sum(1 for pair in linked if pair[0] != pair[1] and reasons.get(pair, set()) <= {"explicit"})


def contradictions(prepared: Prepared, backend: Backend, tallies: Tallies) -> Whole:
    """The page of conflicting pairs, in the answer's order (left claim, then right, each in
    natural order), found by walking the articles in the order of their claims, a group at a
    time, until the page is full; ``total`` from the tallies' counts."""
    total = tallies.opposite_pairs() + status_pairs(tallies.status_groups()) + _explicit_only(backend)
    start, end = prepared.offset, None if prepared.limit is None else prepared.offset + prepared.limit
    seen, page = 0, []
    for group in tallies.article_groups():
        if end is not None and seen >= end:
            break
        pairs = _partners(group, backend)
        if seen + len(pairs) <= start:
            seen += len(pairs)
            continue
        for pair in sorted(pairs, key=lambda p: (natural(p[0]), natural(p[1]))):
            if start <= seen and (end is None or seen < end):
                page.append((pair, pairs[pair]))
            seen += 1
    rows = [{"a": a, "b": b, "reason": reason} for (a, b), reasons in page for reason in sorted(reasons)]
    sided = with_sides(rows, backend)
    whole = LAYOUTS["contradictions"].build(sided)
    describe(whole.items, actors(actor_slugs(sided), backend))
    whole.total, whole.start = total, prepared.offset
    return whole


def articles(prepared: Prepared, backend: Backend, tallies: Tallies) -> Whole:
    """The page of articles in the answer's order, its filters applied to the tallies' rows;
    only the page's articles looked up in full (``parts/article-rows.rq``)."""
    bound = prepared.bindings
    events: list[str] | None = None
    if "event" in bound:
        if asks_related(bound):  # the events the #if related block reaches
            events = sorted(related_events(bound["event"], backend))
        else:
            events = [bound["event"].value]
    total, page = (0, []) if events == [] else tallies.articles(
        outlet=bound["outlet"].value if "outlet" in bound else None,
        since=bound["since"].value if "since" in bound else None,
        until=bound["until"].value if "until" in bound else None,
        events=events, limit=prepared.limit, offset=prepared.offset)
    claims = dict(page)
    rows = [{**row, "claims": claims[row["article"]]}
            for row in rows_of([article for article, _ in page], backend, ARTICLES_FILE, CHUNK, variable="article")]
    cards = actors(actor_slugs(rows), backend, rollup=True)
    whole = LAYOUTS["articles"].build(rows, actors=cards)
    describe(whole.items, cards)
    whole.total, whole.start = total, prepared.offset
    return whole


__all__ = ["ANCHORS", "PAGED", "SEARCH_VARIABLES", "accusations", "answers", "articles", "corroboration", "claims",
           "contradictions", "fill_timeline", "network", "search_rows", "status_pairs", "timeline"]
