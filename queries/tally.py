"""The store's tallies: counts that whole-corpus questions read instead of joining every claim
at each request, kept up to date per changed article (``docs/decisions/0031-tallies.md``).

``timeline`` counts, for every event, the claims about it, their articles and outlets and when
they were said; ``network`` counts, for every edge (who is given voice by which outlet, who
accuses whom), its claims and articles, with its outlets, deeds and events. Each is a sum over
articles (a claim belongs to one article): ingestion runs the queries of ``tallies/`` on each
article alone, in the worker that builds it, beside the rules of ``ontology/rules/``
(:func:`article_rows`), and adds what each article gives to the totals (:data:`TABLES`), kept in
SQLite files beside the version (:mod:`claimgraph.queries.tally_store`, which writes and reads
them). A change takes a changed or deleted article's old contribution out (its rows read from
the version it changes, before its graphs go) and adds its new one; only totals are kept. This
module says what the tallies hold: changing it means building every store again; how they are
kept on disk does not. A page of the network is one
indexed read of ``edges``; the timeline's counts one read of each event table. The claim
questions ``event-claims``, ``speaker`` and ``outlet`` find the articles that hold their page from
their claims counted per article and time (``claim_groups``), and their summaries from the counts
of ``claim_counts`` and ``outlet_voices`` (``docs/decisions/0034-claim-pages-from-tallies.md``); an
outlet's claims of one voice, and an event's with its related events (less the claims
``event_overlaps`` says are about several), page the same way (``docs/decisions/0038-claim-pages-with-their-parameters.md``). The
accusations question pages its charges from ``charges`` and ``charge_accusers``
(``docs/decisions/0035-accusations-from-tallies.md``); the corroboration question reads its
propositions' counts from ``propositions``, ``proposition_sets`` and ``proposition_events``
(``docs/decisions/0036-corroboration-from-tallies.md``). The search question matches the
entities' names kept in ``names``, and the timeline finds its page of events in ``event_index``:
not an article's rows, but read from a version's graphs once they are loaded (:func:`graph_rows`,
``docs/decisions/0042-indexes-read-from-a-versions-graphs.md``); with ``type`` claim, it pages the
claims' texts kept in ``claim_texts``, an article's rows like the counts
(``docs/decisions/0043-claim-texts-in-the-tallies.md``).

A question whose header says ``tallied: true`` reads its counts here on a store that has them
(:mod:`claimgraph.queries.tallied`); on any other (a server, a store made before tallies) it
answers from its own query alone. Both give the same answer: ``tests/queries/test_tallies.py``.

>>> sorted(QUERIES)  # doctest: +NORMALIZE_WHITESPACE
['article_index', 'articles', 'charges', 'claim_groups', 'claim_texts', 'core_sides', 'edge_claims',
 'event_claims', 'outlet_voices', 'propositions', 'status_claims']
>>> slug_of_actor("https://w3id.org/claimgraph/id/actor/russia")
'russia'
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import yaml

from claimgraph.ontology import iris
from claimgraph.ontology.namespace import CG
from claimgraph.queries.details import article_key_columns, claim_key, slug_of
from claimgraph.queries.layouts import chain_of, natural, stance

logger = logging.getLogger(__name__)

FOLDER = Path(__file__).parent / "tallies"
_ACTOR = f"{iris.ID}actor/"
#: What every proposition's IRI (a charge's too) begins with, left out where the tallies keep it.
PROPOSITION_PREFIX = f"{iris.ID}proposition/"
#: The kinds of entity a proposition's role names that have a slug (a claim a proposition is
#: about has none), by the start of their IRIs.
_SLUGGED = tuple(f"{iris.ID}{kind}/" for kind in ("actor", "event", "place", "article"))
_EVENT = f"{iris.ID}event/"
#: What every claim's IRI begins with; the rest is its article's slug, a slash and the claim's id
#: (``iris.claim``), which the tallies keep apart.
CLAIM_PREFIX = f"{iris.ID}claim/"
#: The roles whose entities a corroborated proposition is about, its charged actor's, and those
#: that make it about an event.
_ABOUT = ("aboutEvent", "agent", "accused", "subject", "object", "causeEvent", "beneficiary", "addressee")
_CHARGED = ("agent", "accused")
_ABOUT_EVENT = ("aboutEvent", "subject", "object", "causeEvent")

#: The tables: their key columns and their count columns. Every count is a sum over articles of
#: what each gives, so a change takes an article's old contribution out and puts its new one in; a
#: row whose ``articles`` falls to 0 goes. The sets (an event's outlets, an edge's outlets, deeds
#: and events) are rows counting the articles that give each member.
TABLES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "event_counts": (("event",), ("claims", "articles")),
    "event_outlets": (("event", "outlet"), ("articles",)),
    "event_said": (("event", "said_min", "said_max"), ("articles",)),
    "edges": (("kind", "source", "target"), ("claims", "articles")),
    "edge_outlets": (("kind", "source", "target", "outlet"), ("articles",)),
    "edge_deeds": (("kind", "source", "target", "deed"), ("articles",)),
    "edge_events": (("kind", "source", "target", "event"), ("articles",)),
    "core_sides": (("core",), ("affirms", "denies", "articles")),
    "status_claims": (("subject", "value", "object"), ("claims", "articles")),
    "articles": (("article", "first", "last"), ("claims", "articles")),
    "article_index": (("article", "slug", "earliest", "latest", "outlet"), ("claims", "articles")),
    "event_articles": (("event", "article"), ("claims", "articles")),
    # The claims about an event (kind "event"), by an actor they speak for ("speaker") or in an
    # outlet ("outlet"; of one voice, "outlet:own" or "outlet:reported", for the page the outlet
    # question's ``voice`` asks for): per article and when they were said (an outlet's: when
    # published), in the answers' order (the primary key's); and per speaker, outlet, stance and
    # voice, what their summaries count. Slugs for the anchor, the article, speaker and outlet: the tables are kept
    # per version, so kept small.
    "claim_groups": (("kind", "anchor", "when_earliest", "when_latest", "published", "article"), ("claims", "articles")),
    "claim_counts": (("kind", "anchor", "speaker", "outlet", "stance", "voice"), ("claims", "articles")),
    # The claims that concern more than one event, once per event (its slug), with their group and
    # what the summaries count them by: an event's answer with ``related`` adds up the groups and
    # counts of several events, and takes out again the claims these count more than once.
    "event_overlaps": (("event", "claim", "when_earliest", "when_latest", "published", "article", "speaker", "outlet",
                        "stance", "voice"), ("articles",)),
    # An outlet's claims by whom it gives voice to: role "outlet" or "author" (its own voice: the
    # outlet itself, or an author it publishes), "claims" (the original speaker of a reported
    # claim) or "relayed" (a relay nearer the outlet).
    "outlet_voices": (("outlet", "speaker", "role"), ("claims", "articles")),
    # The charges (responsibility and accusation propositions) the acts of the articles are about,
    # in the accusations question's order (its charged actor's slug, its label, the charge: the
    # IRI without :data:`PROPOSITION_PREFIX`), with how many acts affirm each: once with ``within`` ""
    # (every charge) and once per actor the charge falls within (``accused`` filters by these).
    "charges": (("within", "accused", "label", "charge"), ("affirms", "articles")),
    # The same charges per actor an affirming act speaks for (``accuser`` filters by these).
    "charge_accusers": (("accuser", "accused", "label", "charge"), ("claims", "articles")),
    # The propositions the articles' claims are about (the IRI without :data:`PROPOSITION_PREFIX`),
    # with their facts (type, label, core, the slugs of their roles' entities, space-separated)
    # and how many claims carry (affirm, not as a question), deny and question them, and how
    # many carrying claims are said alone (a mention of no statement): what the corroboration
    # question counts.
    "propositions": (("proposition", "class", "label", "core", "about", "charged", "deeds", "events"),
                     ("claims", "denials", "questions", "said_alone", "articles")),
    # Who and what carries each proposition: kind "outlet", "speaker", "article" (slugs) or
    # "mention" (the statement carrying claims are mentions of).
    "proposition_sets": (("proposition", "kind", "value"), ("claims", "articles")),
    # The events each proposition is about (event, subject, object or cause: what the
    # corroboration question's ``event`` finds), by the event's slug.
    "proposition_events": (("event", "proposition"), ("articles",)),
    # The names the search question matches, per entity and folded name (``cg:searchKey``), with
    # what it shows of the entity; ``articles`` counts the graphs that give the row (the registry's,
    # an article's). Not an article's rows: read from a version's graphs (:func:`graph_rows`).
    "names": (("entity", "key", "label", "slug", "kind", "entity_type"), ("articles",)),
    # The events the timeline lists, with what orders and filters them (bounds "" for none);
    # ``articles`` counts the graphs that declare the event. Read as ``names`` is.
    "event_index": (("event", "slug", "earliest", "latest"), ("articles",)),
    # The claims' texts the search question matches with ``type`` claim: per claim and folded text,
    # the claim's paraphrase case-folded, its article's slug and its id (its IRI is
    # :data:`CLAIM_PREFIX`, the slug, a slash and the id), the folded text after a space (so that
    # a word of it starts after a space, the first too) and the paraphrase. In
    # the order the question lists the claims of one rank (by their paraphrase, case-folded, then
    # their article's slug, then their IRI): a scan of the table reads them in that order.
    "claim_texts": (("sort", "slug", "claim", "key", "label"), ("articles",)),
}
SCHEMA = "".join(
    f"CREATE TABLE {table} ({', '.join(f'{c} TEXT NOT NULL' for c in keys)}, "
    f"{', '.join(f'{c} INTEGER NOT NULL' for c in counts)}, PRIMARY KEY ({', '.join(keys)})) WITHOUT ROWID;\n"
    for table, (keys, counts) in TABLES.items()) + """
CREATE INDEX edges_order ON edges (claims DESC, kind, source, target);
CREATE INDEX edges_kind_order ON edges (kind, claims DESC, source, target);
CREATE INDEX article_index_order ON article_index (earliest, latest, slug);
CREATE INDEX event_articles_article ON event_articles (article);
"""


def _read_queries(per: str) -> dict[str, str]:
    """The queries of :data:`FOLDER` whose header says they run ``per`` article (the default) or
    graph, by table name."""
    found = {}
    for path in sorted(FOLDER.glob("*.rq")):
        text = path.read_text(encoding="utf-8")
        header = yaml.safe_load("\n".join(line[3:] for line in text.splitlines() if line.startswith("#+ "))) or {}
        if header.get("per", "article") == per:
            found[header["table"]] = "\n".join(line for line in text.splitlines()
                                               if line.strip() and not line.lstrip().startswith("#"))
    return found


#: The per-article query of each table, by table name.
QUERIES = _read_queries("article")
#: The query of each table read from a version's graphs once they are loaded (:func:`graph_rows`).
GRAPH_QUERIES = _read_queries("graph")


def voice_kind(voice: str) -> str:
    """The kind under which ``claim_groups`` counts an outlet's claims of one voice (``own``,
    ``reported``)."""
    return f"outlet:{voice}"


def slug_of_actor(iri: str) -> str:
    """An actor's slug, from its IRI (the registry makes one from the other: ``iris.entity``)."""
    if not iri.startswith(_ACTOR):
        raise ValueError(f"{iri} is not an actor's IRI")
    return iri[len(_ACTOR):]


ArticleRows = dict[str, list[tuple[Any, ...]]]


def article_rows(store: ox.Store, graphs: Sequence[ox.NamedNode] | None = None) -> ArticleRows:
    """The tallies' rows of one article, by table: from ``store`` holding that article alone (with
    its derived facts), or, with ``graphs``, from those graphs of a whole store (the article's
    graph, its derived graph and the shared graph: its contribution to a version it is in)."""
    dataset: dict[str, Any] = ({"use_default_graph_as_union": True} if graphs is None
                               else {"default_graph": list(graphs)})
    rows: ArticleRows = {table: [] for table in QUERIES}
    for row in store.query(QUERIES["event_claims"], **dataset):  # type: ignore[union-attr]
        event, outlet, article, claims, said_min, said_max = row
        rows["event_claims"].append((event.value, slug_of_actor(outlet.value), article.value, int(claims.value),
                                     said_min.value, said_max.value))
    for row in store.query(QUERIES["edge_claims"], **dataset):  # type: ignore[union-attr]
        kind, source, target, claims, outlets, deeds, events = row
        rows["edge_claims"].append(
            (kind.value, slug_of_actor(source.value), slug_of_actor(target.value), int(claims.value),
             tuple(sorted(slug_of_actor(o) for o in outlets.value.split())), tuple(sorted(deeds.value.split())),
             tuple(sorted(events.value.split()))))
    for table in ("core_sides", "status_claims", "article_index"):
        for row in store.query(QUERIES[table], **dataset):  # type: ignore[union-attr]
            rows[table].append(tuple(int(term.value) if isinstance(term, ox.Literal) and term.datatype.value == _INTEGER
                                     else term.value for term in row))
    rows["claim_groups"], rows["event_overlaps"] = _claim_groups(
        store.query(QUERIES["claim_groups"], **dataset))  # type: ignore[arg-type]
    rows["outlet_voices"] = _outlet_voices(store.query(QUERIES["outlet_voices"], **dataset))  # type: ignore[arg-type]
    rows["propositions"], rows["proposition_sets"], rows["proposition_events"] = _propositions(
        store.query(QUERIES["propositions"], **dataset))  # type: ignore[arg-type]
    rows["charges"], rows["charge_accusers"] = _charges(store.query(QUERIES["charges"], **dataset))  # type: ignore[arg-type]
    rows["claim_texts"] = [(label.value.casefold(), *claim.value[len(CLAIM_PREFIX):].split("/", 1), f" {key.value}",
                            label.value)
                           for claim, key, label in store.query(QUERIES["claim_texts"], **dataset)]  # type: ignore[misc]
    claims: dict[str, list[str]] = {}
    for article, claim in store.query(QUERIES["articles"], **dataset):  # type: ignore[union-attr]
        claims.setdefault(article.value, []).append(claim.value)
    for article, found in claims.items():
        found.sort(key=natural)
        rows["articles"].append((article, found[0], found[-1], len(found)))
    return rows


def graph_rows(store: ox.Store, graphs: Sequence[ox.NamedNode] | None = None) -> ArticleRows:
    """The rows of the tables of :data:`GRAPH_QUERIES` (``names``, ``event_index``) that the
    graphs of ``store`` give (every named graph, or those of ``graphs``): one per graph that
    gives each. A full build reads them once its quads are loaded; a change takes out those of
    the registry and articles it replaces, read from the version it changes, and puts in those of
    the graphs it wrote (an article's entities are in its own graph, the registry's entries in
    the registry's)."""
    dataset: dict[str, Any] = {} if graphs is None else {"named_graphs": list(graphs)}
    return {table: [tuple("" if term is None else term.value for term in row)[1:]  # the graph left out
                    for row in store.query(query, **dataset)]  # type: ignore[union-attr]
            for table, query in GRAPH_QUERIES.items()}


def _claim_groups(solutions: Any) -> tuple[list[tuple[str, ...]], list[tuple[str, ...]]]:
    """Per claim and event it concerns, actor it speaks for or outlet it is in: (kind, the
    anchor's slug, when it was said (earliest, latest: its own time, else its article's; for an
    outlet, when its article was published, and ""), its article's earliest date and slug, its
    speaker's slug (of several, the first), its outlet's slug, its stance and voice): what the
    layouts of ``event-claims``, ``speaker`` and ``outlet`` order and count claims by, from the
    keys they read (:func:`claimgraph.queries.details.keys`; a claim has a key per speaker). And
    the rows of ``event_overlaps``: per claim that concerns several events, per event, (the
    event's slug, the claim, and the claim's columns as above from when it was said)."""
    found: dict[tuple[str, str, str], tuple[list[str], str]] = {}
    for kind, anchor, claim, key, article_key in solutions:
        found.setdefault((kind.value, anchor.value, claim.value), ([], article_key.value))[0].append(key.value)
    rows = []
    # A claim comes once per anchor, with the same keys, and an article's key with each of its
    # claims: each key is read once (a tenth of the tallies' time in a worker).
    read_keys: dict[str, tuple[str, dict[str, Any]]] = {}
    read_articles: dict[str, dict[str, Any]] = {}
    events: dict[str, list[tuple[str, ...]]] = {}  # a claim: its rows as one about each event it concerns
    for (kind, anchor, claim), (keys, article_key) in found.items():
        read = [read_keys.get(key) or read_keys.setdefault(key, claim_key(key)) for key in keys]
        speakers = [speaker for speaker, _ in read]
        act = read[0][1]
        article = read_articles.get(article_key) or read_articles.setdefault(article_key,
                                                                            article_key_columns(article_key))
        published = article["published"]
        # An outlet's claims come in the order of its articles (``layouts.article_order``): by
        # when each was published, not when its claims were said.
        when = (published, "") if kind == "outlet" else (act.get("claimEarliest", published),
                                                         act.get("claimLatest", article["publishedLatest"]))
        rows.append((kind, anchor.rsplit("/", 1)[-1], *when, published, article["articleSlug"],
                     min(slug_of_actor(s) for s in speakers), article["outletSlug"],
                     stance(act["illocution"], act["polarity"]), act["voice"]))
        if kind == "event":
            events.setdefault(claim, []).append(rows[-1])
    overlaps = [(row[1], claim, *row[2:]) for claim, about in events.items() if len(about) > 1 for row in about]
    return rows, overlaps


def _outlet_voices(solutions: Any) -> list[tuple[str, str, str]]:
    """Per claim: (its outlet's slug, an actor's slug, the role the claim gives it): the speaker of
    an own-voice claim as "author" (an author of the article) or "outlet"; along a reported
    claim's chain (``layouts.chain_of``, as the outlet question's layout follows it, from the rows
    ``parts/claim-chains.rq`` gives: every relay the claim reaches, with each act it relays and
    its speakers), each relay as "relayed" and the original speaker as "claims"."""
    claims: dict[str, dict[str, Any]] = {}
    up: dict[str, list[str]] = {}  # an act: the relays it is reported in
    down: dict[str, list[str]] = {}  # a relay: the acts it relays
    relay_speakers: dict[str, list[str]] = {}
    for claim, outlet, speaker, key, author, relay, child, relay_speaker in solutions:
        if claim is None:
            up.setdefault(child.value, []).append(relay.value)
            down.setdefault(relay.value, []).append(child.value)
            relay_speakers.setdefault(relay.value, []).append(slug_of_actor(relay_speaker.value))
            continue
        found = claims.get(claim.value)
        if found is None:  # the claim's first row: its key read once
            found = claims[claim.value] = {"outlet": outlet.value, "speakers": set(), "authors": set(),
                                           "voice": claim_key(key.value)[1]["voice"]}
        found["speakers"].add(slug_of_actor(speaker.value))
        if author is not None:
            found["authors"].add(slug_of_actor(author.value))
    rows = []
    for claim, found in claims.items():
        outlet, speaker = slug_of_actor(found["outlet"]), min(found["speakers"])
        if found["voice"] != "reported":
            rows.append((outlet, speaker, "author" if speaker in found["authors"] else "outlet"))
            continue
        reached: dict[str, None] = {}
        todo = list(up.get(claim, ()))
        while todo:
            relay = todo.pop()
            if relay not in reached:
                reached[relay] = None
                todo.extend(up.get(relay, ()))
        relays = [{"relay": relay, "relayChild": child, "relaySpeakerSlug": slug}
                  for relay in reached for child in dict.fromkeys(down.get(relay, ()))
                  for slug in dict.fromkeys(relay_speakers.get(relay, ()))]
        chain = chain_of(claim, {"slug": speaker, "label": None}, relays)
        rows.extend((outlet, link["slug"], "claims" if position == len(chain) - 1 else "relayed")
                    for position, link in enumerate(chain[1:], start=1))
    return rows


def _charges(solutions: Any) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """The article's rows of ``charges`` and ``charge_accusers``: per charge its acts are about,
    (within, the charged actor's slug, the charge's label, the charge without
    :data:`PROPOSITION_PREFIX`, how many of its acts affirm it), within "" and each actor's slug it
    falls within; per charge and actor an affirming act speaks for, (that actor's slug, charged
    actor, label, charge, how many such acts). A charge names one charged actor (its agent or
    accused: ``ingest/build.py``); of several labels (the same charge worded with other case or
    spacing in one article) the least is kept, as of several charged actors."""
    charges: dict[str, dict[str, set[str]]] = {}
    accusers: dict[tuple[str, str], set[str]] = {}
    for charge, act, label, accused, affirms, within, accuser in solutions:
        found = charges.setdefault(charge.value, {"labels": set(), "accused": set(), "affirming": set(),
                                                  "within": set()})
        if label is not None:
            found["labels"].add(label.value)
            found["accused"].add(slug_of_actor(accused.value))
            if affirms.value == "true":
                found["affirming"].add(act.value)
        elif within is not None:
            found["within"].add(slug_of_actor(within.value))
        else:
            accusers.setdefault((charge.value, slug_of_actor(accuser.value)), set()).add(act.value)
    rows, by_accuser = [], []
    named: dict[str, tuple[str, str, str]] = {}
    for charge, found in charges.items():
        if not found["labels"]:
            continue  # no label or no charged actor: the question does not list it
        named[charge] = key = (min(found["accused"]), min(found["labels"]), charge[len(PROPOSITION_PREFIX):])
        rows.extend((within, *key, len(found["affirming"])) for within in ("", *sorted(found["within"])))
    for (charge, accuser), acts in accusers.items():
        if charge in named:
            by_accuser.append((accuser, *named[charge], len(acts)))
    return rows, by_accuser


def _slug(iri: str) -> str | None:
    """The slug of an entity of the registry or an article (its IRI ends with it), None for
    anything else a role may name (a claim)."""
    return iri.rsplit("/", 1)[-1] if iri.startswith(_SLUGGED) else None


def _propositions(solutions: Any) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """The article's rows of ``propositions``, ``proposition_sets`` and ``proposition_events``:
    per proposition of its claims that the corroboration question finds (with a type, label and
    core, and a role naming an entity with a slug; claims with a stance, speaker, outlet and
    article), its facts and counts, who carries it and the events it is about. The facts are the
    question's columns: ``about`` the slugs of its roles' entities, ``charged`` of its agent or
    accused, ``deeds`` of its deed (a controlled value's slug), ``events`` of its event; a
    claim carries it when it affirms it (positive, not as a question), denies it (negative, not
    as a question) or questions it."""
    found: dict[str, dict[str, Any]] = {}
    for proposition, claim, polarity, illocution, speaker, outlet, article, utterance, class_, label, core, role, \
            entity in solutions:
        p = found.setdefault(proposition.value, {"claims": {}, "facts": set(), "roles": set()})
        if polarity is not None:
            c = p["claims"].setdefault(claim.value, {
                "polarity": polarity.value, "illocution": illocution.value, "speakers": set(),
                "outlet": slug_of_actor(outlet.value), "article": article.value.rsplit("/", 1)[-1],
                "utterance": None if utterance is None else utterance.value})
            c["speakers"].add(slug_of_actor(speaker.value))
        elif class_ is not None:
            p["facts"].add((class_.value, label.value, core.value))
        else:
            p["roles"].add((role.value, entity.value))
    rows, sets, events = [], [], []
    positive, negative = str(CG["polarity-positive"]), str(CG["polarity-negative"])
    questions = str(CG["illocution-questions"])
    for proposition, p in found.items():
        about = sorted({slug for role, entity in p["roles"] if role in _ABOUT and (slug := _slug(entity))})
        if not p["facts"] or not p["claims"] or not about:
            continue  # the question finds no row for it
        class_, label, core = min(p["facts"], key=lambda fact: fact[1])
        charged = sorted({slug for role, entity in p["roles"] if role in _CHARGED and (slug := _slug(entity))})
        deeds = sorted({slug_of(entity) or "" for role, entity in p["roles"] if role == "deed"} - {""})
        about_events = sorted({slug for role, entity in p["roles"] if role == "aboutEvent" and (slug := _slug(entity))})
        counts: Counter[str] = Counter()
        carried: Counter[tuple[str, str]] = Counter()
        for c in p["claims"].values():
            if c["illocution"] == questions:
                counts["questions"] += 1
            elif c["polarity"] == negative:
                counts["denials"] += 1
            elif c["polarity"] == positive:
                counts["claims"] += 1
                counts["said_alone"] += c["utterance"] is None
                carried.update([("outlet", c["outlet"]), ("article", c["article"]),
                                *(("speaker", speaker) for speaker in c["speakers"]),
                                *((("mention", c["utterance"]),) if c["utterance"] else ())])
        short = proposition[len(PROPOSITION_PREFIX):]
        rows.append((short, class_, label, core[len(PROPOSITION_PREFIX):], " ".join(about), " ".join(charged),
                     " ".join(deeds), " ".join(about_events),
                     counts["claims"], counts["denials"], counts["questions"], counts["said_alone"]))
        sets.extend((short, kind, value, n) for (kind, value), n in carried.items())
        events.extend((event, short) for event in sorted({entity[len(_EVENT):] for role, entity in p["roles"]
                                                          if role in _ABOUT_EVENT and entity.startswith(_EVENT)}))
    return rows, sets, events


_INTEGER = "http://www.w3.org/2001/XMLSchema#integer"


class Delta:
    """What articles add to (or, with ``sign`` -1, take from) every table's counts, by key."""

    def __init__(self) -> None:
        self.tables: dict[str, dict[tuple[str, ...], list[int]]] = {table: {} for table in TABLES}

    def __len__(self) -> int:
        return sum(map(len, self.tables.values()))

    def _add(self, table: str, key: tuple[str, ...], *counts: int) -> None:
        found = self.tables[table].get(key)
        if found is None:
            self.tables[table][key] = list(counts)
        else:
            for i, n in enumerate(counts):
                found[i] += n

    def add(self, rows: ArticleRows, sign: int = 1) -> None:
        """One article's rows (:func:`article_rows`)."""
        events: dict[str, list[Any]] = {}
        for event, outlet, article, claims, said_min, said_max in rows.get("event_claims", ()):
            seen = events.setdefault(event, [0, set(), said_min, said_max])
            seen[0] += claims
            seen[1].add(outlet)
            seen[2], seen[3] = min(seen[2], said_min), max(seen[3], said_max)
            self._add("event_articles", (event, article), sign * claims, sign)
        for event, (claims, outlets, said_min, said_max) in events.items():
            self._add("event_counts", (event,), sign * claims, sign)
            for outlet in outlets:
                self._add("event_outlets", (event, outlet), sign)
            self._add("event_said", (event, said_min, said_max), sign)
        for core, affirms, denies in rows.get("core_sides", ()):
            self._add("core_sides", (core,), sign * affirms, sign * denies, sign)
        for subject, value, object_, claims in rows.get("status_claims", ()):
            self._add("status_claims", (subject, value, object_), sign * claims, sign)
        for article, slug, earliest, latest, outlet, claims in rows.get("article_index", ()):
            self._add("article_index", (article, slug, earliest, latest, outlet), sign * claims, sign)
        for article, first, last, claims in rows.get("articles", ()):
            self._add("articles", (article, first, last), sign * claims, sign)
        groups: Counter[tuple[str, ...]] = Counter()
        counts: Counter[tuple[str, ...]] = Counter()
        for kind, anchor, when_earliest, when_latest, published, slug, speaker, outlet, stance_, voice in \
                rows.get("claim_groups", ()):
            groups[(kind, anchor, when_earliest, when_latest, published, slug)] += 1
            counts[(kind, anchor, speaker, outlet, stance_, voice)] += 1
            if kind == "outlet":  # an outlet's claims of one voice too: the page its ``voice`` asks for
                groups[(voice_kind(voice), anchor, when_earliest, when_latest, published, slug)] += 1
        for key in rows.get("event_overlaps", ()):
            self._add("event_overlaps", tuple(key), sign)
        for *key, claims_, denials, questions, alone in rows.get("propositions", ()):
            self._add("propositions", tuple(key), sign * claims_, sign * denials, sign * questions, sign * alone, sign)
        for *key, claims_ in rows.get("proposition_sets", ()):
            self._add("proposition_sets", tuple(key), sign * claims_, sign)
        for key in rows.get("proposition_events", ()):
            self._add("proposition_events", tuple(key), sign)
        for *key, affirms in rows.get("charges", ()):
            self._add("charges", tuple(key), sign * affirms, sign)
        for *key, claims in rows.get("charge_accusers", ()):
            self._add("charge_accusers", tuple(key), sign * claims, sign)
        voices: Counter[tuple[str, ...]] = Counter(rows.get("outlet_voices", ()))
        for table, counted in (("claim_groups", groups), ("claim_counts", counts), ("outlet_voices", voices)):
            for key, claims in counted.items():
                self._add(table, key, sign * claims, sign)
        for table in (*GRAPH_QUERIES, "claim_texts"):
            for key in rows.get(table, ()):
                self._add(table, tuple(key), sign)
        for kind, source, target, claims, outlets, deeds, events_ in rows.get("edge_claims", ()):
            edge = (kind, source, target)
            self._add("edges", edge, sign * claims, sign)
            for table, values in (("edge_outlets", outlets), ("edge_deeds", deeds), ("edge_events", events_)):
                for value in values:
                    self._add(table, (*edge, value), sign)


__all__ = ["CLAIM_PREFIX", "GRAPH_QUERIES", "PROPOSITION_PREFIX", "QUERIES", "SCHEMA", "TABLES", "ArticleRows", "Delta",
           "article_rows", "graph_rows", "slug_of_actor", "voice_kind"]
