"""Tests of the claimgraph ontology: contract, OWL 2 DL hygiene, HermiT, generated files, shapes."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import owlready2
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.compare import to_isomorphic
from rdflib.namespace import OWL, RDF, RDFS, SH, SKOS

from claimgraph import ontology
from claimgraph.ontology import generate, reasoning
from claimgraph.ontology.validation import validate_data

NS = ontology.NAMESPACE_IRI
CGN = lambda local: URIRef(NS + local)  # noqa: E731
FIXTURES = Path(__file__).resolve().parent / "fixtures"
HERMIT_JAR = Path(owlready2.__file__).resolve().parent / "hermit" / "HermiT.jar"
JAVA = shutil.which(owlready2.JAVA_EXE) or shutil.which("java")


def needs_java(test):
    """Skipped without Java (HermiT needs Java); slow (a JVM per run)."""
    return pytest.mark.slow(pytest.mark.skipif(JAVA is None, reason="HermiT needs Java")(test))


CLASSES = {
    "Actor", "State", "GovernmentBody", "Person", "Organization", "NewsOutlet", "UnidentifiedOutlet",
    "Group", "UnnamedSource", "Place", "Event", "Proposition", "ResponsibilityProposition",
    "CausalProposition", "IntentProposition", "StatusProposition", "AccusationProposition",
    "PredictionProposition", "CallProposition", "GenericProposition", "ClaimAct", "ReportingAct",
    "Article", "CurationRecord", "Curator", "Illocution", "Polarity", "Certainty", "Confidence",
    "EventType", "Deed", "StatusValue",
}
OBJECT_PROPERTIES = {
    "partOf", "represents", "affiliatedWith", "country", "locatedIn", "eventType", "place",
    "participant", "speaker", "content", "illocution", "polarity", "certainty", "reportedIn",
    "inArticle", "outlet", "author", "curation", "analystConfidence", "contradicts", "supports",
    "respondsTo", "revises", "aboutEvent", "agent", "accused", "beneficiary", "deed", "statusValue",
    "addressee", "subject", "object", "causeEvent",
}
DATA_PROPERTIES = {
    "slug", "searchKey", "mechanism", "causeText", "intentText", "outcome", "action", "predicate", "objectText",
    "detail", "paraphrase", "quote", "cue", "role", "timeLabel", "title", "language", "sourceFile",
    "seedFile", "paragraph", "sourceLine", "deaths", "earliest", "latest", "stateAffiliated", "url",
    "translationOf", "curatedOn",
}
FUNCTIONAL = {"speaker", "content", "illocution", "polarity", "certainty", "reportedIn", "inArticle",
              "outlet", "curation", "analystConfidence", "slug"}
SCHEMES = {
    "illocution": "asserts reports accuses denies acknowledges apologizes predicts questions calls-for "
                  "warns threatens criticizes demands announces suggests recognizes refutes praises advises",
    "polarity": "positive negative",
    "certainty": "certain probable possible underspecified",
    "confidence": "high medium low",
    "event-type": "air-crash detention arrest raid closure ban diplomatic-protest cyberattack speech "
                  "statement interview war blockade expulsion trial visit-cancellation "
                  "accreditation-revocation phone-call shoot-down exposure aid crisis other",
    "deed": "espionage cyberattack aggression repression propaganda provocation interference hostility "
            "crime shoot-down occupation disrespect serving-foreign-interests",
    "status": "part-of disputed-territory sovereign-territory-of ally-of adversary-of dependent-on",
}
SCHEME_CLASS = {"illocution": "Illocution", "polarity": "Polarity", "certainty": "Certainty",
                "confidence": "Confidence", "event-type": "EventType", "deed": "Deed", "status": "StatusValue"}


@pytest.fixture(scope="module")
def source() -> Graph:
    return Graph().parse(ontology.SOURCE, format="turtle")


def own(graph: Graph, kind: URIRef) -> set[str]:
    return {str(s)[len(NS):] for s in graph.subjects(RDF.type, kind) if str(s).startswith(NS)}


# --------------------------------------------------------------------------- the contract


def test_header(source: Graph) -> None:
    onto = URIRef(ontology.ONTOLOGY_IRI)
    assert (onto, RDF.type, OWL.Ontology) in source
    assert source.value(onto, OWL.versionIRI) == URIRef("https://w3id.org/claimgraph/ontology/0.2.0")
    assert source.value(onto, OWL.versionInfo) == Literal("0.2.0")
    assert source.value(onto, OWL.priorVersion) == URIRef("https://w3id.org/claimgraph/ontology/0.1.0")
    assert set(source.objects(onto, OWL.imports)) == {URIRef("http://www.w3.org/ns/prov-o-20130430")}
    dct = lambda local: URIRef("http://purl.org/dc/terms/" + local)  # noqa: E731
    for prop in ("title", "description"):
        assert source.value(onto, dct(prop)).language == "en", prop
    assert source.value(onto, dct("license")) == URIRef("https://creativecommons.org/licenses/by/4.0/")
    for prop in ("created", "modified"):
        assert source.value(onto, dct(prop)).datatype == URIRef("http://www.w3.org/2001/XMLSchema#date"), prop
    assert source.value(onto, dct("creator")) == URIRef("https://w3id.org/claimgraph/id/curator/claimgraph-team")
    vann = "http://purl.org/vocab/vann/"
    assert source.value(onto, URIRef(vann + "preferredNamespacePrefix")) == Literal("cg")
    assert source.value(onto, URIRef(vann + "preferredNamespaceUri")) == Literal(ontology.NAMESPACE_IRI)


def test_terms_are_exactly_the_contract(source: Graph) -> None:
    assert own(source, OWL.Class) == CLASSES
    assert own(source, OWL.ObjectProperty) == OBJECT_PROPERTIES
    assert own(source, OWL.DatatypeProperty) == DATA_PROPERTIES
    assert own(source, OWL.FunctionalProperty) == FUNCTIONAL
    assert own(source, OWL.TransitiveProperty) == {"partOf", "locatedIn"}
    assert own(source, OWL.SymmetricProperty) == {"contradicts"}
    assert (CGN("speaker"), RDFS.subPropertyOf, URIRef("http://www.w3.org/ns/prov#wasAssociatedWith")) in source


def test_controlled_values(source: Graph) -> None:
    for scheme, slugs in SCHEMES.items():
        cls = CGN(SCHEME_CLASS[scheme])
        members = set(source.subjects(RDF.type, cls))
        assert members == {CGN(f"{scheme}-{slug}") for slug in slugs.split()}, scheme
        for ind in members:
            assert (ind, RDF.type, OWL.NamedIndividual) in source
            assert source.value(ind, CGN("slug")) == Literal(str(ind)[len(NS) + len(scheme) + 1:])
        different = [Collection(source, source.value(b, OWL.members))
                     for b in source.subjects(RDF.type, OWL.AllDifferent)]
        assert any(set(c) == members for c in different), f"no owl:AllDifferent for {scheme}"


def test_every_own_term_has_label_and_definition(source: Graph) -> None:
    assert generate.lint(source) == []
    for kind in (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.NamedIndividual):
        for term in own(source, kind):
            for prop in (RDFS.label, SKOS.definition):
                values = list(source.objects(CGN(term), prop))
                assert any(isinstance(v, Literal) and v.language == "en" for v in values), (term, prop)


def test_every_own_iri_is_declared(source: Graph) -> None:
    declared = {CGN(t) for kind in (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty,
                                    OWL.NamedIndividual, OWL.AnnotationProperty) for t in own(source, kind)}
    used = {n for triple in source for n in triple if isinstance(n, URIRef) and str(n).startswith(NS)}
    assert used - declared == set()


def test_owl2_dl_hygiene(source: Graph) -> None:
    classes = set(source.subjects(RDF.type, OWL.Class))
    individuals = set(source.subjects(RDF.type, OWL.NamedIndividual))
    properties = set(source.subjects(RDF.type, OWL.ObjectProperty)) | set(
        source.subjects(RDF.type, OWL.DatatypeProperty))
    assert not classes & individuals, "punning of classes and individuals"
    assert not classes & properties, "punning of classes and properties"
    transitive = set(source.subjects(RDF.type, OWL.TransitiveProperty))
    assert not transitive & set(source.subjects(RDF.type, OWL.FunctionalProperty))
    for card in (OWL.cardinality, OWL.minCardinality, OWL.maxCardinality, OWL.qualifiedCardinality,
                 OWL.minQualifiedCardinality, OWL.maxQualifiedCardinality):
        for restriction in source.subjects(card, None):
            assert source.value(restriction, OWL.onProperty) not in transitive
    for forbidden in (RDF.Statement, RDF.subject, RDF.predicate, RDF.object, RDF.value):
        assert not any(forbidden in triple for triple in source), forbidden
    ranges = set(source.objects(None, RDFS.range))
    assert URIRef("http://www.w3.org/2001/XMLSchema#date") not in ranges, "xsd:date is not in the OWL 2 datatype map"


def test_disjointness(source: Graph) -> None:
    groups = [set(Collection(source, source.value(b, OWL.members)))
              for b in source.subjects(RDF.type, OWL.AllDisjointClasses)]

    def disjoint(a: str, b: str) -> bool:
        pair = {CGN(a), CGN(b)}
        return any(pair <= g for g in groups) or (CGN(a), OWL.disjointWith, CGN(b)) in source \
            or (CGN(b), OWL.disjointWith, CGN(a)) in source

    actors = ["Person", "State", "GovernmentBody", "Organization", "Group"]
    top = ["Actor", "Place", "Event", "Proposition", "ClaimAct", "Article", "CurationRecord"]
    props = [c for c in CLASSES if c.endswith("Proposition") and c != "Proposition"]
    values = list(SCHEME_CLASS.values())
    for group in (actors, top, props, values + top + ["Curator"]):
        for i, a in enumerate(group):
            for b in group[i + 1:]:
                assert disjoint(a, b), (a, b)
    assert disjoint("UnnamedSource", "State")
    assert disjoint("Curator", "Actor")


# --------------------------------------------------------------------------- generated files


def run_generator(*args: str, seed: str = "0") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONHASHSEED": seed}
    return subprocess.run([sys.executable, "-m", "claimgraph.ontology.generate", *args],
                          capture_output=True, text=True, env=env, check=False)


@pytest.mark.parametrize("seed", ["0", "4242"])
def test_generated_files_are_not_stale(seed: str) -> None:
    result = run_generator("--check", seed=seed)
    assert result.returncode == 0, result.stderr


def test_check_names_the_stale_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    stale = tmp_path / "claimgraph.owl"
    stale.write_text("<rdf:RDF/>\n")
    fresh = tmp_path / "namespace.py"
    fresh.write_text(ontology.NAMESPACE_FILE.read_text("utf-8"))
    monkeypatch.setattr(generate, "OWL_FILE", stale)
    monkeypatch.setattr(generate, "NAMESPACE_FILE", fresh)
    assert generate.main(["--check"]) == 1
    err = capsys.readouterr().err
    assert "claimgraph.owl" in err and "namespace.py" not in err
    assert stale.read_text() == "<rdf:RDF/>\n", "--check must not write"


def test_source_is_in_canonical_form(source: Graph) -> None:
    """The source is written as the generator normalizes (owl:members, symmetric axioms with the
    smaller IRI first, plain literals), so the generated RDF/XML holds exactly its triples."""
    assert to_isomorphic(generate.canonical(source)) == to_isomorphic(source)


def test_rdfxml_is_the_source_graph(source: Graph) -> None:
    generated = Graph().parse(ontology.OWL_FILE, format="xml")
    expected = Graph()
    expected += source
    expected.add((URIRef(ontology.ONTOLOGY_IRI), RDFS.comment,
                  Literal(generate.generated_note(), lang="en")))
    assert to_isomorphic(generated) == to_isomorphic(expected)
    text = ontology.OWL_FILE.read_text("utf-8")
    assert "GENERATED by `python -m claimgraph.ontology.generate`" in text.splitlines()[1]


def test_rdfxml_source_when_turtle_is_absent(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                              source: Graph) -> None:
    edited = tmp_path / "edited.owl"
    edited.write_text(ontology.OWL_FILE.read_text("utf-8"))
    monkeypatch.setattr(generate, "SOURCE", tmp_path / "absent.ttl")
    with pytest.raises(generate.GenerationError):
        generate.resolve_source(None)
    assert generate.resolve_source(edited) == edited
    owl_text, _ = (o.text for o in generate.outputs(generate.load_source(edited)))
    regenerated = Graph().parse(data=owl_text, format="xml")
    notes = {o for o in regenerated.objects(URIRef(ontology.ONTOLOGY_IRI), RDFS.comment)
             if str(o).startswith("GENERATED")}
    for note in notes:
        regenerated.remove((URIRef(ontology.ONTOLOGY_IRI), RDFS.comment, note))
    assert to_isomorphic(regenerated) == to_isomorphic(source)


def test_namespace_fails_on_misspelt_terms() -> None:
    from claimgraph.ontology.namespace import CG, VOCABULARIES

    assert CG.Actor == CGN("Actor") and CG.speaker == CGN("speaker") and CG.slug == CGN("slug")
    assert CG["illocution-accuses"] == CGN("illocution-accuses")
    with pytest.raises(AttributeError):
        CG.Acter  # noqa: B018
    with pytest.raises(AttributeError):
        CG.spaeker  # noqa: B018
    with pytest.raises(AttributeError):
        CG["illocution-acuses"]  # noqa: B018
    assert {s: set(v) for s, v in VOCABULARIES.items()} == {s: set(v.split()) for s, v in SCHEMES.items()}
    assert VOCABULARIES["deed"]["shoot-down"] == CGN("deed-shoot-down")
    assert ontology.CG is CG and ontology.VOCABULARIES is VOCABULARIES


# --------------------------------------------------------------------------- HermiT, OWL API


@needs_java
def test_hermit_consistent_and_satisfiable() -> None:
    onto = reasoning.load_ontology()
    assert onto.base_iri == ontology.ONTOLOGY_IRI + "#"
    assert [o.base_iri for o in onto.imported_ontologies] == ["http://www.w3.org/ns/prov-o#"]
    with onto:
        owlready2.sync_reasoner(infer_property_values=False, debug=0)
    assert [c for c in owlready2.default_world.inconsistent_classes() if c is not owlready2.Nothing] == []
    report = reasoning.check_consistency()
    assert report.consistent and report.unsatisfiable == [] and report.ok, report.message


def _as_rdfxml(graph: Graph, path: Path) -> Path:
    graph.serialize(path, format="xml")
    return path


@needs_java
def test_hermit_on_data(tmp_path: Path) -> None:
    data = Graph().parse(FIXTURES / "valid.ttl")
    assert reasoning.check_consistency(extra_rdfxml=_as_rdfxml(data, tmp_path / "valid.owl")).ok

    event_as_agent = Graph().parse(FIXTURES / "valid.ttl")
    ex = "https://example.org/claimgraph/id/"
    event_as_agent.add((URIRef(ex + "p1"), CGN("agent"), URIRef(ex + "azal-crash")))
    report = reasoning.check_consistency(extra_rdfxml=_as_rdfxml(event_as_agent, tmp_path / "bad.owl"))
    assert not report.consistent and "inconsistent" in report.message

    unsat = Graph()
    bad = URIRef("https://example.org/StatePerson")
    unsat.add((bad, RDF.type, OWL.Class))
    unsat.add((bad, RDFS.subClassOf, CGN("State")))
    unsat.add((bad, RDFS.subClassOf, CGN("Person")))
    report = reasoning.check_consistency(extra_rdfxml=_as_rdfxml(unsat, tmp_path / "unsat.owl"))
    assert report.consistent and report.unsatisfiable == [str(bad)]


# --------------------------------------------------------------------------- SHACL shapes


def test_every_shape_constraint_has_a_message() -> None:
    shapes = Graph().parse(ontology.SHAPES, format="turtle")
    constrained = {s for p in (SH.minCount, SH.maxCount, SH["class"], SH.datatype, SH.pattern, SH["or"])
                   for s in shapes.subjects(p, None)}
    inside_or = {m for o in shapes.objects(None, SH["or"]) for m in Collection(shapes, o)}
    for shape in constrained - inside_or:
        assert shapes.value(shape, SH.message) is not None, shape


def test_valid_fixture_conforms() -> None:
    report = validate_data(Graph().parse(FIXTURES / "valid.ttl"))
    assert report.conforms, report.text


def test_invalid_fixture_names_speaker() -> None:
    report = validate_data(Graph().parse(FIXTURES / "invalid-no-speaker.ttl"))
    assert not report.conforms
    assert report.messages == ["claim has no speaker (field `speaker`)"]
    assert report.results[0].focus == URIRef("https://example.org/claimgraph/id/c01")


EX = "https://example.org/claimgraph/id/"
C01, P1, ART = URIRef(EX + "c01"), URIRef(EX + "p1"), URIRef(EX + "article-1")


def _drop(s: URIRef, p: URIRef) -> Callable[[Graph], None]:
    return lambda g: g.remove((s, p, None))


def _set(s: URIRef, p: URIRef, o: URIRef | Literal) -> Callable[[Graph], None]:
    def change(g: Graph) -> None:
        g.remove((s, p, None))
        g.add((s, p, o))
    return change


@pytest.mark.parametrize(("change", "field"), [
    (_drop(C01, CGN("content")), "`content`"),
    (_drop(C01, CGN("illocution")), "`illocution`"),
    (_set(C01, CGN("illocution"), CGN("illocution-shouts")), "`illocution`"),
    (_drop(C01, CGN("polarity")), "`polarity`"),
    (_set(C01, CGN("certainty"), CGN("confidence-high")), "`certainty`"),
    (_drop(C01, CGN("paraphrase")), "`paraphrase`"),
    (_set(C01, CGN("paraphrase"), Literal("   ")), "`paraphrase`"),
    (_set(C01, CGN("quote"), Literal("one two three four five six seven eight nine ten eleven twelve")),
     "`quote`"),
    (_drop(C01, CGN("inArticle")), "`article`"),
    (lambda g: g.add((URIRef(EX + "c01-relay-0"), CGN("content"), P1)), "`via`"),
    (_drop(URIRef(EX + "c01-relay-0"), CGN("speaker")), "`speaker`"),
    (_drop(ART, CGN("outlet")), "`article.outlet`"),
    (_drop(ART, CGN("title")), "`article.title`"),
    (_drop(ART, CGN("earliest")), "`article.published`"),
    (_drop(P1, CGN("agent")), "`content.agent`"),
    (_set(P1, CGN("agent"), URIRef(EX + "aktau")), "`content.agent`"),
    (_drop(URIRef(EX + "russia"), CGN("slug")), "`slug`"),
    (lambda g: g.add((URIRef(EX + "aktau"), RDFS.label, Literal("Aqtau"))), "`label`"),
])
def test_shape_messages_name_the_field(change: Callable[[Graph], None], field: str) -> None:
    data = Graph().parse(FIXTURES / "valid.ttl")
    change(data)
    report = validate_data(data)
    assert not report.conforms
    assert any(field in m for m in report.messages), report.messages


def test_quote_of_eleven_words_is_accepted() -> None:
    data = Graph().parse(FIXTURES / "valid.ttl")
    _set(C01, CGN("quote"), Literal("one two three four five six seven eight nine ten eleven"))(data)
    assert validate_data(data).conforms
