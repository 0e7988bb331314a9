"""A synthetic corpus of any size, in the real corpus format, for benchmarks.

It writes registry and article YAML files that go through the real ingestion path (parsing,
validation, entity resolution, SHACL, store). The shape follows the seed corpus: states with
government bodies and spokespeople that roll up to them, members of an assembly affiliated
with them (of the two named states), outlets, events, and articles whose
claims are own-voice assertions, reported statements and relayed reports, with accusations,
responsibility claims, denials and status claims. The fixed slugs ``azal-crash``, ``russia`` and
``azerbaijan`` exist, so the named questions run with the same parameters as on the real corpus.

>>> import tempfile, pathlib
>>> root = pathlib.Path(tempfile.mkdtemp())
>>> write_corpus(root, claims=120, seed=1)
120
>>> sorted(p.name for p in (root / "registry").iterdir())
['actors.yaml', 'events.yaml', 'places.yaml']
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import yaml

CLAIMS_PER_ARTICLE = 50
STATES = 40
BODIES_PER_STATE = 4
PEOPLE_PER_BODY = 3
MEMBERS_PER_STATE = 2
#: The share of claims said by a member of an assembly (drawn apart: the rest of the corpus is
#: what it was before there were members).
MEMBER_SHARE = 0.02
OUTLETS = 60
EVENTS_PER_1K_CLAIMS = 5
ILLOCUTIONS = ["asserts", "accuses", "acknowledges", "predicts", "criticizes", "warns", "calls-for"]
DEEDS = ["espionage", "cyberattack", "aggression", "propaganda", "provocation", "interference"]
STATUSES = ["part-of", "disputed-territory", "sovereign-territory-of"]
EVENT_TYPES = ["detention", "arrest", "raid", "closure", "ban", "cyberattack", "speech", "statement"]


def _registry(rng: random.Random, events: int) -> tuple[dict, list[str], list[str], list[str], list[str]]:
    actors = [{"slug": "russia", "kind": "state", "label": "Russia"},
              {"slug": "azerbaijan", "kind": "state", "label": "Azerbaijan"}]
    actors += [{"slug": f"state-{i}", "kind": "state", "label": f"State {i}"} for i in range(STATES - 2)]
    states = [a["slug"] for a in actors]
    speakers: list[str] = []
    for state in states:
        for b in range(BODIES_PER_STATE):
            body = f"{state}-body-{b}"
            actors.append({"slug": body, "kind": "government-body", "label": f"Body {b} of {state}",
                           "part_of": [state]})
            speakers.append(body)
            for p in range(PEOPLE_PER_BODY):
                person = f"{body}-official-{p}"
                actors.append({"slug": person, "kind": "person", "label": f"Official {p} of {body}",
                               "role": "spokesperson", "represents": [body]})
                speakers.append(person)
    # Members of an assembly of the two named states, who work for its first body without speaking
    # for it (the speaker question shows them apart with ``affiliated``); the first also speaks
    # for a second body, and so for the state.
    for state in ("russia", "azerbaijan"):
        for m in range(MEMBERS_PER_STATE):
            member = {"slug": f"{state}-member-{m}", "kind": "person", "label": f"Member {m} of the assembly of {state}",
                      "role": "member of the assembly", "affiliated_with": [f"{state}-body-0"]}
            if m == 0:
                member["represents"] = [f"{state}-body-1"]
            actors.append(member)
    outlets = [f"outlet-{i}" for i in range(OUTLETS)]
    actors += [{"slug": o, "kind": "news-outlet", "label": f"Outlet {o[7:]}", "country": rng.choice(states)}
               for o in outlets]
    start = dt.date(2020, 1, 1)
    event_list = [{"slug": "azal-crash", "type": "air-crash", "label": "Crash of an Azerbaijan Airlines plane",
                   "place": "aktau", "time": dt.date(2024, 12, 25), "deaths": 38}]
    for i in range(events - 1):
        day = start + dt.timedelta(days=rng.randrange(2000))
        time = day if i % 3 else {"label": f"late {day:%B %Y}", "earliest": day,
                                  "latest": day + dt.timedelta(days=10)}
        event_list.append({"slug": f"event-{i}", "type": rng.choice(EVENT_TYPES), "label": f"Event {i}",
                           "place": "aktau", "time": time, "participants": [rng.choice(states)]})
    # Territories whose status is claimed: Karabakh and two more per three events, so that the
    # status claims about one territory stay a few dozen at any size (as in the news, where the
    # same few outlets argue over one territory), not a tenth of the corpus.
    places = [{"slug": "aktau", "label": "Aktau"}, {"slug": "karabakh", "label": "Karabakh"}]
    places += [{"slug": f"territory-{i}", "label": f"Territory {i}"} for i in range(events * 2 // 3)]
    registry = {"actors": actors, "events": event_list, "places": places}
    return registry, states, speakers, outlets, [e["slug"] for e in event_list]


def _content(rng: random.Random, states: list[str], speakers: list[str], events: list[str],
             territories: list[str]) -> tuple[dict, str]:
    kind = rng.random()
    event = "azal-crash" if rng.random() < 0.05 else rng.choice(events)
    if kind < 0.35:
        agent = rng.choice(states + speakers)
        return {"type": "responsibility", "event": event, "agent": agent}, f"{agent} is to blame for {event}"
    if kind < 0.65:
        accused, deed = rng.choice(states + speakers), rng.choice(DEEDS)
        return {"type": "accusation", "accused": accused, "deed": deed, "event": event}, f"{accused} did {deed}"
    if kind < 0.75:
        obj = rng.choice(states[:3])
        territory = rng.choice(territories)
        return {"type": "status", "subject": territory, "status": rng.choice(STATUSES), "object": obj}, \
            f"status of {territory} relative to {obj}"
    if kind < 0.9:
        return {"type": "prediction", "subject": rng.choice(states), "outcome": f"tension level {rng.randrange(20)}",
                "event": event}, "a prediction"
    return {"type": "generic", "subject": rng.choice(states), "predicate": f"relation {rng.randrange(30)} with",
            "object": rng.choice(states)}, "a generic statement"


def write_corpus(root: Path, *, claims: int, seed: int = 0) -> int:
    """Write a corpus of about ``claims`` claims under ``root``; return the number written."""
    rng = random.Random(seed)
    events = max(10, claims * EVENTS_PER_1K_CLAIMS // 1000)
    registry, states, speakers, outlets, event_slugs = _registry(rng, events)
    territories = [p["slug"] for p in registry["places"] if p["slug"] != "aktau"]
    side = random.Random(f"members-{seed}")
    members = [a["slug"] for a in registry["actors"] if "-member-" in a["slug"]]
    (root / "registry").mkdir(parents=True, exist_ok=True)
    (root / "articles").mkdir(parents=True, exist_ok=True)
    for name in ("actors", "events", "places"):
        (root / "registry" / f"{name}.yaml").write_text(
            yaml.safe_dump({name: registry[name]}, sort_keys=False, allow_unicode=True), encoding="utf-8")
    written, article = 0, 0
    while written < claims:
        count = min(CLAIMS_PER_ARTICLE, claims - written)
        published = dt.date(2021, 1, 1) + dt.timedelta(days=rng.randrange(1800))
        items = []
        for c in range(count):
            content, gist = _content(rng, states, speakers, event_slugs, territories)
            voice = rng.random()
            claim = {"id": f"c{c:03d}", "speaker": "self" if voice < 0.3 else rng.choice(speakers + states),
                     "illocution": rng.choice(ILLOCUTIONS), "polarity": "negative" if rng.random() < 0.2 else "positive",
                     "certainty": rng.choice(["certain", "probable", "possible"]), "content": content,
                     "paraphrase": f"Synthetic claim {c} of article {article}: {gist}.", "paragraph": 1 + c // 3}
            if claim["speaker"] != "self" and side.random() < MEMBER_SHARE:
                claim["speaker"] = side.choice(members)
            if claim["speaker"] != "self" and voice > 0.8:
                claim["via"] = [rng.choice(outlets)]
            if c and rng.random() < 0.1:
                claim["links"] = [{"relation": "responds-to", "claim": f"c{rng.randrange(c):03d}"}]
            items.append(claim)
        doc = {"article": {"slug": f"synthetic-{article:06d}", "title": f"Synthetic article {article}",
                           "published": published, "outlet": rng.choice(outlets), "language": "en"},
               "curation": {"curator": "synthetic", "date": dt.date(2026, 11, 22)},
               "claims": items}
        (root / "articles" / f"synthetic-{article:06d}.yaml").write_text(
            yaml.safe_dump(doc, sort_keys=False, allow_unicode=True), encoding="utf-8")
        written += count
        article += 1
    return written
