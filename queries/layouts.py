"""How rows become answers: one layout per kind of question.

A question's SPARQL returns flat rows; its ``layout`` (named in the ``.rq`` header) folds them
into the list an answer pages through (``Whole.items``) and, for some questions, summaries over
the whole answer (``Whole.extra``: ``by_stance``, ``quotes`` ...). Every layout also says how one
of its items is written as flat rows, for tables and CSV. ("Shape" in claimgraph means a SHACL
shape only.)

Claim questions return one row per (claim, relay) so that chains of any depth come back in one
query; :func:`fold_claims` folds those rows into one record per claim with the chain in order
from the outlet to the original speaker. A claim record is::

    {"claim": IRI, "article": {"slug", "title" (as printed, or None), "label", "description",
                                "authors": [ACTOR], "published": TIME},
     "outlet": ACTOR, "speaker": ACTOR, "speakers": [ACTOR] (a joint statement has several),
     "voice": "own" | "reported", "root": ACTOR + {"as": "author" | "outlet"},
     "chain": [ACTOR + {"cue"?, "speakers"?}], "illocution", "polarity",
     "stance": "affirming" | "denying" | "questioning", "certainty", "analystConfidence",
     "paragraph", "when": TIME + {"source": "claim" | "article"}, "mentionOf": {"slug", "label"} | None,
     "proposition": {"iri", "label", "type", "core", "roles": {"event": slug, "agent": slug, ...}},
     "evidence": {"paraphrase", "quote", "cue"}}

where TIME is ``{"label", "earliest", "latest"}`` (ISO dates; the label is the curator's, or the
dates themselves), and ACTOR is ``{"slug", "label"}``, to which every answer adds, for each actor
it names, ``kind``, ``role`` and ``affiliations`` as the registry holds them (:func:`with_actors`).
The ``root`` is who speaks first in the article: its author where it names one (FactBank's root
source; the outlet publishes), else its outlet. The network layout is drawn by dashboards as it comes::

    {"nodes": [{"id": slug, "label", "kind": "state" | "person" | "news-outlet" | ...}],
     "edges": [{"id", "source": slug, "target": slug, "kind": "voice" | "accuses", "count", ...}]}

Rows may repeat (a proposition shared by two articles has its triples in both article graphs):
every layout is indifferent to repeated rows.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

Row = dict[str, Any]

CLAIM_FIELDS = ("voice", "illocution", "polarity", "certainty", "analystConfidence")
ROLES = {"aboutEvent": "event", "agent": "agent", "accused": "accused", "subject": "subject", "object": "object",
         "causeEvent": "causeEvent", "beneficiary": "beneficiary", "addressee": "addressee", "statusValue": "status",
         "deed": "deed"}
STANCES = ("affirming", "denying", "questioning")
ACTOR_KINDS = {"State": "state", "GovernmentBody": "government-body", "Person": "person", "Organization": "organization",
               "NewsOutlet": "news-outlet", "UnidentifiedOutlet": "news-outlet", "Group": "group",
               "UnnamedSource": "unnamed-source"}


@dataclass
class Whole:
    """A whole answer: the list that is paged (under ``key`` in JSON) and summaries of all of it."""

    items: list[Row]
    extra: dict[str, Any] = field(default_factory=dict)
    key: str = "results"
    #: For an answer built for its page only (``network`` from the store's tallies): how many
    #: results there are in all, and the offset of ``items``' first. None: ``items`` are all.
    total: int | None = None
    start: int = 0


# ----------------------------------------------------------------------------------------- parts

def local_name(iri: str | None) -> str | None:
    return None if iri is None else iri.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def proposition_type(class_iri: str | None) -> str | None:
    """``cg:ResponsibilityProposition`` -> ``responsibility``, as the corpus files name it."""
    name = local_name(class_iri)
    return name[: -len("Proposition")].lower() if name and name.endswith("Proposition") else name


def time_bounds(label: str | None, earliest: str | None, latest: str | None) -> dict[str, Any] | None:
    """``{"label", "earliest", "latest"}``; the label defaults to the date, or to ``earliest/latest``."""
    if earliest is None and latest is None:
        return None
    if not label:
        label = earliest if latest in (None, earliest) else latest if earliest is None else f"{earliest}/{latest}"
    return {"label": label, "earliest": earliest, "latest": latest}


def stance(illocution: str | None, polarity: str | None) -> str:
    """Questioning (the illocution is a question), denying (negative polarity), or affirming."""
    if illocution == "questions":
        return "questioning"
    return "denying" if polarity == "negative" else "affirming"


def natural(text: str) -> tuple:
    """A sort key that puts ``c2`` before ``c10``."""
    return tuple(int(part) if part.isdigit() else part for part in re.split(r"(\d+)", text))


def _entity(row: Row, prefix: str) -> dict[str, Any] | None:
    slug = row.get(prefix + "Slug")
    return None if slug is None else {"slug": slug, "label": row.get(prefix + "Label")}


def first_per(rows: Iterable[Row], column: str) -> Iterator[Row]:
    """The first row of each value of ``column``, in the rows' order (rows repeat: a fact can be
    stored in two graphs)."""
    seen = set()
    for row in rows:
        if row[column] not in seen:
            seen.add(row[column])
            yield row


def _split(value: str | None) -> list[str]:
    """A ``GROUP_CONCAT(...; separator=" ")`` of slugs, sorted."""
    return sorted(set(value.split())) if value else []


@dataclass
class _Folding:
    """What the rows of one claim say: the required columns once, and each facet row's fact."""

    first: Row
    rows: list[Row] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)
    roles: dict[str, str] = field(default_factory=dict)
    relays: dict[str, Row] = field(default_factory=dict)
    cues: dict[str, str] = field(default_factory=dict)
    speakers: dict[str, Row] = field(default_factory=dict)
    authors: dict[str, Row] = field(default_factory=dict)

    def add(self, row: Row) -> None:
        self.rows.append(row)
        for column in ("quote", "cue", "paragraph", "claimEarliest", "claimLatest", "claimLabel", "publishedLabel",
                       "articleTitle", "articleDescription", "statementSlug", "statementLabel"):
            if row.get(column) is not None:
                self.facts[column] = row[column]
        if row.get("roleProperty") and row.get("roleSlug"):
            role = ROLES.get(local_name(row["roleProperty"]) or "", local_name(row["roleProperty"]))
            self.roles[role] = row["roleSlug"]
        if row.get("facet") == "speakers" and row.get("speakerSlug"):
            self.speakers[row["speakerSlug"]] = {"slug": row["speakerSlug"], "label": row.get("speakerLabel")}
        if row.get("authorSlug"):
            self.authors[row["authorSlug"]] = {"slug": row["authorSlug"], "label": row.get("authorLabel")}
        if row.get("relay"):
            if row.get("relaySpeakerSlug"):
                relay = self.relays.setdefault(row["relay"], {"speakers": {}, "child": row.get("relayChild")})
                relay["speakers"][row["relaySpeakerSlug"]] = {"slug": row["relaySpeakerSlug"],
                                                              "label": row.get("relaySpeakerLabel")}
            if row.get("relayCue"):
                self.cues[row["relay"]] = row["relayCue"]

    def chain(self, claim: str, speaker: dict[str, Any]) -> list[dict[str, Any]]:
        """From the first voice inwards to the original speaker: each relay is found by what it
        relays. A relay step with several speakers ("according to RIA and TASS") lists them all."""
        by_child = {r["child"]: (iri, r) for iri, r in self.relays.items()}
        inwards, child = [], claim
        while child in by_child and len(inwards) <= len(self.relays):
            iri, relay = by_child[child]
            who = [relay["speakers"][k] for k in sorted(relay["speakers"])]
            inwards.append({**who[0], **({"speakers": who} if len(who) > 1 else {}),
                            **({"cue": self.cues[iri]} if iri in self.cues else {})})
            child = iri
        return [*reversed(inwards), speaker]

    def record(self) -> Row:
        row, facts = self.first, self.facts
        speaker = {"slug": row["speakerSlug"], "label": row["speakerLabel"]}
        said = time_bounds(facts.get("claimLabel"), facts.get("claimEarliest"), facts.get("claimLatest"))
        article = article_record(row, facts, self.authors)
        published = article["published"]
        record: Row = {
            "claim": row["claim"],
            "article": article,
            "outlet": {"slug": row["outletSlug"], "label": row["outletLabel"]},
            "speaker": speaker,
            "speakers": [self.speakers[k] for k in sorted(self.speakers)] or [speaker],
        }
        record.update({f: row[f] for f in CLAIM_FIELDS if f in row})
        record["stance"] = stance(row.get("illocution"), row.get("polarity"))
        record["paragraph"] = facts.get("paragraph")
        record["when"] = {**said, "source": "claim"} if said else {**published, "source": "article"} if published else None
        record["mentionOf"] = ({"slug": facts["statementSlug"], "label": facts.get("statementLabel")}
                               if facts.get("statementSlug") else None)
        record["proposition"] = {"iri": row.get("proposition"), "label": row.get("propositionLabel"),
                                 "type": proposition_type(row.get("propositionClass")), "core": row.get("core"),
                                 "roles": dict(sorted(self.roles.items()))}
        record["evidence"] = {"paraphrase": row.get("paraphrase"), "quote": facts.get("quote"), "cue": facts.get("cue")}
        if row.get("attributedToSlug") is not None:
            record["attributedTo"] = {"slug": row["attributedToSlug"], "label": row.get("attributedToLabel")}
        record["chain"] = self.chain(row["claim"], speaker)
        if "voice" not in row:
            record["voice"] = "reported" if len(record["chain"]) > 1 else "own"
        first = record["chain"][0]
        record["root"] = {"slug": first["slug"], "label": first["label"],
                          "as": "author" if first["slug"] in self.authors else "outlet"}
        return record


def article_record(row: Row, facts: Row, authors: dict[str, Row]) -> Row:
    """A claim record's article: from a row with its key columns (``articleSlug``, ``published``
    ...), the facts its rows give (``articleTitle``, ``publishedLabel`` ...) and its authors by slug."""
    return {"slug": row["articleSlug"], "title": facts.get("articleTitle"), "label": row.get("articleLabel"),
            "description": facts.get("articleDescription"), "authors": [authors[k] for k in sorted(authors)],
            "published": time_bounds(facts.get("publishedLabel"), row.get("published"), row.get("publishedLatest"))}


def chain_of(claim: str, speaker: dict[str, Any], relay_rows: Iterable[Row]) -> list[dict[str, Any]]:
    """A claim's chain from its relay rows alone (``relay``, ``relayChild``, ``relaySpeakerSlug``
    ...), as :func:`fold_claims` makes it: the store's tallies count the outlet question's quotes
    with it (:mod:`claimgraph.queries.tally`)."""
    folding = _Folding({"claim": claim})
    for row in relay_rows:
        folding.add(row)
    return folding.chain(claim, speaker)


def fold_claims(rows: Iterable[Row], key: Callable[[Row], Any] = lambda row: row["claim"]
                ) -> dict[Any, tuple[Row, list[Row]]]:
    """One record per key (by default per claim), in the order of the rows, with its chain.

    A claim comes as several rows: one per fact it may lack (quote, time, relay ...), each with
    the columns every claim has. Returns ``{key: (record, rows)}`` so layouts can read their own
    columns.
    """
    foldings: dict[Any, _Folding] = {}
    for row in rows:
        k = key(row)
        if k not in foldings:
            foldings[k] = _Folding(row)
        foldings[k].add(row)
    return {k: (f.record(), f.rows) for k, f in foldings.items()}


def claim_order(claim: Row) -> tuple:
    """The curator's order within an article: paragraph, then claim id."""
    paragraph = claim.get("paragraph")
    return (paragraph if paragraph is not None else 10**9, natural(claim["claim"]))


def article_order(claim: Row) -> tuple:
    """Articles by date (then slug), claims in the curator's order within each."""
    published = claim["article"].get("published") or {}
    return (published.get("earliest") or "9999", claim["article"]["slug"], *claim_order(claim))


def when_order(claim: Row) -> tuple:
    """Claims by when they were said (their own time, else their article's date), then in the
    curator's order."""
    when = claim.get("when") or {}
    return (when.get("earliest") or "9999", when.get("latest") or "9999", *article_order(claim))


def when_group(claim: Row) -> tuple[str, str, str, str]:
    """The first four members of :func:`when_order`: claims of one article said at one time share
    them (the store's tallies count claims by them: :mod:`claimgraph.queries.tally`)."""
    return when_order(claim)[:4]  # type: ignore[return-value]


def claims(rows: list[Row], order: Callable[[Row], Any] | None = None) -> list[Row]:
    """One record per claim, with its chain; in the order of the rows, or sorted by ``order``."""
    records = [record for record, _ in fold_claims(rows).values()]
    return sorted(records, key=order) if order else records


def _one(item: Row) -> int:
    return 1


def _count_by(items: Iterable[Row], key: Callable[[Row], dict[str, Any]], weight: Callable[[Row], int] = _one,
              **counters: Callable[[Row], str]) -> list[Row]:
    """Group records by an entity: ``[{entity, count, <counter>: {value: n}}]``, most first. Each
    item counts once, or ``weight(item)`` times (an item that stands for several claims)."""
    groups: dict[str, Row] = {}
    named = tuple(counters.items())
    for item in items:
        entity, n = key(item), weight(item)
        group = groups.get(entity["slug"])
        if group is None:  # not setdefault: its default (a dict and its counters) is made for every item
            group = groups[entity["slug"]] = {"entity": entity, "count": 0, **{name: Counter() for name in counters}}
        group["count"] += n
        for name, fn in named:
            group[name][fn(item)] += n
    ordered = sorted(groups.values(), key=lambda g: (-g["count"], g["entity"]["slug"]))
    return [{**g, **{name: dict(sorted(g[name].items())) for name in counters}} for g in ordered]


# --------------------------------------------------------------------------------------- layouts

def layout_rows(rows: list[Row]) -> Whole:
    return Whole(rows)


def layout_claims(rows: list[Row]) -> Whole:
    """Claims in the curator's order (article, paragraph, claim id)."""
    return Whole(claims(rows, article_order))


def _charges(claims_: list[Row]) -> list[Row]:
    """The charges among claims that attribute one event to one actor (or its parts): one per kind
    (responsibility, or accusation of a deed), each with its wordings and the part named as
    variants, and which outlets carry or deny it."""
    charges: dict[tuple, Row] = {}
    for c in claims_:
        prop = c["proposition"]
        key = (prop["type"], prop["roles"].get("deed"))
        charge = charges.setdefault(key, {"type": key[0], "deed": key[1], "event": prop["roles"].get("event"),
                                          "outlets": set(), "claims": 0, "stances": Counter(), "variants": {}})
        outlet = (c.get("outlet") or {}).get("slug")
        charge["outlets"].add(outlet)
        charge["claims"] += 1
        charge["stances"][c["stance"]] += 1
        variant = charge["variants"].setdefault(prop["iri"], {
            "proposition": {"iri": prop["iri"], "label": prop["label"], "core": prop.get("core")},
            "attributedTo": c.get("attributedTo"), "claims": [], "outlets": set()})
        variant["claims"].append(c["claim"])
        variant["outlets"].add(outlet)
    out = []
    for key in sorted(charges, key=lambda k: (k[0] or "", k[1] or "")):
        charge = charges[key]
        variants = sorted(charge["variants"].values(), key=lambda v: (v["proposition"]["label"], v["proposition"]["iri"]))
        out.append({**charge, "outlets": sorted(o for o in charge["outlets"] if o),
                    "stances": dict(sorted(charge["stances"].items())),
                    "variants": [{**v, "outlets": sorted(o for o in v["outlets"] if o)} for v in variants]})
    return out


def attributions(rows: list[Row]) -> list[Row]:
    """Per outlet: the outlet, its articles, and the claims behind the attribution."""
    outlets: dict[str, Row] = {}
    for claim in claims(rows, article_order):
        outlet = claim["outlet"]
        entry = outlets.setdefault(outlet["slug"], {"outlet": outlet, "articles": [], "claims": []})
        if claim["article"] not in entry["articles"]:
            entry["articles"].append(claim["article"])
        claim["article"] = claim["article"]["slug"]
        claim["stance"] = "denies" if claim.get("polarity") == "negative" else "affirms"
        entry["claims"].append(claim)
    for entry in outlets.values():
        stances = {c["stance"] for c in entry["claims"]}
        voices = {c["voice"] for c in entry["claims"]}
        entry["stance"] = stances.pop() if len(stances) == 1 else "mixed"
        entry["voices"] = sorted(voices)
        entry["charges"] = _charges(entry["claims"])
        for c in entry["claims"]:
            del c["outlet"]
    return sorted(outlets.values(), key=lambda e: e["outlet"]["slug"])


def layout_attributions(rows: list[Row]) -> Whole:
    """Per outlet (the headline's contract), and across outlets the charges with their variants:
    the wordings and the parts of the actor named, which outlets carry each."""
    items = attributions(rows)
    every = [{**c, "outlet": e["outlet"]} for e in items for c in e["claims"]]
    return Whole(items, {"charges": _charges(every)})


def _stance_counts(items: list[Row], weight: Callable[[Row], int] = _one) -> dict[str, int]:
    counts: Counter[str] = Counter()
    for c in items:
        counts[c["stance"]] += weight(c)
    return {s: counts.get(s, 0) for s in STANCES}


RELATIONS = ("self", "part", "whole", "antecedent", "sequel")


def _via(rows: list[Row]) -> dict[str, Any] | None:
    """Through which related event a claim came into an event's answer: the asked event itself
    first, then parts, the whole, antecedents, sequels (each in slug order)."""
    found = sorted({(RELATIONS.index(r["relation"]), r["viaSlug"]) for r in rows
                    if r.get("relation") in RELATIONS and r.get("viaSlug")})
    return {"event": found[0][1], "relation": RELATIONS[found[0][0]]} if found else None


def layout_event_claims(rows: list[Row]) -> Whole:
    """Claims about an event, with who says what: counts by stance, by speaker and by outlet."""
    items = []
    for record, claim_rows in fold_claims(rows).values():
        if (via := _via(claim_rows)) is not None:
            record["via"] = via
        items.append(record)
    items.sort(key=when_order)
    return Whole(items, event_claims_summaries(items))


def event_claims_summaries(items: list[Row], weight: Callable[[Row], int] = _one) -> dict[str, Any]:
    """Claims about an event counted by stance, by speaker and by outlet: from its claims, or from
    items that each stand for ``weight(item)`` claims of one speaker, outlet, stance and voice
    (the store's tallies: :mod:`claimgraph.queries.tallied`)."""
    return {
        "by_stance": _stance_counts(items, weight),
        "by_speaker": [{"speaker": g["entity"], "count": g["count"], "stances": g["stances"]}
                       for g in _count_by(items, lambda c: c["speaker"], weight, stances=lambda c: c["stance"])],
        "by_outlet": [{"outlet": g["entity"], "count": g["count"], "stances": g["stances"], "voices": g["voices"]}
                      for g in _count_by(items, lambda c: c["outlet"], weight, stances=lambda c: c["stance"],
                                         voices=lambda c: c["voice"])],
    }


def layout_speaker(rows: list[Row]) -> Whole:
    """What an actor said, in time order; with an event, its stance timeline on that event; with
    ``affiliated``, what those affiliated with it said, apart."""
    own = [r for r in rows if r.get("group") != "affiliated"]
    items = sorted(claims(own), key=when_order)
    extra = speaker_summaries(items)
    if rows and rows[0].get("event"):
        extra["timeline"] = [{"when": c["when"], "claim": c["claim"], "speaker": c["speaker"]["slug"],
                              "illocution": c["illocution"], "polarity": c["polarity"], "stance": c["stance"],
                              "certainty": c.get("certainty"), "article": c["article"]["slug"],
                              "outlet": c["outlet"]["slug"]} for c in items]
    if rows and rows[0].get("affiliated"):
        apart = [c for c in sorted(claims([r for r in rows if r.get("group") == "affiliated"]), key=when_order)
                 if c["claim"] not in {i["claim"] for i in items}]
        extra["affiliated"] = {
            "speakers": [{"speaker": g["entity"], "count": g["count"]} for g in _count_by(apart, lambda c: c["speaker"])],
            "by_stance": _stance_counts(apart),
            "total": len(apart),
            "claims": apart,
        }
    return Whole(items, extra)


def speaker_page_extra(whole: Whole, start: int, limit: int | None) -> dict[str, Any]:
    """The speaker answer's summaries, with the same page of the affiliated claims as of its own:
    from ``start`` (counted from the first affiliated claim ``whole`` holds), ``limit`` of them."""
    apart = whole.extra.get("affiliated")
    if apart is None:
        return whole.extra
    claims = apart["claims"][start:None if limit is None else start + limit]
    return {**whole.extra, "affiliated": {**apart, "claims": claims}}


def speaker_summaries(items: list[Row], weight: Callable[[Row], int] = _one) -> dict[str, Any]:
    """What an actor said, counted by stance and by speaker (its parts): from its claims, or from
    items that each stand for ``weight(item)`` claims (:func:`event_claims_summaries`)."""
    return {
        "by_stance": _stance_counts(items, weight),
        "speakers": [{"speaker": g["entity"], "count": g["count"]}
                     for g in _count_by(items, lambda c: c["speaker"], weight)],
    }


def layout_outlet(rows: list[Row], voice: str | None = None) -> Whole:
    """An outlet's claims; whom it quotes (original speakers and relays) and its own-voice count."""
    items = claims(rows, article_order)
    articles: dict[str, Row] = {}
    for c in items:
        articles.setdefault(c["article"]["slug"], {**c["article"], "claims": 0})["claims"] += 1
    quoted: dict[str, Row] = {}
    for c in items:
        if c["voice"] != "reported":
            continue
        for position, link in enumerate(c["chain"][1:], start=1):
            entry = quoted.setdefault(link["slug"], {"speaker": {"slug": link["slug"], "label": link["label"]},
                                                     "claims": 0, "relayed": 0})
            entry["claims" if position == len(c["chain"]) - 1 else "relayed"] += 1
    roots: dict[str, Row] = {}
    for c in items:
        if c["voice"] == "own":
            entry = roots.setdefault(c["root"]["slug"], {"speaker": {"slug": c["root"]["slug"], "label": c["root"]["label"]},
                                                         "as": c["root"]["as"], "claims": 0})
            entry["claims"] += 1
    extra = outlet_summaries(outlet_entity(rows), Counter(c["voice"] for c in items), list(roots.values()),
                             _stance_counts(items), list(quoted.values()), list(articles.values()))
    if voice:
        items = [c for c in items if c["voice"] == voice]
    return Whole(items, extra)


def outlet_entity(rows: list[Row]) -> Row | None:
    """The outlet the outlet question's rows are about, with what the registry says of it."""
    if not rows:
        return None
    first = rows[0]
    facts = {k: r[k] for r in rows for k in ("outletCountry", "outletStateAffiliated") if r.get(k) is not None}
    kind = {"NewsOutlet": "news-outlet", "UnidentifiedOutlet": "unidentified-outlet"}
    return {"slug": first.get("outletSlug"), "label": first.get("outletLabel"),
            "kind": kind.get(local_name(first.get("outletClass")) or "", local_name(first.get("outletClass"))),
            "country": facts.get("outletCountry"), "stateAffiliated": facts.get("outletStateAffiliated")}


def outlet_summaries(outlet: Row | None, voices: Mapping[str, int], roots: list[Row], by_stance: dict[str, int],
                     quotes: list[Row], articles: list[Row]) -> dict[str, Any]:
    """What the outlet answer says of all its claims, from its claims or from the store's tallies
    (:mod:`claimgraph.queries.tallied`): claims per voice; who speaks in its own voice (``roots``:
    ``{speaker, as, claims}``) and whom it quotes (``{speaker, claims, relayed}``), most first; its
    articles (each with its claims) by publication."""
    return {
        "outlet": outlet,
        "by_voice": {"own": voices.get("own", 0), "reported": voices.get("reported", 0)},
        # Who speaks in the outlet's own voice: the outlet itself, or the authors it publishes.
        "own_voices": sorted(roots, key=lambda r: (-r["claims"], r["speaker"]["slug"])),
        "by_stance": by_stance,
        "quotes": sorted(quotes, key=lambda q: (-q["claims"], -q["relayed"], q["speaker"]["slug"])),
        "articles": sorted(articles, key=lambda a: ((a["published"] or {}).get("earliest") or "", a["slug"])),
    }


def layout_accusations(rows: list[Row]) -> Whole:
    """Per charge: who accuses, who denies, who questions, who answers (with the acts answered)."""
    folded = fold_claims(rows, key=lambda row: (row["charge"], row["claim"]))
    entries: dict[str, Row] = {}
    for (charge, _), (record, claim_rows) in folded.items():
        first = claim_rows[0]
        entry = entries.setdefault(charge, {
            "charge": charge, "proposition": None, "accused": _entity(first, "accused"), "deed": None, "event": None,
            "accusers": [], "accusations": [], "denials": [], "questions": [], "responses": []})
        links = sorted({(local_name(r["linkProperty"]), r["answered"]) for r in claim_rows if r.get("answered")})
        direct = record["proposition"]["iri"] == charge
        if links:
            record["answers"] = [{"relation": {"respondsTo": "responds-to"}.get(rel, rel), "claim": target}
                                 for rel, target in links]
        if not direct:
            entry["responses"].append(record)
            continue
        if entry["proposition"] is None:
            entry["proposition"] = record["proposition"]
            entry["deed"] = record["proposition"]["roles"].get("deed")
            entry["event"] = record["proposition"]["roles"].get("event")
        role = {"affirming": "accusations", "denying": "denials", "questioning": "questions"}[record["stance"]]
        entry[role].append(record)
        if role == "accusations" and record["speaker"]["slug"] not in entry["accusers"]:
            entry["accusers"].append(record["speaker"]["slug"])
    items = [e for e in entries.values() if e["accusations"]]
    for e in items:
        e["accusers"].sort()
        for role in ("accusations", "denials", "questions", "responses"):
            e[role].sort(key=when_order)
        e["counts"] = {k: len(e[k]) for k in ("accusations", "denials", "questions", "responses")}
        e["answered"] = bool(e["denials"] or e["responses"])
    items.sort(key=lambda e: ((e["accused"] or {}).get("slug") or "", e["proposition"]["label"] or "", e["charge"]))
    return Whole(items)


def _side(row: Row, v: str) -> Row:
    """One side of a contradiction, from the columns prefixed ``a`` or ``b``."""
    c = {k[1].lower() + k[2:]: value for k, value in row.items() if k[0] == v and len(k) > 1 and k[1].isupper()}
    return {
        "claim": row[v], "speaker": {"slug": c["speakerSlug"], "label": c["speakerLabel"]},
        "outlet": {"slug": c["outletSlug"], "label": c["outletLabel"]}, "article": c["articleSlug"],
        "voice": c.get("voice"), "illocution": c["illocution"], "polarity": c["polarity"],
        "stance": stance(c["illocution"], c["polarity"]),
        "proposition": {"iri": c["proposition"], "label": c["propositionLabel"], "core": c.get("core")},
        "paraphrase": c.get("paraphrase"),
    }


def layout_contradictions(rows: list[Row]) -> Whole:
    """Pairs of conflicting claims, each pair once (left: the claim whose IRI sorts first), with
    every reason they conflict."""
    pairs: dict[tuple[str, str], Row] = {}
    for row in rows:
        key = tuple(sorted((row["a"], row["b"])))
        pair = pairs.get(key)
        if pair is None:
            a, b = _side(row, "a"), _side(row, "b")
            left, right = (a, b) if row["a"] == key[0] else (b, a)
            pair = pairs[key] = {"left": left, "right": right, "reasons": []}
        if row["reason"] not in pair["reasons"]:
            pair["reasons"].append(row["reason"])
    items = []
    for key in sorted(pairs, key=lambda k: (natural(k[0]), natural(k[1]))):
        pair = pairs[key]
        pair["reasons"].sort()
        pair["same_proposition"] = pair["left"]["proposition"]["iri"] == pair["right"]["proposition"]["iri"]
        pair["same_charge"] = pair["left"]["proposition"]["core"] == pair["right"]["proposition"]["core"]
        items.append(pair)
    return Whole(items)


CHARGES = ("responsibility", "accusation")


def charge_key(kind: str | None, charged: list[str], deeds: list[str], events: list[str],
               actors: dict[str, Row]) -> tuple | None:
    """What makes claims one charge across articles: its kind, event and deed, and the charged actor
    rolled up to the states it belongs to (itself when it rolls up to none). None for other kinds."""
    if kind not in CHARGES or not charged:
        return None
    level = tuple(sorted({state for slug in charged for state in (actors.get(slug, {}).get("states") or [slug])}))
    return (kind, tuple(events), tuple(deeds), level)


def corroboration_member(row: Row) -> Row:
    """One proposition of the corroboration answer, from its row of the question's query: its
    facts, how many claims carry, deny and question it, and who and what carries it (sorted
    slugs). A claim has one content, so the claims of two propositions are never the same: their
    numbers add up. Its utterances are the carrying claims said alone (counted) and the
    statements several claims are mentions of (``mentions``, which two propositions may share)."""
    claims = _split(row.get("claimKeys"))
    utterances = _split(row.get("utteranceKeys"))
    alone = set(claims)
    return {
        "proposition": row["proposition"], "class": row.get("propositionClass"), "label": row["propositionLabel"],
        "core": row.get("core"), "charged": _split(row.get("chargedSlugs")), "deeds": _split(row.get("deedSlugs")),
        "events": _split(row.get("eventSlugs")), "about": _split(row.get("aboutSlugs")),
        "claims": len(claims), "denials": len(_split(row.get("denialKeys"))),
        "questions": len(_split(row.get("questionKeys"))), "said_alone": sum(u in alone for u in utterances),
        "mentions": [u for u in utterances if u not in alone], "outlets": _split(row.get("outletSlugs")),
        "speakers": _split(row.get("speakerSlugs")), "articles": _split(row.get("articleSlugs")),
    }


def layout_corroboration(rows: list[Row], only_single_outlet: bool = False,
                        actors: dict[str, Row] | None = None) -> Whole:
    """Per proposition, or per charge (its wordings and the parts of one state grouped, each listed
    as a variant): how many outlets, original speakers, claims and utterances carry it."""
    return corroboration_items([corroboration_member(row) for row in first_per(rows, "proposition")],
                               only_single_outlet=only_single_outlet, actors=actors)


def corroboration_items(members: Iterable[Row], *, only_single_outlet: bool = False,
                        actors: dict[str, Row] | None = None, page: tuple[int, int | None] | None = None) -> Whole:
    """The corroboration answer from its propositions (:func:`corroboration_member`), each once.
    With ``page`` (start, end), only the items of that page are built in full, the others ranked
    by what orders them: the answer's ``items`` are then the page's, with ``total`` and ``start``."""
    actors = actors or {}
    groups: dict[Any, list[Row]] = {}
    for member in members:
        kind = proposition_type(member["class"])
        key = charge_key(kind, member["charged"], member["deeds"], member["events"], actors)
        groups.setdefault(key or ("proposition", member["core"] or member["proposition"]), []).append(member)
    ranked = []
    for key, group in groups.items():
        claims_n = sum(m["claims"] for m in group)
        if not claims_n:
            continue  # denied or questioned only: nobody carries it
        variants = sorted(({
            "proposition": {"iri": m["proposition"], "label": m["label"], "core": m["core"]},
            "charged": m["charged"], "claims": m["claims"], "denials": m["denials"], "questions": m["questions"],
            "outlet_slugs": m["outlets"], "speaker_slugs": m["speakers"]}
            for m in group),
            key=lambda v: (-v["claims"], v["proposition"]["label"], v["proposition"]["iri"]))
        level = list(key[3]) if key[0] != "proposition" else []
        # The variant that names the charge at the level it is grouped at speaks for the group.
        lead = next((v for v in variants if v["charged"] == level), variants[0])["proposition"]
        outlets = {v for m in group for v in m["outlets"]}
        speakers = {v for m in group for v in m["speakers"]}
        order = (-len(outlets), -len(speakers), -claims_n, lead["label"], lead["iri"])
        ranked.append((order, key, group, variants, lead, outlets, speakers, claims_n))
    ranked.sort(key=lambda r: r[0])
    extra = {"single_outlet": sum(len(r[5]) == 1 for r in ranked), "propositions": len(ranked)}
    if only_single_outlet:
        ranked = [r for r in ranked if len(r[5]) == 1]
    first, end = page if page is not None else (0, None)
    items = [_corroboration_item(*r[1:], actors) for r in ranked[first:end]]
    if page is None:
        return Whole(items, extra)
    return Whole(items, extra, total=len(ranked), start=first)


def _corroboration_item(key: Any, group: list[Row], variants: list[Row], lead: Row, outlets: set[str],
                        speakers: set[str], claims_n: int, actors: dict[str, Row]) -> Row:
    """One item of the corroboration answer: a proposition, or a charge with its variants."""
    union = lambda field: sorted({v for m in group for v in m[field]})  # noqa: E731
    first = next(m for m in group if m["proposition"] == lead["iri"])
    speaker_slugs = sorted(speakers)
    level = list(key[3]) if key[0] != "proposition" else []
    return {
        "proposition": {"iri": lead["iri"], "label": lead["label"], "type": proposition_type(first["class"]),
                        "about": union("about")},
        "outlets": len(outlets), "speakers": len(speakers), "claims": claims_n,
        "utterances": sum(m["said_alone"] for m in group) + len(union("mentions")),
        "articles": len(union("articles")),
        "denials": sum(m["denials"] for m in group), "questions": sum(m["questions"] for m in group),
        "single_outlet": len(outlets) == 1,
        "outlet_slugs": sorted(outlets), "speaker_slugs": speaker_slugs,
        "carried_by": [{"slug": slug, "label": actors.get(slug, {}).get("label", slug)} for slug in speaker_slugs],
        "charge": ({"kind": key[0], "event": list(key[1]), "deed": list(key[2]),
                    "accused": [{"slug": slug, "label": actors.get(slug, {}).get("label", slug)} for slug in level]}
                   if key[0] != "proposition" else None),
        "variants": variants,
    }


def layout_articles(rows: list[Row], actors: dict[str, Row] | None = None) -> Whole:
    """One result per article, by publication date then slug: title as printed, description,
    outlet, authors, time, language, URL, original, how many claims."""
    actors = actors or {}
    items = []
    for row in first_per(rows, "slug"):
        items.append({
            "article": row["slug"], "title": row.get("title"), "label": row.get("label"),
            "description": row.get("description"),
            "published": time_bounds(row.get("timeLabel"), row.get("earliest"), row.get("latest")),
            "outlet": {"slug": row["outletSlug"], "label": row.get("outletLabel")},
            "authors": [{"slug": a, "label": actors.get(a, {}).get("label", a)} for a in _split(row.get("authorSlugs"))],
            "language": row.get("language"), "url": row.get("url"), "translationOf": row.get("original"),
            "claims": row.get("claims", 0),
        })
    items.sort(key=lambda i: ((i["published"] or {}).get("earliest") or "9999",
                              (i["published"] or {}).get("latest") or "9999", i["article"]))
    return Whole(items)


def timeline_order(row: Row) -> tuple[str, str, str]:
    """The timeline's order, from an event's row: its earliest bound, its latest (an event without
    them last), its slug."""
    earliest, latest = row.get("earliest"), row.get("latest")
    if earliest is None and latest is None:
        return ("9999", "9999", row["slug"])
    return (earliest or "9999", latest or "9999", row["slug"])


def layout_timeline(rows: list[Row]) -> Whole:
    """Events in the order of their earliest bound, with the claims made about them."""
    items = []
    for row in sorted(first_per(rows, "slug"), key=timeline_order):
        items.append({
            "event": row["slug"], "label": row["label"], "type": row.get("type"),
            "time": time_bounds(row.get("timeLabel"), row.get("earliest"), row.get("latest")),
            "place": _entity(row, "place"),
            "claims": row.get("claims", 0), "articles": row.get("articles", 0), "outlets": row.get("outlets", 0),
            "said": time_bounds(None, row.get("firstSaid"), row.get("lastSaid")),
            "part_of": _split(row.get("partOfSlugs")), "follows_from": _split(row.get("followsFromSlugs")),
        })
    return Whole(items)


def layout_network(rows: list[Row], kind: str | None = None) -> Whole:
    """Edges (who is given voice by which outlet, who accuses whom), most claims first."""
    edges, nodes = [], {}
    for row in rows:
        if kind and row["kind"] != kind:
            continue
        for end in ("source", "target"):
            nodes[row[end + "Slug"]] = {"id": row[end + "Slug"], "slug": row[end + "Slug"], "label": row[end + "Label"],
                                        "kind": ACTOR_KINDS.get(local_name(row.get(end + "Class")) or "")}
        edge = {"id": f"{row['kind']}:{row['sourceSlug']}>{row['targetSlug']}", "source": row["sourceSlug"],
                "target": row["targetSlug"], "kind": row["kind"], "count": row["count"],
                "articles": row.get("articles", 0), "outlets": _split(row.get("outletSlugs"))}
        if row["kind"] == "accuses":
            edge["deeds"], edge["events"] = _split(row.get("deeds")), _split(row.get("events"))
        edges.append(edge)
    unique = {e["id"]: e for e in edges}
    ordered = sorted(unique.values(), key=lambda e: (-e["count"], e["kind"], e["source"], e["target"]))
    return Whole(ordered, {"nodes": nodes}, key="edges")


def _network_page(whole: Whole, start: int, limit: int | None) -> dict[str, Any]:
    """The nodes the page's edges touch, by id."""
    page = whole.items[start:None if limit is None else start + limit]
    ids = sorted({e[end] for e in page for end in ("source", "target")})
    return {"nodes": [whole.extra["nodes"][i] for i in ids]}


def layout_search(rows: list[Row]) -> Whole:
    """One result per entity (or claim), the best match first (exact, prefix, word start, anywhere).
    A claim's ``slug`` is its article's (to ask ``article-claims`` with), and ``claim`` its IRI."""
    items, seen = [], set()
    for row in rows:
        key = row.get("entity") or row["slug"]
        if key in seen:
            continue
        seen.add(key)
        rank, _, matched = (row.get("best") or "9 ").partition(" ")
        item = {"slug": row["slug"], "label": row["label"], "kind": row["kind"], "type": row["entityType"],
                "matched": matched, "match": {"0": "exact", "1": "prefix", "2": "word", "3": "contains"}.get(rank)}
        if row["entityType"] == "claim":
            item["claim"] = row.get("entity")
        items.append(item)
    order = {"exact": 0, "prefix": 1, "word": 2, "contains": 3}
    items.sort(key=lambda i: (order.get(i["match"], 9), i["label"].casefold(), i["slug"], i.get("claim") or ""))
    return Whole(items)


# ------------------------------------------------------------------------------------ flat rows

TABLE_COLUMNS = ("outlet", "article", "voice", "speaker", "chain", "illocution", "polarity", "certainty",
                 "proposition", "paraphrase", "quote")


def _claim_row(claim: Row, outlet: dict[str, Any] | None = None) -> Row:
    article = claim["article"]
    when = claim.get("when") or {}
    return {
        "outlet": (outlet or claim.get("outlet") or {}).get("slug"),
        "article": article["slug"] if isinstance(article, dict) else article,
        "voice": claim.get("voice"),
        "speaker": claim["speaker"]["slug"],
        "chain": " > ".join(link["slug"] for link in claim["chain"]),
        "illocution": claim.get("illocution"),
        "polarity": claim.get("polarity"),
        "certainty": claim.get("certainty"),
        "proposition": claim["proposition"]["label"],
        "paraphrase": claim["evidence"]["paraphrase"],
        "quote": claim["evidence"]["quote"],
        "stance": claim.get("stance"),
        "when": when.get("label"),
        "claim": claim["claim"],
    }


def _flat_contradiction(pair: Row) -> list[Row]:
    row: Row = {"reasons": " ".join(pair["reasons"])}
    for side in ("left", "right"):
        c = pair[side]
        row.update({f"{side}_speaker": c["speaker"]["slug"], f"{side}_outlet": c["outlet"]["slug"],
                    f"{side}_article": c["article"], f"{side}_illocution": c["illocution"],
                    f"{side}_polarity": c["polarity"], f"{side}_proposition": c["proposition"]["label"],
                    f"{side}_claim": c["claim"]})
    return [row]


def _flat_accusation(entry: Row) -> list[Row]:
    out = []
    for role in ("accusations", "denials", "questions", "responses"):
        for c in entry[role]:
            out.append({"accused": (entry["accused"] or {}).get("slug"), "deed": entry["deed"],
                        "event": entry["event"], "role": role[:-1],
                        **{k: v for k, v in _claim_row(c).items() if k != "proposition"},
                        "proposition": entry["proposition"]["label"],
                        "answers": " ".join(a["claim"] for a in c.get("answers", []))})
    return out


def _time_columns(prefix: str, t: dict[str, Any] | None) -> Row:
    t = t or {}
    return {f"{prefix}label": t.get("label"), f"{prefix}earliest": t.get("earliest"), f"{prefix}latest": t.get("latest")}


FLATTENERS: dict[str, Callable[[Row], list[Row]]] = {
    "rows": lambda row: [row],
    "claims": lambda c: [_claim_row(c)],
    "attributions": lambda e: [_claim_row(c, e["outlet"]) for c in e["claims"]],
    "accusations": _flat_accusation,
    "contradictions": _flat_contradiction,
    "corroboration": lambda i: [{"proposition": i["proposition"]["label"], "type": i["proposition"]["type"],
                                 "outlets": i["outlets"], "speakers": i["speakers"], "claims": i["claims"],
                                 "denials": i["denials"], "single_outlet": i["single_outlet"],
                                 "outlet_slugs": " ".join(i["outlet_slugs"]),
                                 "speaker_slugs": " ".join(i["speaker_slugs"]),
                                 "about": " ".join(i["proposition"]["about"]), "iri": i["proposition"]["iri"]}],
    "timeline": lambda i: [{"event": i["event"], "label": i["label"], "type": i["type"],
                            **_time_columns("time_", i["time"]), "place": (i["place"] or {}).get("slug"),
                            "claims": i["claims"], "articles": i["articles"], "outlets": i["outlets"]}],
    "network": lambda e: [{"kind": e["kind"], "source": e["source"], "target": e["target"], "count": e["count"],
                           "articles": e["articles"], "deeds": " ".join(e.get("deeds", [])),
                           "events": " ".join(e.get("events", []))}],
    "search": lambda i: [{k: i.get(k) for k in ("slug", "label", "kind", "type", "matched", "match", "claim")}],
    "articles": lambda i: [{"article": i["article"], "title": i["title"], "description": i["description"],
                            **_time_columns("published_", i["published"]), "outlet": i["outlet"]["slug"],
                            "authors": " ".join(a["slug"] for a in i["authors"]), "language": i["language"],
                            "url": i["url"], "translation_of": i["translationOf"], "claims": i["claims"]}],
}


@dataclass(frozen=True)
class Layout:
    build: Callable[..., Whole]
    flatten: Callable[[Row], list[Row]]
    #: The summaries the page shows, from the whole answer and where the page starts in its
    #: items and how many it holds at most (None: the whole answer's ``extra``).
    page_extra: Callable[[Whole, int, int | None], dict[str, Any]] | None = None
    uses_actors: bool = False  # build takes ``actors``: who the named actors are (roll-up to states)

    def flat(self, items: list[Row]) -> list[Row]:
        return [row for item in items for row in self.flatten(item)]


_BUILDERS: dict[str, Callable[..., Whole]] = {
    "rows": layout_rows, "claims": layout_claims, "attributions": layout_attributions,
    "accusations": layout_accusations, "event-claims": layout_event_claims, "speaker": layout_speaker,
    "outlet": layout_outlet, "contradictions": layout_contradictions, "corroboration": layout_corroboration,
    "timeline": layout_timeline, "network": layout_network, "search": layout_search, "articles": layout_articles,
}
_CLAIM_LAYOUTS = ("claims", "event-claims", "speaker", "outlet")
_USES_ACTORS = ("corroboration", "articles")
_PAGE_EXTRAS: dict[str, Callable[[Whole, int, int | None], dict[str, Any]]] = {
    "network": _network_page, "speaker": speaker_page_extra}
LAYOUTS: dict[str, Layout] = {
    name: Layout(build, FLATTENERS["claims" if name in _CLAIM_LAYOUTS else name],
                _PAGE_EXTRAS.get(name), uses_actors=name in _USES_ACTORS)
    for name, build in _BUILDERS.items()
}
