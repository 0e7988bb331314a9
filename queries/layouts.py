"""How rows become answers: one layout per kind of question.

A question's SPARQL returns flat rows; its ``layout`` (named in the ``.rq`` header) folds them
into the list an answer pages through (``Whole.items``) and, for some questions, summaries over
the whole answer (``Whole.extra``: ``by_stance``, ``quotes`` ...). Every layout also says how one
of its items is written as flat rows, for tables and CSV. ("Shape" in claimgraph means a SHACL
shape only.)

Claim questions return one row per (claim, relay) so that chains of any depth come back in one
query; :func:`fold_claims` folds those rows into one record per claim with the chain in order
from the outlet to the original speaker. A claim record is::

    {"claim": IRI, "article": {"slug", "title", "published": TIME}, "outlet": {"slug", "label"},
     "speaker": {"slug", "label"}, "voice": "own" | "reported", "chain": [{"slug", "label", "cue"?}],
     "illocution", "polarity", "stance": "affirming" | "denying" | "questioning", "certainty",
     "analystConfidence", "paragraph", "when": TIME + {"source": "claim" | "article"},
     "proposition": {"iri", "label", "type", "roles": {"event": slug, "agent": slug, ...}},
     "evidence": {"paraphrase", "quote", "cue"}}

where TIME is ``{"label", "earliest", "latest"}`` (ISO dates; the label is the curator's, or the
dates themselves). The network layout is drawn by dashboards as it comes::

    {"nodes": [{"id": slug, "label", "kind": "state" | "person" | "news-outlet" | ...}],
     "edges": [{"id", "source": slug, "target": slug, "kind": "voice" | "accuses", "count", ...}]}

Rows may repeat (a proposition shared by two articles has its triples in both article graphs):
every layout is indifferent to repeated rows.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
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

    def add(self, row: Row) -> None:
        self.rows.append(row)
        for column in ("quote", "cue", "paragraph", "claimEarliest", "claimLatest", "claimLabel", "publishedLabel"):
            if row.get(column) is not None:
                self.facts[column] = row[column]
        if row.get("roleProperty") and row.get("roleSlug"):
            role = ROLES.get(local_name(row["roleProperty"]) or "", local_name(row["roleProperty"]))
            self.roles[role] = row["roleSlug"]
        if row.get("relay"):
            if row.get("relaySpeakerSlug"):
                self.relays[row["relay"]] = {"slug": row["relaySpeakerSlug"], "label": row.get("relaySpeakerLabel"),
                                             "child": row.get("relayChild")}
            if row.get("relayCue"):
                self.cues[row["relay"]] = row["relayCue"]

    def chain(self, claim: str, speaker: dict[str, Any]) -> list[dict[str, Any]]:
        """From the outlet inwards to the original speaker: each relay is found by what it relays."""
        by_child = {r["child"]: (iri, r) for iri, r in self.relays.items()}
        inwards, child = [], claim
        while child in by_child and len(inwards) <= len(self.relays):
            iri, relay = by_child[child]
            inwards.append({"slug": relay["slug"], "label": relay["label"],
                            **({"cue": self.cues[iri]} if iri in self.cues else {})})
            child = iri
        return [*reversed(inwards), speaker]

    def record(self) -> Row:
        row, facts = self.first, self.facts
        speaker = {"slug": row["speakerSlug"], "label": row["speakerLabel"]}
        published = time_bounds(facts.get("publishedLabel"), row.get("published"), row.get("publishedLatest"))
        said = time_bounds(facts.get("claimLabel"), facts.get("claimEarliest"), facts.get("claimLatest"))
        record: Row = {
            "claim": row["claim"],
            "article": {"slug": row["articleSlug"], "title": row["articleTitle"], "published": published},
            "outlet": {"slug": row["outletSlug"], "label": row["outletLabel"]},
            "speaker": speaker,
        }
        record.update({f: row[f] for f in CLAIM_FIELDS if f in row})
        record["stance"] = stance(row.get("illocution"), row.get("polarity"))
        record["paragraph"] = facts.get("paragraph")
        record["when"] = {**said, "source": "claim"} if said else {**published, "source": "article"} if published else None
        record["proposition"] = {"iri": row.get("proposition"), "label": row.get("propositionLabel"),
                                 "type": proposition_type(row.get("propositionClass")),
                                 "roles": dict(sorted(self.roles.items()))}
        record["evidence"] = {"paraphrase": row.get("paraphrase"), "quote": facts.get("quote"), "cue": facts.get("cue")}
        if row.get("attributedToSlug") is not None:
            record["attributedTo"] = {"slug": row["attributedToSlug"], "label": row.get("attributedToLabel")}
        record["chain"] = self.chain(row["claim"], speaker)
        if "voice" not in row:
            record["voice"] = "reported" if len(record["chain"]) > 1 else "own"
        return record


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


def claims(rows: list[Row], order: Callable[[Row], Any] | None = None) -> list[Row]:
    """One record per claim, with its chain; in the order of the rows, or sorted by ``order``."""
    records = [record for record, _ in fold_claims(rows).values()]
    return sorted(records, key=order) if order else records


def _count_by(items: Iterable[Row], key: Callable[[Row], dict[str, Any]], **counters: Callable[[Row], str]
              ) -> list[Row]:
    """Group records by an entity: ``[{entity, count, <counter>: {value: n}}]``, most first."""
    groups: dict[str, Row] = {}
    for item in items:
        entity = key(item)
        group = groups.setdefault(entity["slug"], {"entity": entity, "count": 0,
                                                   **{name: Counter() for name in counters}})
        group["count"] += 1
        for name, fn in counters.items():
            group[name][fn(item)] += 1
    ordered = sorted(groups.values(), key=lambda g: (-g["count"], g["entity"]["slug"]))
    return [{**g, **{name: dict(sorted(g[name].items())) for name in counters}} for g in ordered]


# --------------------------------------------------------------------------------------- layouts

def layout_rows(rows: list[Row]) -> Whole:
    return Whole(rows)


def layout_claims(rows: list[Row]) -> Whole:
    """Claims in the curator's order (article, paragraph, claim id)."""
    return Whole(claims(rows, article_order))


def attributions(rows: list[Row]) -> list[Row]:
    """Per outlet: the outlet, its articles, and the claims behind the attribution."""
    outlets: dict[str, Row] = {}
    for claim in claims(rows, article_order):
        outlet = claim.pop("outlet")
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
    return sorted(outlets.values(), key=lambda e: e["outlet"]["slug"])


def layout_attributions(rows: list[Row]) -> Whole:
    return Whole(attributions(rows))


def _stance_counts(items: list[Row]) -> dict[str, int]:
    counts = Counter(c["stance"] for c in items)
    return {s: counts.get(s, 0) for s in STANCES}


def layout_event_claims(rows: list[Row]) -> Whole:
    """Claims about an event, with who says what: counts by stance, by speaker and by outlet."""
    items = claims(rows, article_order)
    return Whole(items, {
        "by_stance": _stance_counts(items),
        "by_speaker": [{"speaker": g["entity"], "count": g["count"], "stances": g["stances"]}
                       for g in _count_by(items, lambda c: c["speaker"], stances=lambda c: c["stance"])],
        "by_outlet": [{"outlet": g["entity"], "count": g["count"], "stances": g["stances"], "voices": g["voices"]}
                      for g in _count_by(items, lambda c: c["outlet"], stances=lambda c: c["stance"],
                                         voices=lambda c: c["voice"])],
    })


def _when_key(claim: Row) -> tuple:
    when = claim.get("when") or {}
    return (when.get("earliest") or "9999", when.get("latest") or "9999", *article_order(claim))


def layout_speaker(rows: list[Row]) -> Whole:
    """What an actor said, in time order; with an event, its stance timeline on that event."""
    items = sorted(claims(rows), key=_when_key)
    extra: dict[str, Any] = {
        "by_stance": _stance_counts(items),
        "speakers": [{"speaker": g["entity"], "count": g["count"]}
                     for g in _count_by(items, lambda c: c["speaker"])],
    }
    if rows and rows[0].get("event"):
        extra["timeline"] = [{"when": c["when"], "claim": c["claim"], "speaker": c["speaker"]["slug"],
                              "illocution": c["illocution"], "polarity": c["polarity"], "stance": c["stance"],
                              "certainty": c.get("certainty"), "article": c["article"]["slug"],
                              "outlet": c["outlet"]["slug"]} for c in items]
    return Whole(items, extra)


def layout_outlet(rows: list[Row], voice: str | None = None) -> Whole:
    """An outlet's claims; whom it quotes (original speakers and relays) and its own-voice count."""
    items = claims(rows, article_order)
    first = rows[0] if rows else {}
    facts = {k: r[k] for r in rows for k in ("outletCountry", "outletStateAffiliated") if r.get(k) is not None}
    kind = {"NewsOutlet": "news-outlet", "UnidentifiedOutlet": "unidentified-outlet"}
    outlet = {"slug": first.get("outletSlug"), "label": first.get("outletLabel"),
              "kind": kind.get(local_name(first.get("outletClass")) or "", local_name(first.get("outletClass"))),
              "country": facts.get("outletCountry"),
              "stateAffiliated": facts.get("outletStateAffiliated")} if rows else None
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
    voices = Counter(c["voice"] for c in items)
    extra = {
        "outlet": outlet,
        "by_voice": {"own": voices.get("own", 0), "reported": voices.get("reported", 0)},
        "by_stance": _stance_counts(items),
        "quotes": sorted(quoted.values(), key=lambda q: (-q["claims"], -q["relayed"], q["speaker"]["slug"])),
        "articles": sorted(articles.values(), key=lambda a: ((a["published"] or {}).get("earliest") or "", a["slug"])),
    }
    if voice:
        items = [c for c in items if c["voice"] == voice]
    return Whole(items, extra)


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
            e[role].sort(key=article_order)
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
        "proposition": {"iri": c["proposition"], "label": c["propositionLabel"]},
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
        items.append(pair)
    return Whole(items)


def layout_corroboration(rows: list[Row], only_single_outlet: bool = False) -> Whole:
    """Per proposition: how many outlets and original speakers carry it."""
    items = []
    for row in first_per(rows, "proposition"):
        items.append({
            "proposition": {"iri": row["proposition"], "label": row["propositionLabel"],
                            "type": proposition_type(row.get("propositionClass")), "about": _split(row.get("aboutSlugs"))},
            "outlets": row["outlets"], "speakers": row["speakers"], "claims": row["claims"],
            "articles": row["articles"], "denials": row.get("denials", 0), "questions": row.get("questions", 0),
            "single_outlet": row["outlets"] == 1,
            "outlet_slugs": _split(row.get("outletSlugs")), "speaker_slugs": _split(row.get("speakerSlugs")),
        })
    items.sort(key=lambda i: (-i["outlets"], -i["speakers"], -i["claims"], i["proposition"]["label"],
                              i["proposition"]["iri"]))
    extra = {"single_outlet": sum(i["single_outlet"] for i in items), "propositions": len(items)}
    if only_single_outlet:
        items = [i for i in items if i["single_outlet"]]
    return Whole(items, extra)


def first_per(rows: Iterable[Row], column: str) -> Iterator[Row]:
    """The first row of each value of ``column``, in the rows' order (rows may repeat)."""
    seen = set()
    for row in rows:
        if row[column] not in seen:
            seen.add(row[column])
            yield row


def layout_timeline(rows: list[Row]) -> Whole:
    """Events in the order of their earliest bound, with the claims made about them."""
    items = []
    for row in first_per(rows, "slug"):
        items.append({
            "event": row["slug"], "label": row["label"], "type": row.get("type"),
            "time": time_bounds(row.get("timeLabel"), row.get("earliest"), row.get("latest")),
            "place": _entity(row, "place"),
            "claims": row.get("claims", 0), "articles": row.get("articles", 0), "outlets": row.get("outlets", 0),
            "said": time_bounds(None, row.get("firstSaid"), row.get("lastSaid")),
        })
    items.sort(key=lambda i: ((i["time"] or {}).get("earliest") or "9999", (i["time"] or {}).get("latest") or "9999",
                              i["event"]))
    return Whole(items)


def layout_network(rows: list[Row], kind: str | None = None) -> Whole:
    """Edges (who is given voice by which outlet, who accuses whom), most claims first."""
    edges, nodes = [], {}
    for row in rows:
        if kind and row["kind"] != kind:
            continue
        for end in ("source", "target"):
            nodes[row[end + "Slug"]] = {"id": row[end + "Slug"], "label": row[end + "Label"],
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


def _network_page(whole: Whole, page: list[Row]) -> dict[str, Any]:
    """The nodes the page's edges touch, by id."""
    ids = sorted({e[end] for e in page for end in ("source", "target")})
    return {"nodes": [whole.extra["nodes"][i] for i in ids]}


def layout_search(rows: list[Row]) -> Whole:
    """One result per entity, the best match first (exact, prefix, word start, anywhere)."""
    items = []
    for row in first_per(rows, "slug"):
        rank, _, matched = (row.get("best") or "9 ").partition(" ")
        items.append({"slug": row["slug"], "label": row["label"], "kind": row["kind"], "type": row["entityType"],
                      "matched": matched, "match": {"0": "exact", "1": "prefix", "2": "word", "3": "contains"}.get(rank)})
    order = {"exact": 0, "prefix": 1, "word": 2, "contains": 3}
    items.sort(key=lambda i: (order.get(i["match"], 9), i["label"].casefold(), i["slug"]))
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
    "search": lambda i: [{k: i[k] for k in ("slug", "label", "kind", "type", "matched", "match")}],
}


@dataclass(frozen=True)
class Layout:
    build: Callable[..., Whole]
    flatten: Callable[[Row], list[Row]]
    page_extra: Callable[[Whole, list[Row]], dict[str, Any]] | None = None

    def flat(self, items: list[Row]) -> list[Row]:
        return [row for item in items for row in self.flatten(item)]


_BUILDERS: dict[str, Callable[..., Whole]] = {
    "rows": layout_rows, "claims": layout_claims, "attributions": layout_attributions,
    "accusations": layout_accusations, "event-claims": layout_event_claims, "speaker": layout_speaker,
    "outlet": layout_outlet, "contradictions": layout_contradictions, "corroboration": layout_corroboration,
    "timeline": layout_timeline, "network": layout_network, "search": layout_search,
}
_CLAIM_LAYOUTS = ("claims", "event-claims", "speaker", "outlet")
LAYOUTS: dict[str, Layout] = {
    name: Layout(build, FLATTENERS["claims" if name in _CLAIM_LAYOUTS else name],
                _network_page if name == "network" else None)
    for name, build in _BUILDERS.items()
}
