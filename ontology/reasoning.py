"""Load the claimgraph ontology with owlready2 and check it, alone or with data, with HermiT.

owlready2 reads RDF/XML and N-Triples, not Turtle (``docs/decisions/0006-rdfxml-for-owlready2.md``): the ontology comes from the generated
``claimgraph.owl`` and data are handed over as N-Triples. The PROV-O import (by its version IRI)
resolves offline to ``imports/prov-o-20130430.owl`` through ``owlready2.onto_path``
(``docs/decisions/0007-prov-o-import.md``). With
``modules=True`` the inverses and alignment modules (``claimgraph-inverses.owl``,
``claimgraph-align.owl``) are loaded too, and ``extra_files`` adds further ontologies (the SKOS
copy, say). HermiT needs Java (``java`` on PATH, or ``owlready2.JAVA_EXE``).

Checking data (:func:`check_data`) adds two things to the data, in the reasoning load only:

- every data individual is declared an ``owl:NamedIndividual``;
- the unique name assumption where it matters: for each functional object property
  (``cg:content``, ``cg:inArticle``, ``cg:curation``, ``cg:core`` ...), one
  ``owl:AllDifferent`` over the data individuals that are its values. OWL does not assume that two
  IRIs name two things, so without this a claim act with two contents would only make HermiT
  conclude that the two propositions are the same one. Ingestion mints one IRI per registry entry,
  article, claim and proposition, so distinct IRIs are distinct things. Only values of
  functional properties can be inferred equal in this ontology (it has no inverse-functional
  property, key or maximum cardinality), so these groups give the same verdict as declaring all
  individuals pairwise different, at a fraction of the cost (HermiT expands ``AllDifferent``
  into pairwise inequalities).

HermiT says only *that* the whole is inconsistent (owlready2 raises
``OwlReadyInconsistentOntologyError`` without details). To name the offending individuals,
:func:`explain` looks for the usual culprits directly with SPARQL (an individual in two disjoint
classes, through its asserted types or the domains and ranges of the properties it uses; a
functional property with two values); when that finds nothing, :func:`bisect` asks HermiT about
halves of the data until it has a minimal set of subjects whose statements are inconsistent.
"""

from __future__ import annotations

import io
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import owlready2
import pyoxigraph as ox
from rdflib import BNode, Graph, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF

from claimgraph.ontology.errors import ClaimgraphError

from . import ALIGN_OWL, IMPORTS_DIR, INVERSES_OWL, NAMESPACE_IRI, ONTOLOGY_DIR, OWL_FILE, PROV_O_FILE

DATA_ONTOLOGY = "urn:claimgraph:reasoning-data"


class ReasonerUnavailable(ClaimgraphError):
    """HermiT cannot run: no Java on the PATH (exit code 2)."""


def require_java() -> str:
    """The Java executable HermiT will use; ReasonerUnavailable when there is none."""
    java = shutil.which(owlready2.JAVA_EXE) or shutil.which("java")
    if java is None:
        raise ReasonerUnavailable("the reasoner (HermiT) needs Java 8 or later: install a Java runtime "
                                  "(e.g. `apt-get install default-jre-headless`) and put `java` on the PATH")
    owlready2.JAVA_EXE = java
    return java


@dataclass(frozen=True)
class Culprit:
    """Individuals whose statements together contradict the ontology, and why."""

    individuals: tuple[str, ...]
    reason: str

    def __str__(self) -> str:
        return f"{', '.join(f'<{i}>' for i in self.individuals)}: {self.reason}"


@dataclass(frozen=True)
class ReasonerReport:
    """The verdict of one HermiT run."""

    consistent: bool
    unsatisfiable: list[str] = field(default_factory=list)
    message: str = ""
    culprits: list[Culprit] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when the ontology is consistent and every class is satisfiable."""
        return self.consistent and not self.unsatisfiable

    @property
    def text(self) -> str:
        """The message, then one line per culprit."""
        return "\n".join([self.message, *(f"  {c}" for c in self.culprits)])


def configure_onto_path() -> None:
    """Put the ontology folder and its imports folder on ``owlready2.onto_path`` (once)."""
    for folder in (str(IMPORTS_DIR), str(ONTOLOGY_DIR)):
        if folder not in owlready2.onto_path:
            owlready2.onto_path.insert(0, folder)


def load_ontology(world: owlready2.World | None = None, *, modules: bool = False,
                  extra_files: Sequence[Path] = ()) -> owlready2.Ontology:
    """Load the generated RDF/XML ontology, with PROV-O from the local copy.

    ``world`` defaults to ``owlready2.default_world``; pass a fresh ``owlready2.World()`` to
    keep the load apart from other ontologies of the process. ``modules`` loads the inverses
    and alignment modules after the core (they import it, and owlready2 resolves an import to an
    ontology already loaded); ``extra_files`` are further ontologies (RDF/XML, or N-Triples when
    the name ends in ``.nt``). Returns the core.
    """
    configure_onto_path()
    world = world if world is not None else owlready2.default_world
    core = world.get_ontology(OWL_FILE.as_uri()).load(only_local=True)
    for path in (*((INVERSES_OWL, ALIGN_OWL) if modules else ()), *extra_files):
        fmt = "ntriples" if Path(path).suffix == ".nt" else "rdfxml"
        world.get_ontology(Path(path).resolve().as_uri()).load(only_local=True, format=fmt)
    return core


def _run_hermit(world: owlready2.World, *, with_data: bool, infer_property_values: bool = False
                ) -> ReasonerReport:
    require_java()
    try:
        owlready2.sync_reasoner(
            world,
            infer_property_values=infer_property_values,
            debug=0,
            # data carry xsd:date literals (cg:earliest, cg:latest, cg:curatedOn), which are
            # outside the OWL 2 datatype map; the ontology alone uses only OWL 2 datatypes
            ignore_unsupported_datatypes=with_data,
        )
    except owlready2.OwlReadyInconsistentOntologyError as err:
        detail = f"{type(err).__module__}.{type(err).__name__}" + (f": {err}" if str(err) else "")
        return ReasonerReport(False, [], f"HermiT: inconsistent ({detail})")
    unsatisfiable = sorted(c.iri for c in world.inconsistent_classes() if c is not owlready2.Nothing)
    if unsatisfiable:
        return ReasonerReport(True, unsatisfiable, f"HermiT: {len(unsatisfiable)} unsatisfiable class(es)")
    return ReasonerReport(True, [], "HermiT: consistent, all classes satisfiable")


def check_consistency(*, extra_rdfxml: Path | None = None) -> ReasonerReport:
    """Run HermiT over the ontology (plus optional RDF/XML data) in a private world.

    Returns whether the whole is consistent and which classes are unsatisfiable (equivalent
    to ``owl:Nothing``).
    """
    world = owlready2.World()
    try:
        load_ontology(world)
        if extra_rdfxml is not None:
            world.get_ontology(Path(extra_rdfxml).resolve().as_uri()).load(only_local=True)
        return _run_hermit(world, with_data=extra_rdfxml is not None)
    finally:
        world.close()


# --------------------------------------------------------------------------- data


@lru_cache(maxsize=1)
def ontology_with_imports() -> Graph:
    """The ontology (as generated) and the local PROV-O, parsed once; do not modify."""
    graph = Graph()
    graph.parse(OWL_FILE, format="xml")
    graph.parse(PROV_O_FILE, format="xml")
    return graph


def _ontology_entities() -> frozenset[URIRef]:
    onto = ontology_with_imports()
    return frozenset(s for s in onto.subjects(RDF.type, None) if isinstance(s, URIRef))


def reasoning_load(data: Graph, *, una: bool = True) -> Graph:
    """The data as HermiT gets them: declarations added and, with ``una``, one
    ``owl:AllDifferent`` per functional object property over the data individuals it points to."""
    onto = ontology_with_imports()
    entities = _ontology_entities()
    object_properties = set(onto.subjects(RDF.type, OWL.ObjectProperty))
    load = Graph()
    for triple in data:
        load.add(triple)
    individuals = {s for s in data.subjects() if isinstance(s, URIRef)}
    individuals |= {o for p in object_properties for o in data.objects(None, p) if isinstance(o, URIRef)}
    for ind in sorted(individuals - entities):
        load.add((ind, RDF.type, OWL.NamedIndividual))
    if una:
        for prop in sorted(set(onto.subjects(RDF.type, OWL.FunctionalProperty)) & object_properties):
            values = sorted({o for o in data.objects(None, prop) if isinstance(o, URIRef)} - entities)
            if len(values) > 1:
                axiom = BNode()
                load.add((axiom, RDF.type, OWL.AllDifferent))
                load.add((axiom, OWL.members, Collection(load, BNode(), values).uri))
    return load


def _hermit_on(load: Graph, *, infer_property_values: bool = False, modules: bool = False,
               extra_files: Sequence[Path] = ()) -> tuple[ReasonerReport, owlready2.World]:
    world = owlready2.World()
    load_ontology(world, modules=modules, extra_files=extra_files)
    nt = load.serialize(format="nt", encoding="utf-8")
    world.get_ontology(DATA_ONTOLOGY + "#").load(fileobj=io.BytesIO(nt), format="ntriples")
    return _run_hermit(world, with_data=True, infer_property_values=infer_property_values), world


def consistent(data: Graph, *, una: bool = True, modules: bool = False,
               extra_files: Sequence[Path] = ()) -> bool:
    """Whether the ontology and ``data`` are consistent for HermiT (no diagnosis)."""
    report, world = _hermit_on(reasoning_load(data, una=una), modules=modules, extra_files=extra_files)
    world.close()
    return report.consistent


def check_data(data: Graph, *, una: bool = True, diagnose: bool = True, max_bisect_runs: int = 60,
               modules: bool = False, extra_files: Sequence[Path] = ()) -> ReasonerReport:
    """Run HermiT over the ontology and ``data``; when inconsistent, name the culprits.

    ``data`` is the ingested data (not the ontology graph). The report's ``message`` carries
    HermiT's verdict (owlready2's exception name when inconsistent) and ``culprits`` the
    individuals found by :func:`explain` or, failing that, by :func:`bisect`. ``modules`` and
    ``extra_files`` load more ontologies beside the core (see :func:`load_ontology`).
    """
    report, world = _hermit_on(reasoning_load(data, una=una), modules=modules, extra_files=extra_files)
    world.close()
    if report.consistent or not diagnose:
        return report
    culprits = explain(data)
    how = "found by SPARQL over the ontology and the data"
    if not culprits:
        culprits = bisect(data, lambda g: consistent(g, una=una, modules=modules, extra_files=extra_files),
                          max_runs=max_bisect_runs)
        how = "no direct cause found by SPARQL; bisected with HermiT"
    if not culprits:
        return ReasonerReport(False, [], report.message + "; no culprit found", [])
    return ReasonerReport(False, [], f"{report.message}; offending individuals ({how}):", culprits)


def inferred_relations(data: Graph, prop: URIRef, *, modules: bool = False) -> set[tuple[str, str]]:
    """The ``prop`` relations between data individuals that HermiT infers (asserted included)."""
    report, world = _hermit_on(reasoning_load(data), infer_property_values=True, modules=modules)
    try:
        if not report.consistent:
            raise ValueError(f"cannot infer relations: {report.message}")
        entity = world[str(prop)]
        return {(a.iri, b.iri) for a, b in entity.get_relations()}
    finally:
        world.close()


# --------------------------------------------------------------------------- diagnosis

PREFIXES = f"""PREFIX rdf: <{RDF}>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX owl: <{OWL}>
"""

#: Types of an individual: asserted, or implied by the domain or range of a property it uses
#: (?{how} says which; ?{via} is the property, ?{other} the subject when it is a value).
TYPES = """
  {{ {x} rdf:type ?{t} . BIND("type" AS ?{how}) }}
  UNION {{ {x} ?{via} ?{any} . ?{via} rdfs:subPropertyOf*/rdfs:domain ?{t} . BIND("domain" AS ?{how}) }}
  UNION {{ ?{other} ?{via} {x} . ?{via} rdfs:subPropertyOf*/rdfs:range ?{t} .
           FILTER(?{via} != rdf:type) BIND("range" AS ?{how}) }}
  FILTER(isIRI({x}) && isIRI(?{t}))"""

DISJOINT_TYPES = PREFIXES + """
SELECT DISTINCT ?x ?t1 ?how1 ?via1 ?other1 ?t2 ?how2 ?via2 ?other2 ?c1 ?c2 WHERE {""" + \
    TYPES.format(x="?x", t="t1", how="how1", via="via1", any="any1", other="other1") + \
    TYPES.format(x="?x", t="t2", how="how2", via="via2", any="any2", other="other2") + """
  ?t1 rdfs:subClassOf* ?c1 .
  ?t2 rdfs:subClassOf* ?c2 .
  { ?c1 owl:disjointWith ?c2 } UNION { ?c2 owl:disjointWith ?c1 }
  UNION { ?ax rdf:type owl:AllDisjointClasses ; owl:members ?list .
          ?list rdf:rest*/rdf:first ?c1 . ?list rdf:rest*/rdf:first ?c2 . FILTER(?c1 != ?c2) }
}
ORDER BY ?x (IF(?how1 = "type", 0, IF(?how1 = "domain", 1, 2))) (IF(?how2 = "type", 0, IF(?how2 = "domain", 1, 2)))
         ?t1 ?t2 ?via1 ?via2
"""

FUNCTIONAL_VALUES = PREFIXES + """
SELECT DISTINCT ?x ?p ?v1 ?v2 WHERE {
  ?p rdf:type owl:FunctionalProperty .
  ?x ?p ?v1 . ?x ?p ?v2 .
  FILTER(!sameTerm(?v1, ?v2) && STR(?v1) <= STR(?v2))
}
"""


def _short(iri: str) -> str:
    return "cg:" + iri[len(NAMESPACE_IRI):] if iri.startswith(NAMESPACE_IRI) else f"<{iri}>"


def explain(data: Graph) -> list[Culprit]:
    """The usual causes of an inconsistency, found with SPARQL over the ontology and ``data``:
    an individual in two disjoint classes, a functional property with two different values."""
    store = ox.Store()
    store.load(ontology_with_imports().serialize(format="nt", encoding="utf-8"), format=ox.RdfFormat.N_TRIPLES)
    store.load(data.serialize(format="nt", encoding="utf-8"), format=ox.RdfFormat.N_TRIPLES)
    culprits: dict[tuple[str, ...], str] = {}
    seen_pairs: set[tuple[str, frozenset[str]]] = set()
    for row in store.query(DISJOINT_TYPES):
        x, c1, c2 = row["x"].value, row["c1"].value, row["c2"].value
        key = (x, frozenset((c1, c2)))
        if key in seen_pairs:
            continue
        seen_pairs.add(key)
        reasons, others = [], []
        for n in ("1", "2"):
            how, t, via = row["how" + n].value, _short(row["t" + n].value), row["via" + n]
            if how == "type":
                reasons.append(f"is asserted a {t}")
            elif how == "domain":
                reasons.append(f"is the subject of {_short(via.value)}, whose domain is {t}")
            else:
                other = row["other" + n]
                reasons.append(f"is the value of {_short(via.value)} of <{other.value}>, whose range is {t}")
                if isinstance(other, ox.NamedNode):
                    others.append(other.value)
        culprits.setdefault((x, *sorted(set(others) - {x})),
                            f"{reasons[0]} and {reasons[1]}; {_short(c1)} and {_short(c2)} are disjoint")
    for row in store.query(FUNCTIONAL_VALUES):
        x, p = row["x"].value, row["p"].value
        values = [row["v1"], row["v2"]]
        shown = ", ".join(f"<{v.value}>" if isinstance(v, ox.NamedNode) else str(v) for v in values)
        named = tuple(v.value for v in values if isinstance(v, ox.NamedNode) and not v.value.startswith(NAMESPACE_IRI))
        culprits.setdefault((x, *named), f"{_short(p)} is functional but has two values: {shown}")
    return [Culprit(k, v) for k, v in sorted(culprits.items())]


def bisect(data: Graph, is_consistent: Callable[[Graph], bool], *, max_runs: int = 60) -> list[Culprit]:
    """A minimal set of subjects whose statements are inconsistent with the ontology.

    ``data`` must be inconsistent. Its statements are grouped by subject. The smallest prefix
    of the subjects that is inconsistent ends with a culprit; keeping it, the search repeats on
    the subjects before it until the culprits found are inconsistent on their own (about
    log2(n) HermiT runs per culprit). Stops after ``max_runs`` runs and says so.
    """
    groups: dict[object, list[tuple]] = {}
    for triple in data:
        groups.setdefault(triple[0], []).append(triple)
    runs = 0

    def inconsistent(chosen: Sequence[object]) -> bool:
        nonlocal runs
        runs += 1
        graph = Graph()
        for subject in chosen:
            for triple in groups[subject]:
                graph.add(triple)
        return not is_consistent(graph)

    found: list[object] = []
    candidates: list[object] = sorted(groups, key=str)  # found + candidates is inconsistent
    complete = False
    while runs < max_runs:
        if found and inconsistent(found):
            complete = True
            break
        lo, hi = 1, len(candidates)  # the smallest inconsistent prefix has length in [lo, hi]
        while lo < hi and runs < max_runs:
            mid = (lo + hi) // 2
            if inconsistent([*found, *candidates[:mid]]):
                hi = mid
            else:
                lo = mid + 1
        if lo < hi or not candidates:
            break
        found.append(candidates[lo - 1])
        candidates = candidates[: lo - 1]
    named = tuple(str(s) for s in found if isinstance(s, URIRef))
    if not named:
        return []
    note = "a minimal set found by bisecting the data with HermiT" if complete else \
        f"bisection stopped after {runs} HermiT runs; the set may be incomplete"
    return [Culprit(named, f"their statements together contradict the ontology ({note})")]
