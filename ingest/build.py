"""Turn validated corpus models into RDF: one named graph per article, plus the registry graph.

References are resolved through the registry here; every problem is collected with its file,
line and field. :func:`build` returns the dataset and, for each node it minted, where in the
corpus it came from, so that a SHACL violation can be reported at the curator's line.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from rdflib import RDF, RDFS, SKOS, XSD, Dataset, Graph, Literal, URIRef
from rdflib.namespace import PROV

from claimgraph.ontology import iris
from claimgraph.ontology.folding import search_key
from claimgraph.ingest.load import SourcedArticle
from claimgraph.ingest.models import (Accusation, Actor, Call, Causal, Claim, Event, Generic, Intent, Place,
                                      Prediction, Responsibility, Status, TimeBounds)
from claimgraph.ingest.registry import Kind, Located, Registry
from claimgraph.ingest.yaml_lines import field_path
from claimgraph.ontology.namespace import CG, VOCABULARIES
from claimgraph.ontology.errors import Problem

ACTOR_CLASS = {
    "state": CG.State, "government-body": CG.GovernmentBody, "person": CG.Person,
    "organization": CG.Organization, "news-outlet": CG.NewsOutlet, "group": CG.Group,
    "unnamed-source": CG.UnnamedSource,
}
ANY: tuple[Kind, ...] = ("actor", "event", "place")
LINK_PROPERTY = {"contradicts": CG.contradicts, "supports": CG.supports,
                 "responds-to": CG.respondsTo, "revises": CG.revises}
SELF = "self"


@dataclass
class Built:
    dataset: Dataset
    origins: dict[URIRef, tuple[str, int | None, str]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    article_count: int = 0
    claim_count: int = 0


def _lit(value: Any) -> Literal:
    if isinstance(value, bool):
        return Literal(value)
    if isinstance(value, int):
        return Literal(value, datatype=XSD.integer)
    return Literal(value)


def _time(g: Graph, node: URIRef, time: TimeBounds | None) -> None:
    if time is None:
        return
    g.add((node, CG.earliest, Literal(time.earliest, datatype=XSD.date)))
    g.add((node, CG.latest, Literal(time.latest, datatype=XSD.date)))
    if time.label:
        g.add((node, CG.timeLabel, Literal(time.label)))


class _Resolver:
    """Resolves references, recording a problem (and returning None) when one fails."""

    def __init__(self, registry: Registry, problems: list[Problem]) -> None:
        self.registry, self.problems = registry, problems

    def __call__(self, ref: str | None, kinds: tuple[Kind, ...], where: Callable[[], tuple[str, int | None, str]]
                 ) -> URIRef | None:
        if ref is None:
            return None
        try:
            found = self.registry.resolve(ref, kinds)
        except LookupError as exc:
            file, line, fieldname = where()
            self.problems.append(Problem(str(exc), file, line, fieldname))
            return None
        return iris.entity(found.kind, found.entry.slug)


def _registry_graph(g: Graph, registry: Registry, resolve: _Resolver, origins: dict) -> None:
    for item in registry.entries.values():
        entry = item.entry
        node = iris.entity(item.kind, entry.slug)
        origins[node] = (item.file, item.line, field_path(item.loc))

        def where(fieldname: str, item: Located = item) -> Callable[[], tuple[str, int | None, str]]:
            return lambda: (item.file, item.line, fieldname)

        g.add((node, CG.slug, Literal(entry.slug)))
        g.add((node, RDFS.label, Literal(entry.label)))
        for alias in entry.aliases:
            g.add((node, SKOS.altLabel, Literal(alias)))
        for name in (entry.label, *entry.aliases):
            g.add((node, CG.searchKey, Literal(search_key(name))))
        if entry.description:
            g.add((node, RDFS.comment, Literal(entry.description)))
        if isinstance(entry, Actor):
            g.add((node, RDF.type, ACTOR_CLASS[entry.kind]))
            if entry.role:
                g.add((node, CG.role, Literal(entry.role)))
            for prop, refs in ((CG.partOf, entry.part_of), (CG.represents, entry.represents),
                               (CG.affiliatedWith, entry.affiliated_with)):
                for ref in refs:
                    if (target := resolve(ref, ("actor",), where(str(prop).rsplit("#", 1)[1]))) is not None:
                        g.add((node, prop, target))
            if (country := resolve(entry.country, ("actor",), where("country"))) is not None:
                g.add((node, CG.country, country))
            if entry.state_affiliated is not None:
                g.add((node, CG.stateAffiliated, Literal(entry.state_affiliated)))
        elif isinstance(entry, Event):
            g.add((node, RDF.type, CG.Event))
            g.add((node, CG.eventType, VOCABULARIES["event-type"][entry.type]))
            if (place := resolve(entry.place, ("place",), where("place"))) is not None:
                g.add((node, CG.place, place))
            _time(g, node, entry.time)
            for ref in entry.participants:
                if (p := resolve(ref, ("actor",), where("participants"))) is not None:
                    g.add((node, CG.participant, p))
            if entry.deaths is not None:
                g.add((node, CG.deaths, _lit(entry.deaths)))
        elif isinstance(entry, Place):
            g.add((node, RDF.type, CG.Place))
            if (up := resolve(entry.located_in, ("place",), where("located_in"))) is not None:
                g.add((node, CG.locatedIn, up))


def _label(registry: Registry, ref: str | None) -> str:
    found = registry.lookup(ref) if ref else None
    return found.entry.label if found else (ref or "")


def _proposition(g: Graph, content: Any, registry: Registry, resolve: Callable[[str | None, tuple[Kind, ...], str], URIRef | None]
                 ) -> URIRef | None:
    """Add a proposition's triples; return its IRI (None when a reference failed)."""
    failed = False

    def resolve_ref(ref: str | None, kinds: tuple[Kind, ...], fieldname: str) -> URIRef | None:
        nonlocal failed
        value = resolve_outer(ref, kinds, fieldname)
        failed = failed or (ref is not None and value is None)
        return value

    resolve_outer, resolve = resolve, resolve_ref
    lab = lambda ref: _label(registry, ref)  # noqa: E731
    norm = lambda text: iris.normalize_text(text) if text else None  # noqa: E731
    if isinstance(content, Responsibility):
        cls, roles = CG.ResponsibilityProposition, {
            CG.aboutEvent: resolve(content.event, ("event",), "content.event"),
            CG.agent: resolve(content.agent, ("actor",), "content.agent")}
        texts = {CG.mechanism: content.mechanism}
        label = f"{lab(content.agent)} is responsible for {lab(content.event)}" + (
            f" ({content.mechanism})" if content.mechanism else "")
    elif isinstance(content, Causal):
        cls, roles = CG.CausalProposition, {
            CG.aboutEvent: resolve(content.event, ("event",), "content.event"),
            CG.causeEvent: resolve(content.cause_event, ("event",), "content.cause_event")}
        texts = {CG.causeText: content.cause}
        label = f"{lab(content.event)} was caused by {content.cause}"
    elif isinstance(content, Intent):
        cls, roles = CG.IntentProposition, {
            CG.agent: resolve(content.agent, ("actor",), "content.agent"),
            CG.aboutEvent: resolve(content.event, ("event",), "content.event")}
        texts = {CG.intentText: content.intent}
        label = f"{lab(content.agent)} intends {content.intent}"
    elif isinstance(content, Status):
        cls, roles = CG.StatusProposition, {
            CG.subject: resolve(content.subject, ANY, "content.subject"),
            CG.statusValue: VOCABULARIES["status"][content.status],
            CG.object: resolve(content.object, ANY, "content.object")}
        texts = {}
        label = f"{lab(content.subject)} {content.status.replace('-', ' ')}" + (
            f" {lab(content.object)}" if content.object else "")
    elif isinstance(content, Accusation):
        cls, roles = CG.AccusationProposition, {
            CG.accused: resolve(content.accused, ("actor",), "content.accused"),
            CG.deed: VOCABULARIES["deed"][content.deed],
            CG.beneficiary: resolve(content.beneficiary, ("actor",), "content.beneficiary"),
            CG.aboutEvent: resolve(content.event, ("event",), "content.event")}
        texts = {CG.detail: content.detail}
        label = f"{lab(content.accused)} committed {content.deed.replace('-', ' ')}" + (
            f" for {lab(content.beneficiary)}" if content.beneficiary else "") + (
            f": {content.detail}" if content.detail else "")
    elif isinstance(content, Prediction):
        cls, roles = CG.PredictionProposition, {
            CG.subject: resolve(content.subject, ANY, "content.subject"),
            CG.aboutEvent: resolve(content.event, ("event",), "content.event")}
        texts = {CG.outcome: content.outcome}
        label = f"{lab(content.subject)}: {content.outcome}"
    elif isinstance(content, Call):
        cls, roles = CG.CallProposition, {
            CG.addressee: resolve(content.addressee, ANY, "content.addressee"),
            CG.aboutEvent: resolve(content.event, ("event",), "content.event")}
        texts = {CG.action: content.action}
        label = f"{lab(content.addressee)} should {content.action}"
    elif isinstance(content, Generic):
        cls, roles = CG.GenericProposition, {
            CG.subject: resolve(content.subject, ANY, "content.subject"),
            CG.object: resolve(content.object, ANY, "content.object")}
        texts = {CG.predicate: content.predicate, CG.objectText: content.object_text}
        label = f"{lab(content.subject)} {content.predicate}" + (
            f" {lab(content.object)}" if content.object else f" {content.object_text}" if content.object_text else "")
    else:  # pragma: no cover - the models admit no other type
        raise TypeError(type(content))
    if failed:
        return None  # a reference failed; the problem is recorded
    identity = {str(p): str(v) for p, v in roles.items() if v is not None}
    identity.update({str(p): norm(t) for p, t in texts.items() if t})
    node = iris.proposition(str(cls).rsplit("#", 1)[1], identity)
    g.add((node, RDF.type, cls))
    g.add((node, RDFS.label, Literal(label)))
    for p, v in roles.items():
        if v is not None:
            g.add((node, p, v))
    for p, t in texts.items():
        if t:
            g.add((node, p, Literal(t)))
    return node


def _article_graph(ds: Dataset, source: SourcedArticle, registry: Registry, built: Built) -> None:
    meta = source.model.article
    slug = meta.slug
    g = ds.graph(iris.article_graph(slug))
    art = iris.article(slug)
    problems = built.problems
    plain = _Resolver(registry, problems)

    def at(*loc: Any) -> Callable[[], tuple[str, int | None, str]]:
        from claimgraph.ingest.yaml_lines import field_path
        return lambda: (source.file, source.line(*loc), field_path(loc))

    built.origins[art] = (source.file, source.line("article"), "article")
    g.add((art, RDF.type, CG.Article))
    g.add((art, CG.slug, Literal(slug)))
    g.add((art, CG.title, Literal(meta.title)))
    g.add((art, RDFS.label, Literal(meta.title)))
    _time(g, art, meta.published)
    g.add((art, CG.language, Literal(meta.language)))
    g.add((art, CG.sourceFile, Literal(source.file)))
    if meta.seed:
        g.add((art, CG.seedFile, Literal(meta.seed)))
    for prop, value in ((CG.url, meta.url), (CG.translationOf, meta.translation_of)):
        if value:
            g.add((art, prop, Literal(value, datatype=XSD.anyURI)))
    if meta.outlet == "unidentified":
        outlet_slug = iris.unidentified_outlet_slug(slug)
        outlet = iris.entity("actor", outlet_slug)
        g.add((outlet, RDF.type, CG.UnidentifiedOutlet))
        g.add((outlet, CG.slug, Literal(outlet_slug)))
        g.add((outlet, RDFS.label, Literal(f"Unidentified outlet of '{meta.title}'")))
        g.add((outlet, RDFS.comment, Literal("The article does not let us identify the outlet that published it.")))
    else:
        outlet = plain(meta.outlet, ("actor",), at("article", "outlet"))
        found = registry.lookup(meta.outlet)
        if found is not None and getattr(found.entry, "kind", None) != "news-outlet":
            problems.append(Problem(f"{meta.outlet!r} is a {found.entry.kind}, not a news-outlet",
                                    source.file, source.line("article", "outlet"), "article.outlet"))
    if outlet is not None:
        g.add((art, CG.outlet, outlet))
    if (author := plain(meta.author, ("actor",), at("article", "author"))) is not None:
        g.add((art, CG.author, author))

    curator = iris.curator(source.model.curation.curator)
    shared = ds.graph(iris.SHARED_GRAPH)
    shared.add((curator, RDF.type, CG.Curator))
    shared.add((curator, RDFS.label, Literal(source.model.curation.curator)))

    ids = [c.id for c in source.model.claims]
    for i, claim in enumerate(source.model.claims):
        if ids.count(claim.id) > 1 and ids.index(claim.id) != i:
            problems.append(Problem(f"claim id {claim.id!r} is used twice", source.file,
                                    source.line("claims", i, "id"), f"claims[{i}].id"))
            continue
        _claim(g, shared, source, i, claim, art, outlet, curator, registry, built)
        built.claim_count += 1
    built.article_count += 1


def _claim(g: Graph, shared: Graph, source: SourcedArticle, i: int, claim: Claim, art: URIRef, outlet: URIRef | None,
           curator: URIRef, registry: Registry, built: Built) -> None:
    from claimgraph.ingest.yaml_lines import field_path
    slug = source.model.article.slug
    node = iris.claim(slug, claim.id)
    problems = built.problems
    built.origins[node] = (source.file, source.line("claims", i), f"claims[{i}]")
    plain = _Resolver(registry, problems)

    def at(*loc: Any) -> Callable[[], tuple[str, int | None, str]]:
        return lambda: (source.file, source.line("claims", i, *loc), field_path(("claims", i, *loc)))

    own_voice = claim.speaker == SELF
    speaker = outlet if own_voice else plain(claim.speaker, ("actor",), at("speaker"))
    if not own_voice and speaker is not None and speaker == outlet:
        own_voice = True  # the article's outlet named explicitly is its own voice
    if own_voice and claim.via:
        problems.append(Problem("the article's own voice is not relayed by anyone: remove `via`",
                                source.file, source.line("claims", i, "via"), f"claims[{i}].via"))
    content = _proposition(shared, claim.content, registry,
                           lambda ref, kinds, f: plain(ref, kinds, at(*f.split("."))))
    if content is not None:
        built.origins.setdefault(content, (source.file, source.line("claims", i, "content"), f"claims[{i}].content"))
    g.add((node, RDF.type, CG.ClaimAct))
    if speaker is not None:
        g.add((node, CG.speaker, speaker))
    if content is not None:
        g.add((node, CG.content, content))
    g.add((node, CG.inArticle, art))
    g.add((node, CG.illocution, VOCABULARIES["illocution"][claim.illocution]))
    g.add((node, CG.polarity, VOCABULARIES["polarity"][claim.polarity]))
    g.add((node, CG.certainty, VOCABULARIES["certainty"][claim.certainty]))
    g.add((node, CG.paraphrase, Literal(claim.paraphrase)))
    for prop, value in ((CG.quote, claim.quote), (CG.cue, claim.cue)):
        if value:
            g.add((node, prop, Literal(value)))
    if claim.paragraph is not None:
        g.add((node, CG.paragraph, _lit(claim.paragraph)))
    _time(g, node, claim.time)

    if not own_voice:
        # The chain, outermost first: the outlet relays (relay-0), then each `via` in turn.
        parent = iris.relay(slug, claim.id, 0)
        g.add((parent, RDF.type, CG.ReportingAct))
        g.add((parent, CG.illocution, VOCABULARIES["illocution"]["reports"]))
        g.add((parent, CG.inArticle, art))
        if outlet is not None:
            g.add((parent, CG.speaker, outlet))
        for depth, relay in enumerate(claim.via, start=1):
            act = iris.relay(slug, claim.id, depth)
            g.add((act, RDF.type, CG.ReportingAct))
            g.add((act, CG.illocution, VOCABULARIES["illocution"]["reports"]))
            g.add((act, CG.inArticle, art))
            g.add((act, CG.reportedIn, parent))
            who = plain(relay.speaker, ("actor",), at("via", depth - 1))
            if who is not None:
                g.add((act, CG.speaker, who))
            if relay.cue:
                g.add((act, CG.cue, Literal(relay.cue)))
            if relay.certainty:
                g.add((act, CG.certainty, VOCABULARIES["certainty"][relay.certainty]))
            parent = act
        g.add((node, CG.reportedIn, parent))

    record = iris.curation(slug, claim.id)
    g.add((node, CG.curation, record))
    g.add((record, RDF.type, CG.CurationRecord))
    g.add((record, PROV.wasAttributedTo, curator))
    g.add((record, CG.curatedOn, Literal(source.model.curation.date, datatype=XSD.date)))
    g.add((record, CG.sourceFile, Literal(source.file)))
    if (line := source.line("claims", i)) is not None:
        g.add((record, CG.sourceLine, _lit(line)))
    g.add((record, CG.analystConfidence, VOCABULARIES["confidence"][claim.confidence]))

    by_id = {c.id for c in source.model.claims}
    for j, link in enumerate(claim.links):
        if link.claim not in by_id:
            problems.append(Problem(f"links to {link.claim!r}, which is not a claim of this file",
                                    source.file, source.line("claims", i, "links", j), f"claims[{i}].links[{j}].claim"))
            continue
        g.add((node, LINK_PROPERTY[link.relation], iris.claim(slug, link.claim)))


class Triples(list):
    """One named graph as a list of triples: what an article or the registry is built into when
    it is built on its own (:func:`build_article`), cheaper than an rdflib graph."""

    def add(self, triple: tuple[URIRef, URIRef, Any]) -> None:
        self.append(triple)


class Graphs:
    """A stand-in for rdflib's Dataset: each named graph a :class:`Triples`."""

    def __init__(self) -> None:
        self.graphs: dict[URIRef, Triples] = {}

    def graph(self, name: URIRef) -> Triples:
        found = self.graphs.get(name)
        if found is None:
            found = self.graphs[name] = Triples()
        return found


def build_registry(registry: Registry) -> Built:
    """The registry graph alone (``built.dataset`` is a :class:`Graphs`)."""
    built = Built(Graphs())  # type: ignore[arg-type]
    _registry_graph(built.dataset.graph(iris.REGISTRY_GRAPH), registry, _Resolver(registry, built.problems),
                    built.origins)
    return built


def build_article(source: SourcedArticle, registry: Registry) -> Built:
    """One article on its own: its named graph and what it adds to the shared graph, in a
    :class:`Graphs` (``built.dataset``), with its problems and the origins of its nodes. The same
    per-claim code as :func:`build`, fed one article."""
    built = Built(Graphs())  # type: ignore[arg-type]
    _article_graph(built.dataset, source, registry, built)  # type: ignore[arg-type]
    return built


def build(registry: Registry, articles: list[SourcedArticle]) -> Built:
    """Build the dataset of the whole corpus. Check ``built.problems`` before using it."""
    ds = Dataset()
    built = Built(ds)
    _registry_graph(ds.graph(iris.REGISTRY_GRAPH), registry, _Resolver(registry, built.problems), built.origins)
    for source in articles:
        _article_graph(ds, source, registry, built)
    return built
