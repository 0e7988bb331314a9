"""One corpus file at a time: read, validated, built and checked against the shapes on its own.

A full ingest compiles every article this way in worker processes (:mod:`claimgraph.ingest.parallel`);
an incremental one compiles only the articles that changed (:mod:`claimgraph.ingest.incremental`).
What an article's graph depends on besides its own file is recorded while it is built: every
lookup in the registry, with what it found (:class:`RecordingRegistry`). When the registry
changes, an article is built again exactly when one of its lookups would now find something else.
A reference to another article or one of its claims (``claim:<article>/<id>``) cannot be checked
by the article alone: the unit hands it on (``deferred``), the whole ingest checks it against
every article's claims, and it is recorded among the lookups (``text`` calls), so that an
incremental ingest finds the articles that refer to one that changed.

>>> from pathlib import Path
>>> context = UnitContext.from_corpus(Path("corpus"))
>>> path = sorted(Path("corpus/articles").glob("*.yaml"))[0]
>>> unit = compile_article(context, path, Path("corpus"), path.read_bytes())
>>> unit.problems, unit.claims > 0, unit.graph.startswith("https://w3id.org/claimgraph/graph/article/")
([], True, True)
"""

from __future__ import annotations

import hashlib
import pickle
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rdflib import Graph, Literal, URIRef
from rdflib.plugins.serializers.nt import _quoteLiteral
from rdflib.term import Node

from claimgraph import ontology
from claimgraph.ingest import derive
from claimgraph.ingest.build import TextRef, build_article, build_registry
from claimgraph.ingest.derive import Deriver, record_rollups
from claimgraph.ingest.files import display
from claimgraph.ingest.integrity import article_problems, registry_problems
from claimgraph.ingest.load import SourcedArticle, corpus_files, read_file, read_registry
from claimgraph.ingest.models import ArticleFile
from claimgraph.ingest.registry import Kind, Located, Registry
from claimgraph.ingest.shapes import UnitChecker
from claimgraph.ontology import iris, validation
from claimgraph.ontology.errors import Problem

Triple = tuple[Node, Node, Node]


def digest(data: bytes) -> str:
    """A file's content digest, as recorded in the store."""
    return hashlib.sha256(data).hexdigest()[:32]


_NOT_IN_IRI = re.compile(r'[<>" {}|\\^`]')


def _term(term: Node) -> str:
    """A term as rdflib's N-Quads serializer writes it (``_nq_row``), faster."""
    kind = type(term)
    if kind is URIRef:
        if _NOT_IN_IRI.search(term):
            return term.n3()  # rdflib's own error for an IRI N-Quads cannot hold
        return f"<{term}>"
    if kind is Literal:
        return _quoteLiteral(term)
    return term.n3()


def _lines(triples: Iterable[Triple], end: str) -> str:
    """``triples`` as lines of N-Triples or N-Quads (``end`` closes each line). An IRI or blank
    node is written once per call (an article names its claims, its predicates and its registry
    entries again and again); literals, nearly all different, are written each time."""
    written: dict[Node, str] = {}
    known, literal, quote = written.get, Literal, _quoteLiteral
    out: list[str] = []
    for s, p, o in triples:
        s_text = known(s)
        if s_text is None:
            s_text = written[s] = _term(s)
        p_text = known(p)
        if p_text is None:
            p_text = written[p] = _term(p)
        if type(o) is literal:
            o_text = quote(o)
        else:
            o_text = known(o)
            if o_text is None:
                o_text = written[o] = _term(o)
        out.append(f"{s_text} {p_text} {o_text}{end}")
    return "".join(out)


def ntriples(triples: Iterable[Triple]) -> bytes:
    """``triples`` as N-Triples, written as :func:`nquads` writes them."""
    return _lines(triples, " .\n").encode("utf-8", "_rdflib_nt_escape")


def nquads(triples: Iterable[Triple], graph: URIRef) -> bytes:
    """``triples`` in ``graph`` as N-Quads, written exactly as rdflib writes them.

    >>> from rdflib import Dataset
    >>> from rdflib.namespace import RDFS
    >>> triples = [(URIRef("http://a"), RDFS.label, Literal('say "hi"\\n', lang="en"))]
    >>> dataset = Dataset()
    >>> dataset.graph(URIRef("http://g")).add(triples[0])
    <Graph identifier=http://g (<class 'rdflib.graph.Graph'>)>
    >>> nquads(triples, URIRef("http://g")) == dataset.serialize(format="nquads", encoding="utf-8")[:-1]
    True
    """
    return _lines(triples, f" <{graph}> .\n").encode("utf-8", "_rdflib_nt_escape")


# -- what an article looked up ---------------------------------------------------------------------


def entry_digest(item: Located) -> str:
    """What an article's graph can take from a registry entry: its kind and its content (not the
    file or line it is written at)."""
    return hashlib.sha256(f"{item.kind}\x1f{item.entry.model_dump_json()}".encode()).hexdigest()[:16]


class RecordingRegistry:
    """The registry, recording each lookup an article makes and what it found.

    ``memo`` keeps each lookup's answer and outcome for the next articles built against the same
    registry (a worker builds many): the same call always finds the same thing in one registry."""

    def __init__(self, registry: Registry, memo: dict[str, tuple[Located | None, str]] | None = None) -> None:
        self.registry = registry
        self.uses: dict[str, str] = {}
        self.memo = {} if memo is None else memo

    def __getattr__(self, name: str) -> Any:
        return getattr(self.registry, name)

    def lookup(self, ref: str) -> Located | None:
        key = f"lookup\x1f{ref}"
        known = self.memo.get(key)
        if known is None:
            found = self.registry.lookup(ref)
            known = self.memo[key] = (found, outcome(found))
        self.uses[key] = known[1]
        return known[0]

    def resolve(self, ref: str, kinds: Iterable[Kind]) -> Located:
        kinds = tuple(kinds)
        key = f"resolve\x1f{ref}\x1f{','.join(kinds)}"
        known = self.memo.get(key)
        if known is None:
            try:
                found = self.registry.resolve(ref, kinds)
            except LookupError as exc:
                known = self.memo[key] = (None, f"error\x1f{exc}")
            else:
                known = self.memo[key] = (found, outcome(found))
        self.uses[key] = known[1]
        if known[0] is None:
            raise LookupError(known[1][len("error\x1f"):])
        return known[0]


def outcome(found: Located | None) -> str:
    return "none" if found is None else f"{found.kind}\x1f{found.entry.slug}\x1f{entry_digest(found)}"


#: What a recorded reference to another article's text found (a store holds only valid corpora).
FOUND = "found"


def is_text_call(call: str) -> bool:
    """A recorded reference to another article's text, not a registry lookup."""
    return call.startswith("text\x1f")


def text_target(call: str) -> tuple[str, str | None]:
    """The (article slug, claim id or None) a recorded text reference names."""
    _, article, claim = call.split("\x1f")
    return article, claim or None


def replay(registry: Registry, call: str) -> str:
    """What a recorded registry lookup finds in ``registry`` now."""
    kind, ref, *rest = call.split("\x1f")
    if kind == "lookup":
        return outcome(registry.lookup(ref))
    try:
        return outcome(registry.resolve(ref, tuple(rest[0].split(",")) if rest and rest[0] else ()))
    except LookupError as exc:
        return f"error\x1f{exc}"


# -- the context every article is built in -------------------------------------------------------------


class UnitContext:
    """The registry, its graph and the shape checker: what building and checking one article
    needs besides its file. Made once per process."""

    def __init__(self, root: Path, registry: Registry, problems: list[Problem]) -> None:
        self.root = root
        self.registry = registry
        self.registry_problems = problems
        built = build_registry(registry)
        self.registry_triples: list[Triple] = list(built.dataset.graph(iris.REGISTRY_GRAPH))
        self.registry_problems.extend(built.problems)
        self.registry_origins = built.origins
        self.checker = UnitChecker(self.registry_triples)

    @classmethod
    def from_corpus(cls, root: Path, registry_files: dict[Path, bytes] | None = None) -> UnitContext:
        problems: list[Problem] = []
        registry = read_registry(root, problems, registry_files)
        return cls(root, registry, problems)

    # -- kept beside a store version, for the next incremental ingest -----------------------------

    CACHE = "context.pickle"

    @classmethod
    def cached(cls, root: Path, registry_files: dict[Path, bytes], meta: Path, key: str) -> UnitContext:
        """The context saved beside a version (:meth:`save`) when it was made from the same
        registry files and builders (``key``), else made from the files."""
        try:
            with open(meta / cls.CACHE, "rb") as cache:
                saved = pickle.load(cache)  # noqa: S301 - written by this code beside the store
        except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError):
            saved = None
        if not isinstance(saved, dict) or saved.get("key") != key:
            return cls.from_corpus(root, registry_files)
        validation.preload(saved["parsed"])
        if "rules" in saved:
            derive.preload(saved["rules"])
        context = cls.__new__(cls)
        context.root, context.registry, context.registry_problems = root, saved["registry"], saved["problems"]
        context.registry_triples, context.registry_origins = saved["triples"], saved["origins"]
        context.checker = UnitChecker(context.registry_triples)
        return context

    def save(self, meta: Path, key: str) -> None:
        saved = {"key": key, "registry": self.registry, "problems": self.registry_problems,
                 "triples": self.registry_triples, "origins": self.registry_origins,
                 "parsed": validation.parsed_triples(), "rules": derive.parsed_rules()}
        with open(meta / self.CACHE, "wb") as cache:
            pickle.dump(saved, cache, protocol=pickle.HIGHEST_PROTOCOL)

    def registry_check(self) -> list[Problem]:
        """The registry's own problems (reading, loops across entries) and those of its graph
        against the shapes."""
        problems = [*self.registry_problems, *registry_problems(self.registry)]
        if problems:
            return problems
        shape_problems = UnitChecker([]).check(self.registry_triples, self.registry_origins)
        return [p for ps in shape_problems.values() for p in ps]

    def registry_nquads(self) -> bytes:
        return nquads(self.registry_triples, iris.REGISTRY_GRAPH)

    @property
    def lookups(self) -> dict[str, tuple[Located | None, str]]:
        """What each registry lookup found, kept for every article built in this context
        (:class:`RecordingRegistry`)."""
        return self.__dict__.setdefault("_lookups", {})

    @property
    def deriver(self) -> Deriver:
        """The rules of ``ontology/rules/`` with this registry loaded (made on first use)."""
        deriver = self.__dict__.get("_deriver")
        if deriver is None:
            deriver = self.__dict__["_deriver"] = Deriver(self.registry_triples)
        return deriver


def registry_files(root: Path) -> dict[Path, bytes]:
    return {path: path.read_bytes() for path in corpus_files(root, "registry")}


# -- one article -----------------------------------------------------------------------------------------


@dataclass
class ArticleUnit:
    """One article file compiled: its graph and shared triples as N-Quads, what it looked up, and
    its problems (file, YAML, model, references and shapes)."""

    path: str  # relative to the corpus folder: articles/NAME.yaml
    digest: str
    name: str = ""  # as messages show it: corpus/articles/NAME.yaml
    slug: str | None = None
    slug_line: int | None = None
    claims: int = 0
    graph: str | None = None
    nquads: bytes = b""
    shared: bytes = b""
    subjects: dict[str, str] = field(default_factory=dict)  # shared subject -> digest of what it adds about it
    origins: dict[str, tuple[str, int | None, str]] = field(default_factory=dict)  # of the shared subjects
    uses: dict[str, str] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    shape_problems: dict[str, list[Problem]] = field(default_factory=dict)
    claim_ids: list[str] = field(default_factory=list)
    deferred: list[TextRef] = field(default_factory=list)  # references to other articles, for the ingest to check
    tallies: dict[str, list[tuple]] = field(default_factory=dict)  # its rows of the store's tallies (queries/tally.py)

    @property
    def ok(self) -> bool:
        return not self.problems and not self.shape_problems


def relative(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix()


def compile_article(context: UnitContext, path: Path, root: Path, data: bytes) -> ArticleUnit:
    """Read, validate, build and check one article file from its bytes ``data``."""
    unit = ArticleUnit(relative(path, root), digest(data), display(path, root))
    read = read_file(path, root, ArticleFile, unit.problems, data)
    if read is None:
        return unit
    model, name, doc = read
    unit.slug = model.article.slug
    recording = RecordingRegistry(context.registry, context.lookups)
    source = SourcedArticle(model, name, doc)
    unit.slug_line = source.line("article", "slug")
    unit.problems.extend(article_problems(source, recording))  # type: ignore[arg-type]
    built = build_article(source, recording)  # type: ignore[arg-type]
    record_rollups(recording, context.registry.entries)  # what the derived facts read besides
    unit.uses = recording.uses
    unit.claim_ids = [claim.id for claim in model.claims]
    unit.deferred = built.deferred
    unit.uses.update({ref.call: FOUND for ref in built.deferred})  # recorded only when every one is found
    unit.problems.extend(built.problems)
    unit.claims = built.claim_count
    graphs = built.dataset.graphs  # type: ignore[attr-defined]
    article_graph = iris.article_graph(unit.slug)
    unit.graph = str(article_graph)
    own = graphs.get(article_graph, [])
    shared = list(dict.fromkeys(graphs.get(iris.SHARED_GRAPH, [])))
    others = set(graphs) - {article_graph, iris.SHARED_GRAPH}
    if others:  # pragma: no cover - the builder writes only these two graphs of an article
        raise RuntimeError(f"an article wrote to graphs {sorted(others)}")
    if not unit.problems:
        found = context.checker.check([*own, *shared], built.origins)
        unit.shape_problems = {str(node): problems for node, problems in found.items()}
    unit.nquads = nquads(own, article_graph)
    unit.shared = nquads(shared, iris.SHARED_GRAPH)
    if unit.ok:  # the derived graph, after the article's own (ontology/rules/)
        deriver = context.deriver
        derived, unit.tallies = deriver.derive_and_tally(
            unit.slug, deriver.readable(own, unit.nquads) + deriver.readable(shared, unit.shared))
        unit.nquads += derived
    by_subject: dict[str, list[bytes]] = {}
    for line, (s, _, _) in zip(unit.shared.splitlines(), shared):
        by_subject.setdefault(str(s), []).append(line)
    unit.subjects = {s: hashlib.sha256(b"\n".join(sorted(lines))).hexdigest()[:16] for s, lines in by_subject.items()}
    unit.origins = {s: built.origins[URIRef(s)] for s in by_subject if URIRef(s) in built.origins}
    return unit


# -- the ontology graph ------------------------------------------------------------------------------------


def ontology_nquads() -> bytes:
    """The ontology graph: the ontology's triples with blank nodes replaced by stable IRIs
    (canonical labelling), so that ingesting the same ontology twice gives the same quads."""
    from rdflib import BNode
    from rdflib.compare import to_canonical_graph

    def skolem(term: Node) -> Node:
        return URIRef(f"{iris.BASE}.well-known/genid/{term}") if isinstance(term, BNode) else term
    graph = to_canonical_graph(Graph().parse(ontology.SOURCE, format="turtle"))
    return nquads(((skolem(s), p, skolem(o)) for s, p, o in graph), iris.ONTOLOGY_GRAPH)


__all__ = ["FOUND", "ArticleUnit", "RecordingRegistry", "UnitContext", "compile_article", "digest", "is_text_call",
           "nquads", "ntriples", "ontology_nquads", "registry_files", "replay", "text_target"]
