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
    "addressee", "subject", "object", "causeEvent", "core", "mentionOf", "subEventOf", "followsFrom",
    "translationOf",
    # derived at ingestion (ontology/rules/)
    "claimOutlet", "speaksFor", "affiliatedVoiceOf", "charges", "chargesWithin", "concernsEvent", "affirmsCore", "deniesCore", "accuses",
}
DATA_PROPERTIES = {
    "slug", "searchKey", "mechanism", "causeText", "intentText", "outcome", "action", "predicate", "objectText",
    "detail", "paraphrase", "quote", "cue", "role", "timeLabel", "title", "language", "sourceFile",
    "seedFile", "paragraph", "sourceLine", "deaths", "earliest", "latest", "stateAffiliated", "url",
    "curatedOn",
    # derived at ingestion (ontology/rules/)
    "voice", "stance", "saidEarliest", "saidLatest", "claimKey", "articleKey",
}
# Not cg:speaker (a joint statement has several speakers) nor cg:reportedIn (an act can reach an
# article through two relays): functional only where the world is.
FUNCTIONAL = {"content", "illocution", "polarity", "certainty", "inArticle", "outlet", "curation",
              "analystConfidence", "slug", "core",
              "claimOutlet", "voice", "stance", "saidEarliest", "saidLatest"}
SCHEMES = {
    "illocution": "asserts accuses acknowledges announces predicts suggests warns questions calls-for demands "
                  "advises threatens expresses apologizes criticizes praises recognizes",
    "polarity": "positive negative underspecified",
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
#: Values no longer in use, by scheme: they stay in the ontology, deprecated, with what replaces them.
RETIRED = {"illocution": {"reports", "denies", "refutes"}, "deed": {"cyberattack", "shoot-down"}}
#: Concepts in two schemes on purpose: a kind of act that is both a deed and an event type.
SHARED = {"cyberattack": "event-type-cyberattack", "shoot-down": "event-type-shoot-down"}
#: skos:broader where a value refines another.
BROADER = {
    "illocution-accuses": "illocution-asserts", "illocution-acknowledges": "illocution-asserts",
    "illocution-announces": "illocution-asserts", "illocution-predicts": "illocution-asserts",
    "illocution-suggests": "illocution-asserts", "illocution-warns": "illocution-asserts",
    "illocution-demands": "illocution-calls-for", "illocution-advises": "illocution-calls-for",
    "illocution-apologizes": "illocution-expresses", "illocution-criticizes": "illocution-expresses",
    "illocution-praises": "illocution-expresses",
    "event-type-arrest": "event-type-detention", "event-type-accreditation-revocation": "event-type-ban",
    "event-type-speech": "event-type-statement", "event-type-interview": "event-type-statement",
    "event-type-diplomatic-protest": "event-type-statement",
    "deed-occupation": "deed-aggression", "deed-provocation": "deed-hostility", "deed-disrespect": "deed-hostility",
}


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
    assert own(source, OWL.TransitiveProperty) == {"partOf", "locatedIn", "subEventOf"}
    assert own(source, OWL.SymmetricProperty) == {"contradicts"}
    assert (CGN("speaker"), RDFS.subPropertyOf, URIRef("http://www.w3.org/ns/prov#wasAssociatedWith")) in source


def _iri(scheme: str, slug: str) -> URIRef:
    return CGN(SHARED[slug]) if scheme == "deed" and slug in SHARED else CGN(f"{scheme}-{slug}")


def test_controlled_values_are_skos_concept_schemes(source: Graph) -> None:
    """Each scheme a skos:ConceptScheme named by its corpus field; each value a skos:Concept of its
    scheme (and of the scheme's class) with skos:notation = cg:slug, a definition, its broader
    value; the current values declared different; retired values deprecated with their replacement."""
    for scheme, slugs in SCHEMES.items():
        [scheme_iri] = [s for s in source.subjects(CGN("slug"), Literal(scheme))
                        if (s, RDF.type, SKOS.ConceptScheme) in source]
        assert scheme_iri == CGN(f"scheme-{scheme}")
        cls = CGN(SCHEME_CLASS[scheme])
        assert (cls, RDFS.subClassOf, SKOS.Concept) in source
        members = set(source.subjects(SKOS.inScheme, scheme_iri))
        current = {m for m in members if (m, OWL.deprecated, Literal(True)) not in source}
        assert current == {_iri(scheme, slug) for slug in slugs.split()}, scheme
        retired = members - current
        assert {str(source.value(m, CGN("slug"))) for m in retired} == RETIRED.get(scheme, set()), scheme
        for concept in members:
            for kind in (OWL.NamedIndividual, SKOS.Concept, cls):
                assert (concept, RDF.type, kind) in source, (concept, kind)
            assert source.value(concept, SKOS.notation) == source.value(concept, CGN("slug"))
            assert source.value(concept, SKOS.definition).language == "en"
        for concept in retired:
            assert "Deprecated" in str(source.value(concept, SKOS.scopeNote)), concept
        tops = set(source.objects(scheme_iri, SKOS.hasTopConcept))
        assert tops == {c for c in current if source.value(c, SKOS.broader) is None}, scheme
        different = [set(Collection(source, source.value(b, OWL.members)))
                     for b in source.subjects(RDF.type, OWL.AllDifferent)]
        assert current in different, f"no owl:AllDifferent for {scheme}"
    broader = {str(s)[len(NS):]: str(o)[len(NS):] for s, o in source.subject_objects(SKOS.broader)}
    assert broader == BROADER


def test_each_value_is_one_concept(source: Graph) -> None:
    """A notion used in two schemes is one concept in both, on purpose (deeds and event types)."""
    for slug, local in SHARED.items():
        schemes = set(source.objects(CGN(local), SKOS.inScheme))
        assert schemes == {CGN("scheme-event-type"), CGN("scheme-deed")}, slug
        assert (CGN(f"deed-{slug}"), OWL.deprecated, Literal(True)) in source
    labels = {}
    for concept in source.subjects(RDF.type, SKOS.Concept):
        if (concept, OWL.deprecated, Literal(True)) in source:
            continue
        for scheme in source.objects(concept, SKOS.inScheme):
            key = (scheme, str(source.value(concept, CGN("slug"))))
            assert key not in labels, key
            labels[key] = concept


def test_every_own_term_says_where_it_is_defined(source: Graph) -> None:
    terms = {CGN(t) for kind in (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.NamedIndividual)
             for t in own(source, kind)}
    assert terms and all(source.value(t, RDFS.isDefinedBy) == URIRef(ontology.ONTOLOGY_IRI) for t in terms)


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

    actors = ["Person", "State", "Organization", "Group"]
    top = ["Actor", "Place", "Event", "Proposition", "ClaimAct", "Article", "CurationRecord"]
    props = [c for c in CLASSES if c.endswith("Proposition") and c != "Proposition"]
    values = list(SCHEME_CLASS.values())
    for group in (actors, top, props, values + top + ["Curator"]):
        for i, a in enumerate(group):
            for b in group[i + 1:]:
                if {a, b} != {"Deed", "EventType"}:
                    assert disjoint(a, b), (a, b)
    # A kind of act can be both a deed and an event type (one concept, two schemes); a government
    # body is an organization (as in schema.org), and still not a person, a state or a group.
    assert not disjoint("Deed", "EventType")
    assert (CGN("GovernmentBody"), RDFS.subClassOf, CGN("Organization")) in source
    for other in ("Person", "State", "Group"):
        assert disjoint("Organization", other)
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
    assert VOCABULARIES["deed"]["shoot-down"] == CGN("event-type-shoot-down") == VOCABULARIES["event-type"]["shoot-down"]
    from claimgraph.ontology.namespace import DEPRECATED
    assert {s: set(v) for s, v in DEPRECATED.items()} == {"illocution": {"reports", "denies", "refutes"}}
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
    (_drop(ART, RDFS.label), "`article.title`"),
    (_set(ART, CGN("latest"), Literal("2025-01-19", datatype=URIRef("http://www.w3.org/2001/XMLSchema#date"))),
     "`article.published`"),
    (_set(URIRef(EX + "c02"), CGN("earliest"), Literal("2025-02-01", datatype=URIRef("http://www.w3.org/2001/XMLSchema#date"))),
     "`time`"),
    (_set(ART, CGN("translationOf"), Literal("https://example.org/original")), "`article.translation_of`"),
    (_set(P1, CGN("core"), URIRef(EX + "aktau")), "cg:core"),
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


def test_a_joint_statement_and_an_untitled_article_conform() -> None:
    """Several speakers (a joint statement) and an article known by its description only."""
    data = Graph().parse(FIXTURES / "valid.ttl")
    data.add((C01, CGN("speaker"), URIRef(EX + "russia")))
    data.remove((ART, CGN("title"), None))
    data.add((ART, RDFS.comment, Literal("Our own short description")))
    assert validate_data(data).conforms


def test_quote_of_eleven_words_is_accepted() -> None:
    data = Graph().parse(FIXTURES / "valid.ttl")
    _set(C01, CGN("quote"), Literal("one two three four five six seven eight nine ten eleven"))(data)
    assert validate_data(data).conforms
