"""Validating article by article, with the compiled shapes, reports exactly what pySHACL reports on
the whole graph: on the valid and invalid examples, the real corpus, a synthetic corpus, and
(hypothesis) graphs broken at random in the ways the shapes check.

A *unit* is what ingestion validates at once: one article's graph with the triples it adds to
the shared graph, or the registry graph; its context is the registry and the ontology. The
whole graph is every unit together with the ontology, as ingestion used to validate it.
"""

from __future__ import annotations

import shutil
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyshacl.errors import ReportableRuntimeError
from rdflib import RDF, XSD, BNode, Graph, Literal, URIRef
from rdflib.namespace import SH

from claimgraph.ingest.build import build_article
from claimgraph.ingest.load import SourcedArticle, corpus_files, read_file
from claimgraph.ingest.models import ArticleFile
from claimgraph.ingest.units import UnitContext
from claimgraph.ontology import iris
from claimgraph.ontology.compiled_shapes import CompiledShapes, Index, Unsupported, compiled_shapes, ontology_index
from claimgraph.ontology.namespace import CG
from claimgraph.ontology.validation import ShapeResult, Validator, ontology_graph, shapes_graph
from tests.conftest import CORPUS

EXAMPLES = Path(__file__).parents[1] / "ingest" / "examples"

Triple = tuple


def units_of(corpus: Path) -> tuple[list[Triple], list[list[Triple]]]:
    """The registry graph and each article's unit (its graph and its shared triples), as built."""
    context = UnitContext.from_corpus(corpus)
    units = []
    for path in corpus_files(corpus, "articles"):
        read = read_file(path, corpus, ArticleFile, [])
        if read is None:
            continue
        built = build_article(SourcedArticle(*read), context.registry)
        graphs = built.dataset.graphs
        units.append([*graphs.get(iris.article_graph(read[0].article.slug), []), *graphs.get(iris.SHARED_GRAPH, [])])
    return context.registry_triples, units


def whole_graph(registry: list[Triple], units: list[list[Triple]]) -> Graph:
    graph = Graph()
    for triple in (*registry, *(t for unit in units for t in unit), *ontology_graph()):
        graph.add(triple)
    return graph


def key(results: list[ShapeResult]) -> Counter:
    return Counter((str(r.focus), str(r.path), r.message, str(r.shape)) for r in results)


def by_unit(registry: list[Triple], units: list[list[Triple]], compiled: CompiledShapes) -> Counter:
    """Every unit validated in its context, as ingestion does: a node several units add the same
    triples about reported once; a node they add different triples about (divergent) checked
    again on all of them together."""
    context = Index(registry, context=ontology_index())
    found: dict = {}
    for unit in [registry, *units]:
        index = Index(unit, context=context if unit is not registry else ontology_index())
        for node, results in compiled.results(index).items():
            found.setdefault(node, results)
    about: dict = {}
    for i, unit in enumerate(units):
        for triple in unit:
            about.setdefault(triple[0], {}).setdefault(i, set()).add(triple)
    divergent = {s: set().union(*by_unit.values()) for s, by_unit in about.items()
                 if len({frozenset(t) for t in by_unit.values()}) > 1}
    if divergent:
        again = compiled.results(Index([t for ts in divergent.values() for t in ts], context=context))
        for node in divergent:
            found[node] = again.get(node, [])
    for node, results in compiled.results(Index(ontology_graph()), with_target_nodes=True).items():
        found.setdefault(node, results)
    return key([r for rs in found.values() for r in rs])


def by_unit_with_pyshacl(registry: list[Triple], units: list[list[Triple]]) -> Counter:
    """The same, with pySHACL restricted to each unit's nodes."""
    found: dict = {}
    for unit in [registry, *units]:
        graph = whole_graph(registry, [unit])
        focus = sorted({s for s, _, _ in unit if isinstance(s, URIRef)})
        for result in Validator().validate(graph, focus=focus).results:
            found.setdefault(result.focus, []).append(result)
    return key([r for rs in found.values() for r in rs])


def assert_same(registry: list[Triple], units: list[list[Triple]]) -> Counter:
    whole = key(Validator().validate(whole_graph(registry, units)).results)
    assert by_unit(registry, units, compiled_shapes()) == whole
    graph_index = Index(whole_graph(registry, units))
    assert key(compiled_shapes().validate(graph_index).results) == whole
    return whole


def test_the_projects_shapes_compile() -> None:
    compiled = CompiledShapes.from_graph(shapes_graph())
    assert len(compiled.checks) == len(set(shapes_graph().subjects(RDF.type, URIRef("http://www.w3.org/ns/shacl#PropertyShape"))))


@pytest.mark.slow
def test_the_real_corpus_article_by_article() -> None:
    registry, units = units_of(CORPUS)
    assert assert_same(registry, units) == Counter()
    assert by_unit_with_pyshacl(registry, units) == Counter()


@pytest.mark.slow
def test_the_examples_article_by_article(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(EXAMPLES / "registry", corpus / "registry")
    (corpus / "articles").mkdir()
    for path in [*(EXAMPLES / "valid").glob("*.yaml"), *(EXAMPLES / "invalid").glob("*.yaml")]:
        shutil.copy(path, corpus / "articles" / path.name)
    registry, units = units_of(corpus)
    assert len(units) >= 2
    whole = assert_same(registry, units)
    assert whole, "some invalid example breaks a shape"  # the model lets them through; SHACL does not
    assert by_unit_with_pyshacl(registry, units) == whole


@pytest.mark.slow
def test_a_synthetic_corpus_article_by_article(tmp_path: Path) -> None:
    from tools.synthetic import write_corpus
    write_corpus(tmp_path / "corpus", claims=400, seed=7)
    registry, units = units_of(tmp_path / "corpus")
    assert assert_same(registry, units) == Counter()


def _ordered() -> set[URIRef]:
    """The properties an order between two values is checked on (``sh:lessThan(OrEquals)``: the
    path and the other property). pySHACL can compare there only strings, IRIs and values of one
    ordered type (the dates ingestion writes): on a blank node it stops with an error, and the compiled checks refuse
    it too (:func:`test_a_blank_node_where_an_order_is_checked_is_refused_by_both`); a number or a
    boolean beside a date is judged as rdflib orders it (:func:`test_a_value_no_order_compares_with_a_date_is_judged_alike`). The tests compare the two
    validators on the values pySHACL can judge."""
    shapes = shapes_graph()
    found = set()
    for component in (SH.lessThan, SH.lessThanOrEquals):
        for shape, other in shapes.subject_objects(component):
            found |= {shapes.value(shape, SH.path), other}
    return found


def _comparable_with_a_date(odd: object) -> bool:
    return isinstance(odd, URIRef) or (isinstance(odd, Literal) and isinstance(odd.value, (str, date)))


def _odd_fits(p: URIRef, odd: object) -> bool:
    return p not in _ordered() or _comparable_with_a_date(odd)


def _ordered_event() -> tuple[list[Triple], list[list[Triple]], URIRef, Literal]:
    registry, units = _corpus_units()
    bounded = {s for s, p, o in registry if p == CG.latest}
    event, time = next((s, o) for s, p, o in registry if p == CG.earliest and s in bounded)
    return registry, units, event, time


def test_a_blank_node_where_an_order_is_checked_is_refused_by_both() -> None:
    registry, units, event, time = _ordered_event()
    broken = [t for t in registry if t != (event, CG.earliest, time)] + [(event, CG.earliest, BNode("b0"))]
    with pytest.raises(ReportableRuntimeError):
        Validator().validate(whole_graph(broken, units))
    with pytest.raises(Unsupported):
        compiled_shapes().validate(Index(whole_graph(broken, units)))


@pytest.mark.parametrize(("odd", "after"), [(Literal("12", datatype=XSD.integer), True), (Literal(True), False)])
def test_a_value_no_order_compares_with_a_date_is_judged_alike(odd: Literal, after: bool) -> None:
    """pySHACL compares a number with a date as rdflib orders them (a number sorts after), a
    boolean not at all; the compiled checks say exactly what it says."""
    registry, units, event, time = _ordered_event()
    broken = [t for t in registry if t != (event, CG.earliest, time)] + [(event, CG.earliest, odd)]
    assert _ordered() >= {CG.earliest, CG.latest} and not _comparable_with_a_date(odd)
    expected = key(Validator().validate(whole_graph(broken, units)).results)
    assert key(compiled_shapes().validate(Index(whole_graph(broken, units))).results) == expected
    shapes = {shape.rsplit("#", 1)[1] for _, _, _, shape in expected}
    assert shapes == {"Event-earliest-datatype", "Event-time-order"} if after else {"Event-earliest-datatype"}


# -- graphs broken at random ------------------------------------------------------------------------

_REGISTRY, _UNITS = None, None


def _corpus_units() -> tuple[list[Triple], list[list[Triple]]]:
    global _REGISTRY, _UNITS
    if _UNITS is None:
        _REGISTRY, _UNITS = units_of(CORPUS)
    return _REGISTRY, _UNITS


ODD_VALUES = [Literal(""), Literal(" "), Literal("x", lang="en"), Literal("12", datatype=XSD.integer),
              Literal("-3", datatype=XSD.integer), Literal("2025-02-30", datatype=XSD.date),
              Literal("2025-01-01", datatype=XSD.date), Literal("abc", datatype=XSD.integer), Literal(True),
              Literal("one two three four five six seven eight nine ten eleven twelve"), Literal("\u00a0"),
              BNode("b0"), URIRef("https://w3id.org/claimgraph/id/actor/russia"),
              URIRef("https://w3id.org/claimgraph/id/event/azal-crash"), URIRef("http://example.org/nothing"),
              CG.illocution_accuses if hasattr(CG, "illocution_accuses") else URIRef(f"{CG}illocution-accuses"),
              CG.ClaimAct, CG.Article]


@st.composite
def breakage(draw: st.DrawFn) -> tuple[int, str, Triple, int]:
    """A unit (or the registry), one of its triples (its predicate drawn first, so that rare ones
    such as a quote are hit as often as common ones), what to do to it, and an odd value."""
    registry, units = _corpus_units()
    unit = draw(st.integers(0, len(units)))  # len(units): the registry
    triples = registry if unit == len(units) else units[unit]
    predicate = draw(st.sampled_from(sorted({p for _, p, _ in triples})))
    triple = draw(st.sampled_from([t for t in triples if t[1] == predicate]))
    return unit, draw(st.sampled_from(["drop", "second-value", "replace", "retype"])), triple, \
        draw(st.integers(0, len(ODD_VALUES) - 1))


@pytest.mark.slow
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(breakage(), min_size=1, max_size=6))
def test_random_breakage_is_reported_the_same_way(changes: list[tuple[int, str, Triple, int]]) -> None:
    registry, units = _corpus_units()
    registry, units = list(registry), [list(u) for u in units]
    for unit, kind, (s, p, o), value in changes:
        triples = registry if unit == len(units) else units[unit]
        if (s, p, o) not in triples:
            continue  # dropped or replaced by an earlier change
        odd = ODD_VALUES[value]
        if not _odd_fits(p, odd) and kind != "drop":
            continue
        if kind == "drop":
            triples.remove((s, p, o))
        elif kind == "second-value":
            triples.append((s, p, odd))
        elif kind == "replace":
            triples[triples.index((s, p, o))] = (s, p, odd)
        else:
            triples.append((s, RDF.type, odd if isinstance(odd, URIRef) else CG.ClaimAct))
    assert_same(registry, units)


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["replace", "second-value"])
def test_every_odd_value_on_every_property(kind: str) -> None:
    """Each odd value put on each property the corpus uses (replacing a value, or beside it), a
    different node for each change so that their results stay apart; a few graphs in all."""
    registry, units = _corpus_units()
    where: dict = {}
    for u, triples in enumerate([*units, registry]):
        for s, p, o in triples:
            where.setdefault(p, []).append((u, (s, p, o)))
    batches: list[list] = []
    for p, places in sorted(where.items()):
        for v in range(len(ODD_VALUES)):
            if not _odd_fits(p, ODD_VALUES[v]):
                continue
            u, triple = places[v % len(places)]
            batch = next((b for b in batches if all(c[1][0] != triple[0] for c in b)), None)
            if batch is None:
                batch = []
                batches.append(batch)
            batch.append((u, triple, ODD_VALUES[v]))
    reported = 0
    for batch in batches:
        changed_registry, changed = list(registry), [list(t) for t in units]
        for u, triple, odd in batch:
            triples = changed_registry if u == len(units) else changed[u]
            if kind == "replace" and triple in triples:
                triples[triples.index(triple)] = (triple[0], triple[1], odd)
            else:
                triples.append((triple[0], triple[1], odd))
        reported += sum(assert_same(changed_registry, changed).values())
    assert reported > 100
