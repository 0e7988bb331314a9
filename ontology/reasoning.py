"""Load the claimgraph ontology with owlready2 and check it with the HermiT reasoner.

owlready2 reads RDF/XML, not Turtle, so these functions read the generated ``claimgraph.owl``.
The PROV-O import resolves offline to ``imports/prov-o.owl`` through ``owlready2.onto_path``.
HermiT needs Java (``java`` on PATH, or ``owlready2.JAVA_EXE``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import owlready2

from . import IMPORTS_DIR, ONTOLOGY_DIR, OWL_FILE


@dataclass(frozen=True)
class ReasonerReport:
    """The verdict of one HermiT run."""

    consistent: bool
    unsatisfiable: list[str] = field(default_factory=list)
    message: str = ""

    @property
    def ok(self) -> bool:
        """True when the ontology is consistent and every class is satisfiable."""
        return self.consistent and not self.unsatisfiable


def configure_onto_path() -> None:
    """Put the ontology folder and its imports folder on ``owlready2.onto_path`` (once)."""
    for folder in (str(IMPORTS_DIR), str(ONTOLOGY_DIR)):
        if folder not in owlready2.onto_path:
            owlready2.onto_path.insert(0, folder)


def load_ontology(world: owlready2.World | None = None) -> owlready2.Ontology:
    """Load the generated RDF/XML ontology, with PROV-O from the local copy.

    ``world`` defaults to ``owlready2.default_world``; pass a fresh ``owlready2.World()`` to
    keep the load apart from other ontologies of the process.
    """
    configure_onto_path()
    world = world if world is not None else owlready2.default_world
    return world.get_ontology(OWL_FILE.as_uri()).load(only_local=True)


def check_consistency(*, extra_rdfxml: Path | None = None) -> ReasonerReport:
    """Run HermiT over the ontology (plus optional RDF/XML data) in a private world.

    Returns whether the whole is consistent and which classes are unsatisfiable (equivalent
    to ``owl:Nothing``). The ontology alone uses only OWL 2 datatypes, so HermiT runs with its
    defaults; data carry ``xsd:date`` literals (``cg:earliest``, ``cg:latest``,
    ``cg:curatedOn``), which are outside the OWL 2 datatype map, so with ``extra_rdfxml``
    HermiT is told to ignore unsupported datatypes.
    """
    world = owlready2.World()
    try:
        load_ontology(world)
        if extra_rdfxml is not None:
            world.get_ontology(Path(extra_rdfxml).resolve().as_uri()).load(only_local=True)
        try:
            owlready2.sync_reasoner(
                world,
                infer_property_values=False,
                debug=0,
                ignore_unsupported_datatypes=extra_rdfxml is not None,
            )
        except owlready2.OwlReadyInconsistentOntologyError as err:
            detail = str(err) or "HermiT found no model"
            return ReasonerReport(False, [], f"HermiT: inconsistent ontology ({detail})")
        unsatisfiable = sorted(c.iri for c in world.inconsistent_classes() if c is not owlready2.Nothing)
    finally:
        world.close()
    if unsatisfiable:
        return ReasonerReport(True, unsatisfiable, f"HermiT: {len(unsatisfiable)} unsatisfiable class(es)")
    return ReasonerReport(True, [], "HermiT: consistent, all classes satisfiable")
