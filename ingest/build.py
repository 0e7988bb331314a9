"""Turn validated corpus models into RDF: one named graph per article, plus the registry graph.

References are resolved through the registry here; every problem is collected with its file,
line and field. :func:`build` returns the dataset and, for each node it minted, where in the
corpus it came from, so that a SHACL violation can be reported at the curator's line.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from rdflib import RDF as _RDF, RDFS as _RDFS, SKOS as _SKOS, XSD as _XSD, Dataset, Graph, Literal, URIRef
from rdflib.namespace import PROV as _PROV
from rdflib.term import _is_valid_unicode

from claimgraph.ontology import iris
from claimgraph.ontology.folding import search_key
from claimgraph.ingest.load import SourcedArticle
from claimgraph.ingest.models import (Accusation, Actor, Call, Causal, Claim, Event, Generic, Intent, Place,
                                      Prediction, Responsibility, Status, TimeBounds, as_list)
from claimgraph.ingest.registry import Kind, Located, Registry
from claimgraph.ingest.yaml_lines import field_path
from claimgraph.ontology.namespace import CG as _CG, VOCABULARIES as _VOCABULARIES
from claimgraph.ontology.compiled_shapes import canonical
from claimgraph.ontology.errors import Problem


class _Terms:
    """A namespace whose terms are looked up once: rdflib's ``CG.speaker`` runs Python code and
    makes a new IRI at each use, and the builder uses a few terms hundreds of thousands of times."""

    def __init__(self, namespace: Any) -> None:
        self._namespace = namespace

    def __getattr__(self, name: str) -> URIRef:
        term = canonical(getattr(self._namespace, name))
        setattr(self, name, term)
        return term

    def __getitem__(self, name: str) -> URIRef:
        return canonical(self._namespace[name])


CG, RDF, RDFS, SKOS, XSD, PROV = (_Terms(ns) for ns in (_CG, _RDF, _RDFS, _SKOS, _XSD, _PROV))
#: The controlled values, as the same objects as the shapes' (:func:`canonical`).
VOCABULARIES = {name: {key: canonical(term) for key, term in values.items()} for name, values in _VOCABULARIES.items()}


@functools.lru_cache(maxsize=1 << 16)
def _entity(kind: Kind, slug: str) -> URIRef:
    """A registry entry's IRI, one object for every article that names it, the same as the
    registry graph's (a dictionary then finds it by identity)."""
    return iris.entity(kind, slug)

ACTOR_CLASS = {
    "state": CG.State, "government-body": CG.GovernmentBody, "person": CG.Person,
    "organization": CG.Organization, "news-outlet": CG.NewsOutlet, "group": CG.Group,
    "unnamed-source": CG.UnnamedSource,
}
ANY: tuple[Kind, ...] = ("actor", "event", "place")
#: Content types whose text is a variant of the charge (its core leaves it out); for the other
#: types the text is the content, and the core is the proposition itself.
CHARGES = (Responsibility, Accusation)
LINK_PROPERTY = {"contradicts": CG.contradicts, "supports": CG.supports,
                 "responds-to": CG.respondsTo, "revises": CG.revises}
SELF = "self"


@dataclass(frozen=True)
class TextRef:
    """A reference to another article, or to one of its claims, that only the whole corpus can
    check (an article compiled on its own does not see the others): the article's slug, the
    claim's id (None for the article itself), and the problem to report where the reference is
    written when the corpus has no such article or claim."""

    article: str
    claim: str | None
    problem: Problem

    @property
    def call(self) -> str:
        """How the reference is recorded among an article's lookups (``ingest/units.py``)."""
        return f"text\x1f{self.article}\x1f{self.claim or ''}"


@dataclass(frozen=True)
class Texts:
    """What ``subject`` and ``object`` may name besides registry entries: the corpus's articles
    (``article:<slug>``) and their claims (``claim:<id>`` in the same file, or
    ``claim:<article-slug>/<id>``).

    ``claims`` holds the claim ids of every article of the corpus (``whole``), or of the one
    article being built on its own: then a reference to another article is not checked here but
    handed back (:meth:`resolve`) for the whole corpus to check (:class:`TextRef`).
    """

    claims: dict[str, set[str]]  # article slug -> claim ids
    whole: bool = True

    @staticmethod
    def missing(ref: str) -> str:
        """What is wrong with a reference that names nothing in the corpus."""
        if ref.startswith("article:"):
            return f"unknown article {ref[8:]!r} (in {ref!r}); an article is named by its slug"
        return f"unknown claim {ref!r}: write claim:<id> for a claim of this file, or claim:<article-slug>/<id>"

    def resolve(self, ref: str, article: str) -> tuple[URIRef, tuple[str, str | None] | None]:
        """The IRI an ``article:`` or ``claim:`` reference names, and the (article, claim) it
        still needs checked against the whole corpus (None when checked here); LookupError if it
        names nothing."""
        kind, _, name = ref.partition(":")
        if kind == "article":
            target, claim_id = name, None
        else:
            where, _, claim_id = name.rpartition("/")
            target = where or article
        node = iris.article(target) if claim_id is None else iris.claim(target, claim_id)
        if not self.whole and target not in self.claims:
            return node, (target, claim_id)
        if target not in self.claims or (claim_id is not None and claim_id not in self.claims[target]):
            raise LookupError(self.missing(ref))
        return node, None


def is_text_ref(ref: str | None) -> bool:
    return bool(ref) and ref.split(":", 1)[0] in ("article", "claim") and ":" in ref


@dataclass
class Built:
    dataset: Dataset
    origins: dict[URIRef, tuple[str, int | None, str]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    article_count: int = 0
    claim_count: int = 0
    deferred: list[TextRef] = field(default_factory=list)  # references for the whole corpus to check


def _plain(value: Any) -> Literal:
    """``Literal(value)``, made faster for text (a plain literal: no datatype, no language), which
    the builder writes for every name, paraphrase and search key of every claim. The same literal
    as rdflib's constructor makes from text, attribute for attribute:

    >>> slots = ("_language", "_datatype", "_value", "_ill_typed")
    >>> texts = ["", "Kremlin", 'say "hi"' + chr(10), "caf" + chr(0xE9), chr(0xD800)]
    >>> all([getattr(_plain(t), s) for s in slots] == [getattr(Literal(t), s) for s in slots] and _plain(t) == Literal(t)
    ...     for t in texts)
    True
    """
    if type(value) is not str or not _is_valid_unicode(value):
        return Literal(value)
    literal = str.__new__(Literal, value)
    literal._language = literal._datatype = literal._ill_typed = None
    literal._value = value
    return literal


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
        g.add((node, CG.timeLabel, _plain(time.label)))


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
        return _entity(found.kind, found.entry.slug)


def _registry_graph(g: Graph, registry: Registry, resolve: _Resolver, origins: dict) -> None:
    for item in registry.entries.values():
        entry = item.entry
        node = _entity(item.kind, entry.slug)
        origins[node] = (item.file, item.line, field_path(item.loc))

        def where(fieldname: str, item: Located = item) -> Callable[[], tuple[str, int | None, str]]:
            return lambda: (item.file, item.line, fieldname)

        g.add((node, CG.slug, _plain(entry.slug)))
        g.add((node, RDFS.label, _plain(entry.label)))
        for alias in entry.aliases:
            g.add((node, SKOS.altLabel, _plain(alias)))
        for name in (entry.label, *entry.aliases):
            g.add((node, CG.searchKey, _plain(search_key(name))))
        if entry.description:
            g.add((node, RDFS.comment, _plain(entry.description)))
        if isinstance(entry, Actor):
            g.add((node, RDF.type, ACTOR_CLASS[entry.kind]))
            if entry.role:
                g.add((node, CG.role, _plain(entry.role)))
            for prop, refs in ((CG.partOf, entry.part_of), (CG.represents, entry.represents),
                               (CG.affiliatedWith, entry.affiliated_with)):
                for ref in refs:
                    if (target := resolve(ref, ("actor",), where(str(prop).rsplit("#", 1)[1]))) is not None:
                        g.add((node, prop, target))
            if (country := resolve(entry.country, ("actor",), where("country"))) is not None:
                g.add((node, CG.country, country))
            if entry.state_affiliated is not None:
                g.add((node, CG.stateAffiliated, _plain(entry.state_affiliated)))
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
            for prop, refs, name in ((CG.subEventOf, entry.part_of, "part_of"),
                                     (CG.followsFrom, entry.follows_from, "follows_from")):
                for ref in refs:
                    if (other := resolve(ref, ("event",), where(name))) is not None:
                        g.add((node, prop, other))
        elif isinstance(entry, Place):
            g.add((node, RDF.type, CG.Place))
            if (up := resolve(entry.located_in, ("place",), where("located_in"))) is not None:
                g.add((node, CG.locatedIn, up))


def _label(registry: Registry, ref: str | None) -> str:
    found = registry.lookup(ref) if ref else None
    if found:
        return found.entry.label
    if is_text_ref(ref):
        kind, _, name = ref.partition(":")  # type: ignore[union-attr]
        return f"{kind} {name}"
    return ref or ""


Resolve = Callable[[str | None, tuple[Kind, ...], str], URIRef | None]


def _proposition(g: Graph, content: Any, registry: Registry, resolve: Resolve,
                 resolve_text: Callable[[str, str], URIRef | None] = lambda ref, field: None) -> URIRef | None:
    """Add a proposition's triples, and its core's; return its IRI (None when a reference failed).

    The proposition's IRI comes from its type, its typed roles and its normalized text; its core
    (``cg:core``) from the type and the typed roles only. For a charge (responsibility,
    accusation), the text (mechanism, detail) is a variant: contents that word one charge
    differently share their core. For the other types the core is the proposition itself.
    """
    failed = False

    def ref(value: str | None, kinds: tuple[Kind, ...], fieldname: str) -> URIRef | None:
        nonlocal failed
        if value is None:
            return None
        node = resolve_text(value, fieldname) if kinds == ANY and is_text_ref(value) else resolve(value, kinds, fieldname)
        failed = failed or node is None
        return node

    lab = lambda r: _label(registry, r)  # noqa: E731
    about = lambda r: f" (regarding {lab(r)})" if r else ""  # noqa: E731
    norm = lambda text: iris.normalize_text(text) if text else None  # noqa: E731
    if isinstance(content, Responsibility):
        cls, roles = CG.ResponsibilityProposition, {
            CG.aboutEvent: ref(content.event, ("event",), "content.event"),
            CG.agent: ref(content.agent, ("actor",), "content.agent")}
        texts = {CG.mechanism: content.mechanism}
        core_label = f"{lab(content.agent)} is responsible for {lab(content.event)}"
        label = core_label + (f" ({content.mechanism})" if content.mechanism else "")
    elif isinstance(content, Causal):
        cls, roles = CG.CausalProposition, {
            CG.aboutEvent: ref(content.event, ("event",), "content.event"),
            CG.causeEvent: ref(content.cause_event, ("event",), "content.cause_event")}
        texts = {CG.causeText: content.cause}
        label = core_label = f"{lab(content.event)} was caused by {content.cause}"
    elif isinstance(content, Intent):
        cls, roles = CG.IntentProposition, {
            CG.agent: ref(content.agent, ("actor",), "content.agent"),
            CG.aboutEvent: ref(content.event, ("event",), "content.event")}
        texts = {CG.intentText: content.intent}
        label = core_label = f"{lab(content.agent)} intends {content.intent}"
    elif isinstance(content, Status):
        cls, roles = CG.StatusProposition, {
            CG.subject: ref(content.subject, ANY, "content.subject"),
            CG.statusValue: VOCABULARIES["status"][content.status],
            CG.object: ref(content.object, ANY, "content.object"),
            CG.aboutEvent: ref(content.event, ("event",), "content.event")}
        texts = {}
        label = core_label = f"{lab(content.subject)} {content.status.replace('-', ' ')}" + (
            f" {lab(content.object)}" if content.object else "") + about(content.event)
    elif isinstance(content, Accusation):
        cls, roles = CG.AccusationProposition, {
            CG.accused: ref(content.accused, ("actor",), "content.accused"),
            CG.deed: VOCABULARIES["deed"][content.deed],
            CG.beneficiary: ref(content.beneficiary, ("actor",), "content.beneficiary"),
            CG.aboutEvent: ref(content.event, ("event",), "content.event")}
        texts = {CG.detail: content.detail}
        core_label = f"{lab(content.accused)} committed {content.deed.replace('-', ' ')}" + (
            f" for {lab(content.beneficiary)}" if content.beneficiary else "") + about(content.event)
        label = core_label + (f": {content.detail}" if content.detail else "")
    elif isinstance(content, Prediction):
        cls, roles = CG.PredictionProposition, {
            CG.subject: ref(content.subject, ANY, "content.subject"),
            CG.aboutEvent: ref(content.event, ("event",), "content.event")}
        texts = {CG.outcome: content.outcome}
        label = core_label = f"{lab(content.subject)}: {content.outcome}"
    elif isinstance(content, Call):
        cls, roles = CG.CallProposition, {
            CG.addressee: ref(content.addressee, ("actor",), "content.addressee"),
            CG.aboutEvent: ref(content.event, ("event",), "content.event")}
        texts = {CG.action: content.action}
        label = core_label = f"{lab(content.addressee)} should {content.action}"
    elif isinstance(content, Generic):
        cls, roles = CG.GenericProposition, {
            CG.subject: ref(content.subject, ANY, "content.subject"),
            CG.object: ref(content.object, ANY, "content.object"),
            CG.aboutEvent: ref(content.event, ("event",), "content.event")}
        texts = {CG.predicate: content.predicate, CG.objectText: content.object_text}
        label = core_label = f"{lab(content.subject)} {content.predicate}" + (
            f" {lab(content.object)}" if content.object else f" {content.object_text}" if content.object_text else ""
        ) + about(content.event)
    else:  # pragma: no cover - the models admit no other type
        raise TypeError(type(content))
    if failed:
        return None  # a reference failed; the problem is recorded
    kind = str(cls).rsplit("#", 1)[1]
    typed = {str(p): str(v) for p, v in roles.items() if v is not None}
    node = iris.proposition(kind, {**typed, **{str(p): norm(t) for p, t in texts.items() if t}})
    core = iris.proposition(kind, typed) if isinstance(content, CHARGES) else node
    for subject, name, text in ((node, label, texts), (core, core_label, {})):
        g.add((subject, RDF.type, cls))
        g.add((subject, RDFS.label, _plain(name)))
        g.add((subject, CG.core, core))
        for p, v in roles.items():
            if v is not None:
                g.add((subject, p, v))
        for p, t in text.items():
            if t:
                g.add((subject, p, _plain(t)))
    return node


def _article_graph(ds: Dataset, source: SourcedArticle, registry: Registry, built: Built, texts: Texts) -> None:
    meta = source.model.article
    slug = meta.slug
    g = ds.graph(iris.article_graph(slug))
    art = iris.article(slug)
    problems = built.problems
    plain = _Resolver(registry, problems)

    def at(*loc: Any) -> Callable[[], tuple[str, int | None, str]]:
        return lambda: (source.file, source.line(*loc), field_path(loc))

    built.origins[art] = (source.file, source.line("article"), "article")
    name = meta.title or meta.description
    g.add((art, RDF.type, CG.Article))
    g.add((art, CG.slug, _plain(slug)))
    g.add((art, RDFS.label, _plain(name)))
    if meta.title:
        g.add((art, CG.title, _plain(meta.title)))  # as printed
    if meta.description:
        g.add((art, RDFS.comment, _plain(meta.description)))
    for text in dict.fromkeys(search_key(t) for t in (meta.title, meta.description) if t):
        g.add((art, CG.searchKey, _plain(text)))
    _time(g, art, meta.published)
    g.add((art, CG.language, _plain(meta.language)))
    g.add((art, CG.sourceFile, _plain(source.file)))
    if meta.seed:
        g.add((art, CG.seedFile, _plain(meta.seed)))
    if meta.url:
        g.add((art, CG.url, Literal(meta.url, datatype=XSD.anyURI)))
    if meta.translation_of:
        g.add((art, CG.translationOf, URIRef(meta.translation_of)))
    if meta.outlet == "unidentified":
        outlet_slug = iris.unidentified_outlet_slug(slug)
        outlet = iris.entity("actor", outlet_slug)
        g.add((outlet, RDF.type, CG.UnidentifiedOutlet))
        g.add((outlet, CG.slug, _plain(outlet_slug)))
        g.add((outlet, RDFS.label, _plain(f"Unidentified outlet of '{name}'")))
        g.add((outlet, RDFS.comment, _plain("The article does not let us identify the outlet that published it.")))
    else:
        outlet = plain(meta.outlet, ("actor",), at("article", "outlet"))
        found = registry.lookup(meta.outlet)
        if found is not None and getattr(found.entry, "kind", None) != "news-outlet":
            problems.append(Problem(f"{meta.outlet!r} is a {found.entry.kind}, not a news-outlet",
                                    source.file, source.line("article", "outlet"), "article.outlet"))
    if outlet is not None:
        g.add((art, CG.outlet, outlet))
    authors = []
    many = not isinstance(meta.author, str)
    for j, ref in enumerate(as_list(meta.author)):
        loc = ("article", "author", j) if many else ("article", "author")
        if (author := plain(ref, ("actor",), at(*loc))) is not None:
            g.add((art, CG.author, author))
            authors.append(author)

    curator = iris.curator(source.model.curation.curator)
    shared = ds.graph(iris.SHARED_GRAPH)
    shared.add((curator, RDF.type, CG.Curator))
    shared.add((curator, RDFS.label, _plain(source.model.curation.curator)))

    # The article's first voice: its authors where it names any (the outlet publishes), else the outlet.
    first = authors or ([outlet] if outlet is not None else [])
    ids = [c.id for c in source.model.claims]
    for i, claim in enumerate(source.model.claims):
        if ids.count(claim.id) > 1 and ids.index(claim.id) != i:
            problems.append(Problem(f"claim id {claim.id!r} is used twice", source.file,
                                    source.line("claims", i, "id"), f"claims[{i}].id"))
            continue
        _claim(g, shared, source, i, claim, art, outlet, first, curator, registry, built, texts)
        built.claim_count += 1
    built.article_count += 1


def _claim(g: Graph, shared: Graph, source: SourcedArticle, i: int, claim: Claim, art: URIRef, outlet: URIRef | None,
           first: list[URIRef], curator: URIRef, registry: Registry, built: Built, texts: Texts) -> None:
    slug = source.model.article.slug
    node = iris.claim(slug, claim.id)
    problems = built.problems
    built.origins[node] = (source.file, source.line("claims", i), f"claims[{i}]")
    plain = _Resolver(registry, problems)

    def at(*loc: Any) -> Callable[[], tuple[str, int | None, str]]:
        return lambda: (source.file, source.line("claims", i, *loc), field_path(("claims", i, *loc)))

    def text_ref(ref: str, fieldname: str) -> URIRef | None:
        file, line, where = at(*fieldname.split("."))()
        try:
            node, target = texts.resolve(ref, slug)
        except LookupError as exc:
            problems.append(Problem(str(exc), file, line, where))
            return None
        if target is not None:
            built.deferred.append(TextRef(*target, Problem(Texts.missing(ref), file, line, where)))
        return node

    refs = as_list(claim.speaker)
    many = not isinstance(claim.speaker, str)
    if SELF in refs:
        if len(refs) > 1:
            problems.append(Problem("`self` (the article's own voice) speaks alone", source.file,
                                    source.line("claims", i, "speaker"), f"claims[{i}].speaker"))
        speakers = list(first)
    else:
        speakers = [s for j, ref in enumerate(refs)
                    if (s := plain(ref, ("actor",), at("speaker", j) if many else at("speaker"))) is not None]
    # The first voice (the authors, or the outlet), or the outlet named explicitly, is the own voice.
    own_voice = SELF in refs or (bool(speakers) and (set(speakers) == set(first) or speakers == [outlet]))
    if own_voice and claim.via:
        problems.append(Problem("the article's own voice is not relayed by anyone: remove `via`",
                                source.file, source.line("claims", i, "via"), f"claims[{i}].via"))
    content = _proposition(shared, claim.content, registry,
                           lambda ref, kinds, f: plain(ref, kinds, at(*f.split("."))), text_ref)
    if content is not None:
        built.origins.setdefault(content, (source.file, source.line("claims", i, "content"), f"claims[{i}].content"))
    g.add((node, RDF.type, CG.ClaimAct))
    for speaker in speakers:
        g.add((node, CG.speaker, speaker))
    if content is not None:
        g.add((node, CG.content, content))
    g.add((node, CG.inArticle, art))
    g.add((node, CG.illocution, VOCABULARIES["illocution"][claim.illocution]))
    g.add((node, CG.polarity, VOCABULARIES["polarity"][claim.polarity]))
    g.add((node, CG.certainty, VOCABULARIES["certainty"][claim.certainty]))
    g.add((node, CG.paraphrase, _plain(claim.paraphrase)))
    for prop, value in ((CG.quote, claim.quote), (CG.cue, claim.cue)):
        if value:
            g.add((node, prop, _plain(value)))
    for text in dict.fromkeys(search_key(t) for t in (claim.paraphrase, claim.quote) if t):
        g.add((node, CG.searchKey, _plain(text)))
    if claim.paragraph is not None:
        g.add((node, CG.paragraph, _lit(claim.paragraph)))
    time = claim.time
    if claim.mention_of is not None:
        statement = plain(claim.mention_of, ("event",), at("mention_of"))
        if statement is not None:
            g.add((node, CG.mentionOf, statement))
            if time is None:  # a mention is dated by its statement unless it says otherwise
                found = registry.lookup(claim.mention_of)
                time = getattr(found.entry, "time", None) if found else None
    _time(g, node, time)

    if not own_voice:
        # The chain, outermost first: the first voice relays (relay-0), then each `via` in turn.
        parent = iris.relay(slug, claim.id, 0)
        g.add((parent, RDF.type, CG.ReportingAct))
        g.add((parent, CG.inArticle, art))
        for voice in first:
            g.add((parent, CG.speaker, voice))
        for depth, relay in enumerate(claim.via, start=1):
            act = iris.relay(slug, claim.id, depth)
            g.add((act, RDF.type, CG.ReportingAct))
            g.add((act, CG.inArticle, art))
            g.add((act, CG.reportedIn, parent))
            several = not isinstance(relay.speaker, str)
            for j, ref in enumerate(as_list(relay.speaker)):
                where = at("via", depth - 1, "speaker", j) if several else at("via", depth - 1)
                if (who := plain(ref, ("actor",), where)) is not None:
                    g.add((act, CG.speaker, who))
            if relay.cue:
                g.add((act, CG.cue, _plain(relay.cue)))
            if relay.certainty:
                g.add((act, CG.certainty, VOCABULARIES["certainty"][relay.certainty]))
            parent = act
        g.add((node, CG.reportedIn, parent))

    record = iris.curation(slug, claim.id)
    g.add((node, CG.curation, record))
    g.add((record, RDF.type, CG.CurationRecord))
    g.add((record, PROV.wasAttributedTo, curator))
    g.add((record, CG.curatedOn, Literal(source.model.curation.date, datatype=XSD.date)))
    g.add((record, CG.sourceFile, _plain(source.file)))
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

    add = list.append  # g.add(triple), as on an rdflib graph, without a Python call


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
    per-claim code as :func:`build`, fed one article. References to other articles' texts are
    left in ``built.deferred`` for the whole corpus to check."""
    built = Built(Graphs())  # type: ignore[arg-type]
    own = Texts({source.model.article.slug: {c.id for c in source.model.claims}}, whole=False)
    _article_graph(built.dataset, source, registry, built, own)  # type: ignore[arg-type]
    return built


def build(registry: Registry, articles: list[SourcedArticle]) -> Built:
    """Build the dataset of the whole corpus. Check ``built.problems`` before using it."""
    ds = Dataset()
    built = Built(ds)
    _registry_graph(ds.graph(iris.REGISTRY_GRAPH), registry, _Resolver(registry, built.problems), built.origins)
    texts = Texts({a.model.article.slug: {c.id for c in a.model.claims} for a in articles})
    for source in articles:
        _article_graph(ds, source, registry, built, texts)
    return built
