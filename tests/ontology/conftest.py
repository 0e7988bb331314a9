"""The OWL API harness shared by the ontology tests: ProfileCheck.java through the Java bundled
with the system and the OWL API inside owlready2's HermiT.jar, with the import mappings of
catalog-v001.xml, and its report split into our problems and the published imports' own."""

from __future__ import annotations

import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import owlready2
import pytest

from claimgraph import ontology

HERE = Path(__file__).resolve().parent
HERMIT_JAR = Path(owlready2.__file__).resolve().parent / "hermit" / "HermiT.jar"
JAVA = shutil.which(owlready2.JAVA_EXE) or shutil.which("java")
CATALOG_NS = {"c": "urn:oasis:names:tc:entity:xmlns:xml:catalog"}

#: OWL 2 DL violations of the published files themselves (ontology/README.md, "Imports"):
#: PROV-O declares prov:wasRevisionOf and prov:specializationOf both annotation and object
#: properties; the SKOS schema is OWL Full by design (rdf:List as a range, undeclared dcterms
#: annotation properties).
UPSTREAM = {
    "prov": re.compile(r"^violation in OntologyID\(OntologyIRI\(<http://www\.w3\.org/ns/prov(-o)?#>\) "
                       r"VersionIRI\(<http://www\.w3\.org/ns/prov-o-20130430>\)\): Cannot pun between properties: "
                       r"<http://www\.w3\.org/ns/prov#(wasRevisionOf|specializationOf)>"),
    "skos": re.compile(r"^violation in OntologyID\(OntologyIRI\(<http://www\.w3\.org/2004/02/skos/core>\)\): "
                       r"(Use of undeclared annotation property: <http://purl\.org/dc/terms/"
                       r"(creator|title|contributor|description)>"
                       r"|Use of (undeclared class|reserved vocabulary for class IRI): rdf:List)"),
}


def catalog() -> dict[str, Path]:
    """The catalog's mappings: ontology or version IRI -> local file."""
    root = ET.parse(ontology.CATALOG).getroot()
    return {e.get("name"): (ontology.CATALOG.parent / e.get("uri")).resolve()
            for e in root.iterfind("c:uri", CATALOG_NS)}


def owl_api(program: str, *args: str) -> subprocess.CompletedProcess[str]:
    """Run one of the Java programs of this folder with the OWL API on the class path."""
    return subprocess.run([JAVA, "-cp", str(HERMIT_JAR), str(HERE / program), *args],
                          capture_output=True, text=True, check=False, timeout=300)


@dataclass(frozen=True)
class ProfileReport:
    """ProfileCheck's output, its problems split into ours and the published imports' own."""

    stdout: str
    ours: list[str]
    upstream: list[str]

    @property
    def loaded(self) -> list[str]:
        return [line for line in self.stdout.splitlines() if line.startswith("loaded: ")]


def profile_check(path: Path, *mappings: str) -> ProfileReport:
    """ProfileCheck of ``path`` with the catalog's mappings (or the ``IRI=FILE`` ones given)."""
    result = owl_api("ProfileCheck.java", str(path), *(mappings or [f"{i}={p}" for i, p in catalog().items()]))
    assert "format:" in result.stdout, result.stdout + result.stderr
    lines = [line for line in result.stdout.splitlines() if line.startswith(("unparsed triple", "violation"))]
    upstream = [line for line in lines if any(rx.match(line) for rx in UPSTREAM.values())]
    return ProfileReport(result.stdout, [line for line in lines if line not in upstream], upstream)


class OwlApi:
    """The harness as a fixture: the catalog, the upstream violations, and the Java programs
    (which skip the test when there is no Java)."""

    upstream = UPSTREAM

    @staticmethod
    def catalog() -> dict[str, Path]:
        return catalog()

    @staticmethod
    def mappings() -> list[str]:
        return [f"{iri}={path}" for iri, path in catalog().items()]

    @staticmethod
    def run(program: str, *args: str) -> subprocess.CompletedProcess[str]:
        if JAVA is None:
            pytest.skip("the OWL API runs on Java")
        return owl_api(program, *args)

    @staticmethod
    def profile(path: Path, *mappings: str) -> ProfileReport:
        if JAVA is None:
            pytest.skip("the OWL API runs on Java")
        return profile_check(path, *mappings)


@pytest.fixture(scope="session")
def owlapi() -> OwlApi:
    return OwlApi()
