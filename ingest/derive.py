"""Facts derived once per article, at ingestion, by the rules of ``ontology/rules/``.

What every question needs about a claim but would otherwise join for at each request (its
outlet, voice, stance, whom it speaks for and whom it charges rolled up through ``partOf`` and
``represents``, the events it concerns, when it was said) is computed here, per article, by
readable SPARQL CONSTRUCT rules (``docs/decisions/0027-derived-facts.md``). Each rule file starts
with ``#+`` YAML lines (``summary``, ``derives``, ``description``), like the questions; what it
derives are ontology terms (``cg:derivedBy`` names the rule).

A rule reads one article's graph, the triples the article adds to the shared graph (its
propositions) and the registry, as one union default graph, and its triples go to the article's
derived graph (:func:`claimgraph.ontology.iris.derived_graph`). The rules run on a small
in-memory pyoxigraph store holding the registry once per process: each article is loaded, the
rules asked, the article removed again (about 0.2 ms of CPU per claim at 10k claims: docs/benchmarks-derived.md).

>>> from rdflib import URIRef
>>> from claimgraph.ontology.namespace import CG
>>> deriver = Deriver(registry=[])
>>> claim = URIRef("https://w3id.org/claimgraph/id/claim/a/c1")
>>> data = f"<{claim}> <{CG.content}> <https://w3id.org/claimgraph/id/p> <https://w3id.org/claimgraph/graph/article/a> .\\n"
>>> print(deriver.derive("a", data.encode()).decode().strip())
<https://w3id.org/claimgraph/id/claim/a/c1> <https://w3id.org/claimgraph/ontology#voice> "own" <https://w3id.org/claimgraph/graph/derived/a> .
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import yaml
from rdflib import URIRef

from claimgraph import ontology
from claimgraph.ontology import iris
from claimgraph.ontology.compiled_shapes import canonical
from claimgraph.ontology.errors import CorpusError
from claimgraph.queries.tally import QUERIES, ArticleRows, article_rows

Triple = tuple  # (subject, predicate, object) of rdflib terms

#: Registry lookups a rule's answer depends on beyond those the article makes: the actors its
#: speakers and charged actors roll up to (see :func:`record_rollups`).
ROLLUP_FIELDS = ("part_of", "represents")


@dataclass(frozen=True)
class Rule:
    """One rule file: its name (the file's stem), what it derives (``cg:`` local names), its query,
    and the predicates its patterns read (None: any, a pattern has a variable predicate)."""

    name: str
    path: Path
    summary: str
    derives: tuple[str, ...]
    query: str
    reads: frozenset[str] | None


def _predicates(node) -> set[str] | None:  # type: ignore[no-untyped-def]
    """The IRIs in predicate position (property paths included) of a query's algebra; None when
    one is a variable."""
    from rdflib import URIRef, Variable
    from rdflib.paths import Path as PropertyPath
    from rdflib.plugins.sparql.parserutils import CompValue
    found: set[str] = set()

    def path_iris(path) -> None:  # type: ignore[no-untyped-def]
        if isinstance(path, URIRef):
            found.add(str(path))
        for part in getattr(path, "args", ()) or ():
            path_iris(part)
        if getattr(path, "path", None) is not None:
            path_iris(path.path)

    def walk(value) -> bool:  # type: ignore[no-untyped-def]
        if isinstance(value, CompValue):
            if value.name == "BGP":
                for _, predicate, _ in value.triples:
                    if isinstance(predicate, Variable):
                        return False
                    path_iris(predicate) if isinstance(predicate, PropertyPath) else found.add(str(predicate))
            return all(walk(v) for k, v in value.items() if k not in ("template", "_vars"))
        if isinstance(value, (list, tuple)):
            return all(walk(v) for v in value)
        return True
    return found if walk(node) else None


def _header(text: str) -> dict:
    header = "\n".join(line[3:] if line.startswith("#+ ") else line[2:]
                       for line in text.splitlines() if line.startswith("#+"))
    return yaml.safe_load(header) or {}


def read_rule(path: Path) -> Rule:
    """A rule file, checked: a CONSTRUCT whose template uses only the ``cg:`` terms its header
    says it derives, each declared in the ontology. CorpusError naming the file otherwise."""
    from rdflib.plugins.sparql import prepareQuery
    from claimgraph.ontology.namespace import CG
    text = path.read_text(encoding="utf-8")
    name = f"ontology/rules/{path.name}"
    try:
        header = _header(text)
        derives = tuple(header["derives"])
        summary = str(header["summary"])
    except (yaml.YAMLError, KeyError, TypeError) as exc:
        raise CorpusError(f"{name}: its #+ header needs summary and derives ({exc})") from exc
    for term in derives:
        try:
            getattr(CG, term)
        except AttributeError as exc:
            raise CorpusError(f"{name}: derives cg:{term}, which the ontology does not declare") from exc
    query = prepareQuery(text)
    if query.algebra.name != "ConstructQuery":
        raise CorpusError(f"{name}: a rule is a CONSTRUCT query")
    made = {str(p) for _, p, _ in query.algebra.template}
    allowed = {str(getattr(CG, term)) for term in derives}
    if not made <= allowed:
        raise CorpusError(f"{name}: its template makes {sorted(made - allowed)}, not in derives")
    reads = _predicates(query.algebra)
    return Rule(path.stem, path, summary, derives, text, None if reads is None else frozenset(reads))


#: What :func:`rules` and :func:`tally_reads` found in an earlier process (:func:`preload`).
_preloaded: dict[str, Any] = {}


def preload(found: dict[str, Any]) -> None:
    """Use what :func:`rules` and :func:`tally_reads` found in an earlier process, for the same
    files (``{"rules": ..., "tally_reads": ...}``, kept with the registry's context, whose key
    names the builders: the rules and the tallies' queries among them), instead of parsing every
    query with rdflib again: most of a second, paid by every one-article change."""
    _preloaded.update(found)
    rules.cache_clear()
    tally_reads.cache_clear()


def parsed_rules() -> dict[str, Any]:
    """What :func:`preload` takes: the rules as read, and the tallies' reads."""
    return {"rules": rules(), "tally_reads": tally_reads()}


@functools.cache
def tally_reads() -> frozenset[str] | None:
    """The predicates the queries of the store's tallies read (:mod:`claimgraph.queries.tally`):
    they run on the same in-memory store as the rules (:meth:`Deriver.derive_and_tally`)."""
    if "tally_reads" in _preloaded:
        return _preloaded["tally_reads"]
    from rdflib.plugins.sparql import prepareQuery
    found: set[str] = set()
    for text in QUERIES.values():
        reads = _predicates(prepareQuery(text).algebra)
        if reads is None:
            return None
        found |= reads
    return frozenset(found)


@functools.cache
def rules(folder: Path = ontology.RULES_DIR) -> tuple[Rule, ...]:
    """Every rule of ``folder``, in the order of their names."""
    if folder == ontology.RULES_DIR and "rules" in _preloaded:
        return _preloaded["rules"]
    return tuple(read_rule(path) for path in sorted(folder.glob("*.rq")))


class Deriver:
    """The rules run on one article at a time, with the registry loaded once.

    Of the registry, only the triples whose predicate some rule reads are kept (the rules'
    patterns say which: names and aliases stay out), so that the rules' answers are the same and
    each query has less to look through.
    """

    def __init__(self, registry: Iterable[Triple], rule_set: Iterable[Rule] | None = None) -> None:
        self.rules = tuple(rules() if rule_set is None else rule_set)
        reads = [rule.reads for rule in self.rules] + [tally_reads()]  # the tallies read the same store
        self.reads = None if any(r is None for r in reads) else frozenset().union(*reads)  # type: ignore[arg-type]
        #: The predicates the rules read, as the builder's own objects (a set finds them by identity).
        self.read_terms = None if self.reads is None else frozenset(canonical(URIRef(p)) for p in self.reads)
        self.registry = self._ntriples(registry)
        self.store = self._fresh()
        self.used = 0

    # Every load here reads lines this code wrote (the builder's, or Oxigraph's own answers), of
    # terms already checked: leniently, without checking each IRI again.
    def _fresh(self) -> ox.Store:
        store = ox.Store()
        store.load(self.registry, format=ox.RdfFormat.N_TRIPLES, to_graph=REGISTRY, lenient=True)
        return store

    def _ntriples(self, triples: Iterable[Triple]) -> bytes:
        from claimgraph.ingest.units import ntriples
        return ntriples(triples if self.reads is None else (t for t in triples if str(t[1]) in self.reads))

    def readable(self, triples: list[Triple], data: bytes) -> bytes:
        """The lines of ``data`` (N-Triples or N-Quads, one line for each of ``triples``, in
        order) whose predicate some rule reads: as for the registry, the rules' answers are the
        same, and the store has less to load and look through."""
        if self.read_terms is None:
            return data
        keep = self.read_terms
        return b"".join([line for line, triple in zip(data.splitlines(keepends=True), triples) if triple[1] in keep])

    def ntriples(self, data: bytes) -> bytes:
        """What the rules derive from ``data`` (N-Quads: an article's graph and the triples it
        adds to the shared graph), with the registry, as N-Triples."""
        return self._run(data, tally=False)[0]

    def _run(self, data: bytes, *, tally: bool) -> tuple[bytes, ArticleRows]:
        self.used += 1
        if self.used % RENEW == 0:  # an in-memory store slows down as articles come and go
            self.store = self._fresh()
        self.store.load(data, format=ox.RdfFormat.N_QUADS, lenient=True)
        try:
            derived = b"".join(self.store.query(rule.query, use_default_graph_as_union=True)  # type: ignore[union-attr]
                               .serialize(format=ox.RdfFormat.N_TRIPLES) or b"" for rule in self.rules)
            if not tally:
                return derived, {}
            self.store.load(derived, format=ox.RdfFormat.N_TRIPLES, to_graph=_DERIVED, lenient=True)
            return derived, article_rows(self.store)
        finally:
            for graph in list(self.store.named_graphs()):
                if graph != REGISTRY:
                    self.store.remove_graph(graph)

    def derive(self, slug: str, data: bytes) -> bytes:
        """The article's derived graph as N-Quads, from ``data`` (its graph and shared triples as
        N-Quads)."""
        return self._in_graph(slug, self.ntriples(data))

    def derive_and_tally(self, slug: str, data: bytes) -> tuple[bytes, ArticleRows]:
        """The article's derived graph (:meth:`derive`), and the rows of the store's tallies that
        the article gives (:func:`claimgraph.queries.tally.article_rows`): its graph, shared
        triples and derived facts read together, while they are loaded."""
        derived, rows = self._run(data, tally=True)
        return self._in_graph(slug, derived), rows

    @staticmethod
    def _in_graph(slug: str, ntriples: bytes) -> bytes:
        return ntriples.replace(b" .\n", f" <{iris.derived_graph(slug)}> .\n".encode())


REGISTRY = ox.NamedNode(str(iris.REGISTRY_GRAPH))
_DERIVED = ox.NamedNode(str(iris.derived_graph("-")))  # where the tallies read the derived facts from
#: Articles derived on one in-memory store before it is made again: loading and removing articles
#: leaves it slower each time (12 ms an article at first, 30 ms after two hundred, at 10k claims).
RENEW = 8


def record_rollups(recording, entries) -> None:  # type: ignore[no-untyped-def]
    """Look up, through ``recording`` (a :class:`~claimgraph.ingest.units.RecordingRegistry`),
    every actor that the actors an article names roll up to (``part_of``, ``represents``, at any
    depth), so that the article is derived again when any of those entries changes.
    ``entries``: the registry's entries by slug."""
    seen: set[str] = set()
    todo = [found.split("\x1f")[1] for found in list(recording.uses.values()) if found.startswith("actor\x1f")]
    while todo:
        slug = todo.pop()
        if slug in seen or slug not in entries:
            continue
        seen.add(slug)
        entry = entries[slug].entry
        for name in ROLLUP_FIELDS:
            for ref in getattr(entry, name, ()):
                found = recording.lookup(ref)
                if found is not None and found.kind == "actor":
                    todo.append(found.entry.slug)


def derive_dataset(dataset) -> None:  # type: ignore[no-untyped-def]
    """Add the derived graph of every article graph of an rdflib ``dataset`` built in memory
    (``pipeline.compile_corpus``): each article with the whole shared graph and the registry."""
    from rdflib import URIRef
    from claimgraph.ingest.units import nquads
    deriver = Deriver(dataset.graph(iris.REGISTRY_GRAPH))
    shared = nquads(dataset.graph(iris.SHARED_GRAPH), iris.SHARED_GRAPH)
    prefix = str(iris.article_graph(""))
    for graph in list(dataset.graphs()):
        name = str(graph.identifier)
        if name.startswith(prefix):
            data = deriver.derive(name[len(prefix):], nquads(graph, URIRef(name)) + shared)
            dataset.parse(data=data.decode("utf-8"), format="nquads")


__all__ = ["Deriver", "Rule", "derive_dataset", "read_rule", "record_rollups", "rules"]
