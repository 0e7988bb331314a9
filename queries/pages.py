"""The page's details only: a claim question whose layout pages by keys looks every claim's full
details up only for the claims of the page asked for.

:func:`claimgraph.queries.run.fetch` looks up what the answer shows about *every* claim the
question found (``parts/claim-details.rq``, some twenty lookups per claim), and the layout then
builds the whole answer before a page is cut from it: at 100k claims, 4,000 claims about one
event cost seconds for a page of 100. Here instead:

1. the question's own ``.rq`` finds its claims (unchanged);
2. ``parts/claim-keys.rq`` gives, for each, what orders the answer and what its summaries count
   (stance, certainty, voice, paragraph, time; its article and speaker, which
   ``parts/article-keys.rq`` and ``parts/names.rq`` then look up once each: dates, slugs, outlet),
   joined into one key row per claim (:func:`claimgraph.queries.details.keys`),
   and the layout builds the whole answer from those rows: the order, ``total`` and the summaries
   (``by_stance``, ``by_speaker`` ...) are computed by the layout's own code, from the same values
   the full rows hold;
3. ``parts/claim-details.rq`` looks up the page's claims only, and the layout builds their full
   records, which take the page's place in the whole answer.

So the answer is the one :func:`~claimgraph.queries.run.run` gives without this (a test compares
every page of every question on the corpus); what a record shows beyond the keys (quote, cue,
roles, chain, article title, authors ...) is looked up for the page only.

Which layouts page by keys (:data:`PAGED`): those whose order and summaries read only the keys
(``claims``, ``event-claims``, ``speaker`` without ``affiliated``), and ``outlet``, whose
summaries (whom it quotes, who speaks in its own voice, its articles with titles and authors) read
the keys with each reported claim's chain and each article's texts besides
(:func:`~claimgraph.queries.details.key_extras`: :data:`CHAINED`). The others need more than that
for their order or summaries, and build the whole answer as before:
``speaker`` with ``affiliated`` (the answer holds the same page of the affiliated claims as of the
actor's own, cut from the whole lists: ``layouts.speaker_page_extra``; a store with tallies pages
both from them, ``tallied.py``), ``attributions`` (a page
item is an outlet holding all its claims, and its summaries span all of them), ``contradictions``
(both sides of every pair; on a store with tallies it pages from them: ``tallied.py``).

``accusations`` pages by charge (:func:`build_by_charge`): a page item is a charge holding all
its claims, so the order and ``total`` come from each claim's content and stance and each charge's
label (``parts/charge-keys.rq``), and the claims of the page's charges only are looked up in full.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from claimgraph.queries.details import CHUNK, actor_slugs, actors, describe, rows_of, with_details, with_keys
from claimgraph.queries.layouts import LAYOUTS, Whole
from claimgraph.queries.store import Backend

if TYPE_CHECKING:
    from claimgraph.queries.run import Prepared

#: Layouts whose order and summaries read only what ``parts/claim-keys.rq`` gives (and, for those
#: of :data:`CHAINED`, the chains and article texts of :func:`~claimgraph.queries.details.key_extras`).
PAGED = ("claims", "event-claims", "speaker", "outlet")
#: Layouts whose summaries show whom claims are relayed through and their articles whole.
CHAINED = ("outlet",)
#: The key columns that name actors the summaries show (who is described with kind and role).
_NAMED = ("speakerSlug", "outletSlug", "authorSlug", "relaySpeakerSlug")


def pages_by_keys(prepared: Prepared) -> bool:
    """Does this question, with these parameters, page by keys? (And then only with more claims
    than a page holds: :func:`claimgraph.queries.run.run`.)"""
    question = prepared.question
    return (question.details == "claims" and question.layout in PAGED and prepared.limit is not None
            and not (question.layout == "speaker" and prepared.params.get("affiliated")))


def build(prepared: Prepared, backend: Backend, plain: list[dict[str, Any]]) -> Whole | None:
    """The whole answer with the page's records in full and the others as their keys, every actor
    the page and the summaries name described; None when the page's claims did not come back as
    the keys said (the caller then builds the whole answer)."""
    layout = LAYOUTS[prepared.question.layout]
    keyed = with_keys(plain, backend, chains=prepared.question.layout in CHAINED)
    light = layout.build(keyed, **prepared.options)
    end = prepared.offset + prepared.limit
    page = light.items[prepared.offset:end]
    claims = {item["claim"] for item in page}
    full_rows = with_details([row for row in plain if row.get("claim") in claims], backend)
    full = {item["claim"]: item for item in layout.build(full_rows, **prepared.options).items}
    if set(full) != claims:
        return None
    items = [full[item["claim"]] for item in page]
    named = [{k: row[k] for k in _NAMED if k in row} for row in keyed]
    cards = actors(actor_slugs([*full_rows, *named]), backend)
    describe(items, cards)
    describe(light.extra, cards)
    return Whole([*light.items[:prepared.offset], *items, *light.items[end:]], light.extra, light.key)


#: Layouts whose page items are charges holding all their claims, paged by charge
#: (:func:`build_by_charge`).
BY_CHARGE = ("accusations",)
CHARGE_KEYS_FILE = Path(__file__).parent / "parts" / "charge-keys.rq"


def pages_by_charge(prepared: Prepared) -> bool:
    return prepared.question.layout in BY_CHARGE and prepared.limit is not None


def build_by_charge(prepared: Prepared, backend: Backend, plain: list[dict[str, Any]]) -> Whole:
    """The page of charges in the layout's order, only its charges' claims looked up in full.

    The layout keeps the charges that some act affirms directly (its content is the charge, its
    stance affirming) and orders them by the accused's slug (from the charge's first row), the
    charge's label and IRI: what ``parts/charge-keys.rq`` gives, for every claim and charge."""
    charges = list(dict.fromkeys(row["charge"] for row in plain))
    claims = list(dict.fromkeys(row["claim"] for row in plain))
    facts: dict[str, dict[str, Any]] = {}
    for row in rows_of([*claims, *charges], backend, CHARGE_KEYS_FILE, CHUNK, variable="entity"):
        facts.setdefault(row["entity"], {}).update({k: v for k, v in row.items() if v is not None})
    accused: dict[str, str] = {}
    accusing: set[str] = set()
    for row in plain:
        fact = facts.get(row["claim"], {})
        if "content" not in fact:
            continue  # no details either: the whole path leaves the claim out
        accused.setdefault(row["charge"], row.get("accusedSlug") or "")
        if fact["content"] == row["charge"] and fact["stance"] == "affirming":
            accusing.add(row["charge"])
    ordered = sorted((c for c in charges if c in accusing),
                     key=lambda c: (accused.get(c, ""), facts.get(c, {}).get("label") or "", c))
    page = set(ordered[prepared.offset:prepared.offset + prepared.limit])
    rows = with_details([row for row in plain if row["charge"] in page], backend)
    layout = LAYOUTS[prepared.question.layout]
    whole = layout.build(rows, **prepared.options)
    describe(whole.items, actors(actor_slugs(rows), backend))
    whole.total, whole.start = len(ordered), prepared.offset
    return whole


__all__ = ["BY_CHARGE", "CHAINED", "PAGED", "build", "build_by_charge", "pages_by_charge", "pages_by_keys"]
