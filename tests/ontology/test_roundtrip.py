"""The Protégé round trip: whatever syntax, prefixes and order a saved ontology comes in, the
generator derives byte-identical files from it; the source opens in the OWL API (Protégé's
library) without a warning."""

from __future__ import annotations

import random
import shutil
import subprocess
from pathlib import Path

import owlready2
import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.compare import to_isomorphic
from rdflib.namespace import OWL, RDF, RDFS, XSD

from claimgraph import ontology
from claimgraph.ontology import generate

HERE = Path(__file__).resolve().parent
HERMIT_JAR = Path(owlready2.__file__).resolve().parent / "hermit" / "HermiT.jar"
JAVA = shutil.which(owlready2.JAVA_EXE) or shutil.which("java")


def needs_java(test):
    """Skipped without Java (the OWL API runs on Java); slow (a JVM per run)."""
    return pytest.mark.slow(pytest.mark.skipif(JAVA is None, reason="the OWL API runs on Java")(test))

PROV_MAP = f"{ontology.PROV_O_IRI}={ontology.PROV_O_FILE}"


def committed() -> dict[str, str]:
    return {p.name: p.read_text("utf-8") for p in (ontology.OWL_FILE, ontology.NAMESPACE_FILE)}


def generated_from(path: Path) -> dict[str, str]:
    return {o.path.name: o.text for o in generate.outputs(generate.load_source(path))}


def shuffled(graph: Graph, seed: int) -> Graph:
    """The same triples added in a random order, with other prefixes (as another tool would)."""
    triples = sorted(graph, key=lambda t: tuple(map(str, t)))
    random.Random(seed).shuffle(triples)
    out = Graph(bind_namespaces="none")
    out.bind("", ontology.NAMESPACE_IRI)            # Protégé binds the default prefix
    out.bind("claim", ontology.NAMESPACE_IRI)
    out.bind("w3owl", str(OWL))
    out.bind("sdo", "https://schema.org/")
    out.bind("unused", "http://example.org/never-used#")
    for t in triples:
        out.add(t)
    return out


def owl_api_variants(graph: Graph) -> Graph:
    """What Protégé's OWL API changes when it saves, without changing the OWL content:
    owl:distinctMembers for owl:members, the other direction of owl:disjointWith,
    ``^^xsd:string`` on plain literals, reversed set lists, and the notice that the generator
    put in claimgraph.owl (an editor who opened the RDF/XML saves it back)."""
    out = Graph(bind_namespaces="none")
    heads = {o: BNode() for p in (OWL.members, OWL.unionOf) for o in graph.objects(None, p)}
    cells = set()
    for head in heads:
        cell = head
        while cell != RDF.nil:
            cells.add(cell)
            cell = graph.value(cell, RDF.rest)
    for s, p, o in graph:
        if s in cells:
            continue
        if p == OWL.members and (s, RDF.type, OWL.AllDifferent) in graph:
            p = OWL.distinctMembers
        if p == OWL.disjointWith:
            s, o = o, s
        if isinstance(o, Literal) and o.datatype is None and o.language is None:
            o = Literal(str(o), datatype=XSD.string)
        out.add((s, p, heads.get(o, o)))
    for head, new in heads.items():
        Collection(out, new, list(reversed(list(Collection(graph, head)))))
    out.add((URIRef(ontology.ONTOLOGY_IRI), RDFS.comment, Literal(generate.generated_note(), lang="en")))
    return out


@pytest.fixture(scope="module")
def source() -> Graph:
    return Graph(bind_namespaces="none").parse(ontology.SOURCE, format="turtle")


# --------------------------------------------------------------------------- simulated saves (rdflib)


@pytest.mark.parametrize(("fmt", "suffix"), [("turtle", ".ttl"), ("xml", ".owl"), ("nt", ".nt")])
@pytest.mark.parametrize("seed", [1, 2])
def test_reserialized_source_generates_identical_files(tmp_path: Path, source: Graph, fmt: str,
                                                       suffix: str, seed: int) -> None:
    saved = tmp_path / f"saved{suffix}"
    shuffled(source, seed).serialize(saved, format=fmt)
    assert saved.read_bytes() != ontology.SOURCE.read_bytes()
    assert generated_from(saved) == committed()


@pytest.mark.parametrize("fmt", ["turtle", "xml"])
def test_owl_api_variants_generate_identical_files(tmp_path: Path, source: Graph, fmt: str) -> None:
    variant = owl_api_variants(source)
    assert (None, OWL.distinctMembers, None) in variant and to_isomorphic(variant) != to_isomorphic(source)
    saved = tmp_path / ("saved.ttl" if fmt == "turtle" else "saved.owl")
    shuffled(variant, 3).serialize(saved, format=fmt)
    assert generated_from(saved) == committed()


def test_rdfxml_saved_under_the_turtle_name_is_read(tmp_path: Path, source: Graph) -> None:
    """Protégé keeps the file name you typed whatever format you chose in its dialog."""
    saved = tmp_path / "claimgraph.ttl"
    source.serialize(saved, format="xml")
    assert generate.source_format(saved) == "xml"
    assert generated_from(saved) == committed()


@pytest.mark.parametrize(("text", "what"), [
    ('<?xml version="1.0"?>\n<Ontology xmlns="http://www.w3.org/2002/07/owl#"\n  ontologyIRI="x"/>', "OWL/XML"),
    ("Prefix(:=<http://x#>)\nOntology(<http://x>)\n", "functional or Manchester"),
    ("Prefix: : <http://x#>\nOntology: <http://x>\n", "functional or Manchester"),
])
def test_other_protege_formats_are_refused_with_advice(tmp_path: Path, text: str, what: str) -> None:
    saved = tmp_path / "saved.owl"
    saved.write_text(text)
    with pytest.raises(generate.GenerationError, match=what) as err:
        generate.load_source(saved)
    assert "Turtle or RDF/XML" in str(err.value)


def test_generated_rdfxml_has_no_xml_literals() -> None:
    text = ontology.OWL_FILE.read_text("utf-8")
    assert "XMLLiteral" not in text and 'parseType="Literal"' not in text


def test_adopt_makes_a_saved_file_the_source(tmp_path: Path, source: Graph, monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "ontology"
    folder.mkdir()
    for name in ("claimgraph.ttl", "claimgraph.owl", "namespace.py"):
        shutil.copy(ontology.ONTOLOGY_DIR / name, folder / name)
    monkeypatch.setattr(generate, "SOURCE", folder / "claimgraph.ttl")
    monkeypatch.setattr(generate, "OWL_FILE", folder / "claimgraph.owl")
    monkeypatch.setattr(generate, "NAMESPACE_FILE", folder / "namespace.py")
    saved = tmp_path / "from-protege.owl"
    shuffled(owl_api_variants(source), 4).serialize(saved, format="xml")

    with pytest.raises(SystemExit):
        generate.main(["--adopt"])  # --adopt needs --source
    assert generate.main(["--source", str(saved), "--adopt"]) == 0
    out = capsys.readouterr().out
    assert "claimgraph.ttl" in out and "claimgraph.owl" not in out, "only the source changes"
    adopted = Graph().parse(folder / "claimgraph.ttl", format="turtle")
    assert to_isomorphic(adopted) == to_isomorphic(source)
    assert generate.main(["--check"]) == 0
    assert (folder / "claimgraph.owl").read_text("utf-8") == ontology.OWL_FILE.read_text("utf-8")


def test_generating_from_another_file_warns(tmp_path: Path, source: Graph, monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    saved = tmp_path / "edited.owl"
    source.serialize(saved, format="xml")
    assert generate.main(["--source", str(saved), "--check"]) == 0
    assert "canonical source" in capsys.readouterr().err


# --------------------------------------------------------------------------- the OWL API itself


def owl_api(program: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([JAVA, "-cp", str(HERMIT_JAR), str(HERE / program), *args],
                          capture_output=True, text=True, check=False, timeout=180)


@pytest.mark.parametrize("path", [ontology.SOURCE, ontology.OWL_FILE], ids=["claimgraph.ttl", "claimgraph.owl"])
def test_opens_in_the_owl_api_without_warnings(path: Path, owlapi) -> None:
    """Strict loading (no guessed types), every triple parsed, imports resolved from the local
    copy, OWL 2 DL profile (which reports any undeclared entity): no problem of ours; the only
    violations are the published PROV-O's two puns (README.md, "Imports")."""
    report = owlapi.profile(path, PROV_MAP)
    assert report.ours == [], report.stdout
    assert report.upstream and all(owlapi.upstream["prov"].match(line) for line in report.upstream)
    assert "imports: 1" in report.stdout


@needs_java
def test_missing_import_fails_the_profile_check() -> None:
    result = owl_api("ProfileCheck.java", str(ontology.SOURCE), f"{ontology.PROV_O_IRI}=/nonexistent/prov-o.owl")
    assert result.returncode != 0


@needs_java
@pytest.mark.parametrize(("fmt", "name"), [("turtle", "claimgraph.ttl"), ("rdfxml", "claimgraph.owl")])
def test_owl_api_save_generates_identical_files(tmp_path: Path, fmt: str, name: str) -> None:
    """Save the source the way Protégé does (the OWL API renderers), regenerate from that file."""
    saved = tmp_path / name
    result = owl_api("ProtegeSave.java", str(ontology.SOURCE), fmt, str(saved), PROV_MAP)
    assert result.returncode == 0, result.stderr
    assert saved.read_text("utf-8") != ontology.SOURCE.read_text("utf-8")
    assert generated_from(saved) == committed()
