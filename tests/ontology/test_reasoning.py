"""HermiT over the ontology and the data: the real corpus is consistent, each deliberate curation
mistake is caught and its offending individuals are named, the roll-up needs no materialization."""

from __future__ import annotations

import shutil
from pathlib import Path

import owlready2
import pyoxigraph as ox
import pytest
from rdflib import Graph, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF

from claimgraph.api.cli import main as cli
from claimgraph.ontology import data, reasoning
from claimgraph.ontology.namespace import CG
from claimgraph.queries.store import EmbeddedBackend

FIXTURES = Path(__file__).resolve().parent / "fixtures"
EX = "https://example.org/claimgraph/id/"
JAVA = shutil.which(owlready2.JAVA_EXE) or shutil.which("java")


def needs_java(test):
    """Skipped without Java (HermiT needs Java); slow (a JVM per run)."""
    return pytest.mark.slow(pytest.mark.skipif(JAVA is None, reason="HermiT needs Java")(test))


#: Each deliberately inconsistent fixture, and the individuals the report must name.
MISTAKES = {
    "inconsistent-person-and-state.ttl": [EX + "lavrov"],
    "inconsistent-two-contents.ttl": [EX + "c01", EX + "p1", EX + "p2"],
    "inconsistent-two-polarities.ttl": [EX + "c01"],
    "inconsistent-polarity-as-illocution.ttl": [str(CG["polarity-negative"]), EX + "c01"],
    "inconsistent-place-with-time-label.ttl": [EX + "aktau"],
}


def fixture(name: str) -> Graph:
    return Graph().parse(FIXTURES / name, format="turtle")


def store_from(path: Path, folder: Path) -> Path:
    """A store holding the fixture in an article graph, as `claimgraph ingest` would lay it out."""
    store = ox.Store(str(folder))
    store.load(path=str(path), format=ox.RdfFormat.TURTLE,
               to_graph=ox.NamedNode("https://w3id.org/claimgraph/graph/article/fixture"))
    store.flush()
    del store
    return folder


def test_the_ontology_graph_is_the_one_ingestion_writes() -> None:
    from claimgraph.ontology import iris
    assert data.ONTOLOGY_GRAPH == str(iris.ONTOLOGY_GRAPH)


def test_data_leave_out_the_ontology_graph(corpus_store: Path) -> None:
    quads = list(EmbeddedBackend(corpus_store).quads())
    assert data.has_ontology_graph(quads)
    graph = data.data_graph(quads)
    assert (CG.Actor, RDF.type, OWL.Class) not in graph
    assert any(graph.triples((None, CG.speaker, None)))


# --------------------------------------------------------------------------- the reasoning load


def test_reasoning_load_declares_individuals_and_the_unique_names_that_matter() -> None:
    load = reasoning.reasoning_load(fixture("valid.ttl"))
    assert (URIRef(EX + "c01"), RDF.type, OWL.NamedIndividual) in load
    assert (CG["polarity-positive"], RDF.type, OWL.NamedIndividual) not in load, "ontology terms stay as they are"
    groups = [set(Collection(load, load.value(ax, OWL.members))) for ax in load.subjects(RDF.type, OWL.AllDifferent)]
    # content values: the two propositions; inArticle and curation have one value each, and
    # cg:speaker is not functional (a joint statement has several speakers)
    assert {URIRef(EX + "p1"), URIRef(EX + "p2")} in groups
    assert not any(URIRef(EX + "jane-doe") in g for g in groups)
    assert not any(CG["illocution-accuses"] in g for g in groups), "controlled values are already distinct"
    assert all(len(g) > 1 for g in groups)
    assert not any(reasoning.reasoning_load(fixture("valid.ttl"), una=False).subjects(RDF.type, OWL.AllDifferent))


# --------------------------------------------------------------------------- HermiT


@needs_java
def test_two_contents_contradict() -> None:
    report = reasoning.check_data(fixture("inconsistent-two-contents.ttl"))
    assert not report.consistent and "OwlReadyInconsistentOntologyError" in report.message
    [culprit] = report.culprits
    assert set(culprit.individuals) == {EX + "c01", EX + "p1", EX + "p2"}
    assert "cg:content is functional but has two values" in culprit.reason


@needs_java
def test_two_contents_contradict_only_under_unique_names_and_two_speakers_never() -> None:
    """OWL does not assume that two IRIs name two things: HermiT would merge the two contents of
    one claim. Propositions have no cg:slug (which keeps registry entries apart), so the
    AllDifferent of the reasoning load does it. Two speakers are a joint statement: consistent."""
    graph = fixture("inconsistent-two-contents.ttl")
    assert reasoning.check_data(graph, una=False).consistent
    assert not reasoning.check_data(graph, una=True).consistent
    graph.remove((URIRef(EX + "c01"), CG.content, URIRef(EX + "p2")))
    assert reasoning.check_data(graph, una=True).consistent


@needs_java
def test_two_polarities_contradict_without_unique_names() -> None:
    """The ontology itself declares the polarity values different."""
    assert not reasoning.check_data(fixture("inconsistent-two-polarities.ttl"), una=False).consistent


@needs_java
def test_sparql_diagnosis_explains_the_direct_mistakes() -> None:
    person_state = reasoning.explain(fixture("inconsistent-person-and-state.ttl"))
    assert [str(c) for c in person_state] == [
        f"<{EX}lavrov>: is asserted a cg:Person and is asserted a cg:State; cg:Person and cg:State are disjoint"]
    assert reasoning.explain(fixture("valid.ttl")) == []
    assert reasoning.explain(fixture("inconsistent-place-with-time-label.ttl")) == [], \
        "a union domain is beyond the SPARQL diagnosis: bisection names the culprit"


def test_bisect_finds_a_minimal_inconsistent_set() -> None:
    """Bisection alone, with a stand-in for HermiT: a and q together are the contradiction."""
    graph = Graph()
    for letter in "abcdefghijklmnopqrstuvwxyz":
        graph.add((URIRef(EX + letter), RDF.type, CG.Person))
    culprits_iris = {URIRef(EX + "a"), URIRef(EX + "q")}
    calls = []

    def is_consistent(g: Graph) -> bool:
        calls.append(len(g))
        return not culprits_iris <= set(g.subjects())

    [culprit] = reasoning.bisect(graph, is_consistent)
    assert set(culprit.individuals) == {EX + "a", EX + "q"}
    assert "minimal set" in culprit.reason
    assert len(calls) <= 2 * 5 + 3


@needs_java
@pytest.mark.parametrize("name", sorted(MISTAKES))
def test_each_mistake_fails_the_check_naming_the_individuals(name: str, tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    """`claimgraph check --store` on a store holding the fixture: exit 1, offenders named."""
    store = store_from(FIXTURES / name, tmp_path / "store")
    assert cli(["check", "--store", str(store)]) == 1
    out = capsys.readouterr().out
    assert out.startswith("HermiT: inconsistent (owlready2.base.OwlReadyInconsistentOntologyError)")
    for iri in MISTAKES[name]:
        assert f"<{iri}>" in out


@needs_java
def test_real_corpus_is_consistent(corpus_store: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(["check", "--store", str(corpus_store)]) == 0
    assert capsys.readouterr().out.strip() == "HermiT: consistent, all classes satisfiable"


def test_cli_check_without_java(corpus_store: Path, monkeypatch: pytest.MonkeyPatch,
                                capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(reasoning.shutil, "which", lambda name: None)
    assert cli(["check", "--store", str(corpus_store)]) == 2
    assert "needs Java" in capsys.readouterr().err


def test_cli_check_without_a_store(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(["check", "--store", str(tmp_path / "absent")]) == 2
    assert "no store" in capsys.readouterr().err


# --------------------------------------------------------------------------- roll-up


ROLLUP = """PREFIX cg: <https://w3id.org/claimgraph/ontology#>
SELECT ?part ?whole WHERE { ?part cg:partOf+ ?whole }"""


@needs_java
def test_partof_paths_equal_hermits_transitive_closure(corpus_store: Path) -> None:
    """The questions roll actors up with the SPARQL path (cg:partOf|cg:represents)*, evaluated at
    query time; for the transitive cg:partOf the path gives exactly what HermiT infers, so
    nothing needs to be materialized at ingest."""
    store = ox.Store.read_only(str(corpus_store))
    by_path = {(r["part"].value, r["whole"].value) for r in store.query(ROLLUP, use_default_graph_as_union=True)}
    asserted = {(r["part"].value, r["whole"].value) for r in store.query(
        ROLLUP.replace("cg:partOf+", "cg:partOf"), use_default_graph_as_union=True)}
    inferred = reasoning.inferred_relations(data.data_graph(list(EmbeddedBackend(corpus_store).quads())), CG.partOf)
    assert by_path == inferred
    assert by_path > asserted, "the corpus has chains of partOf, so the closure adds pairs"
