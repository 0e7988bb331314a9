"""Validate claimgraph data against ``shapes.ttl`` with pySHACL.

The ontology is passed as pySHACL's ontology graph, so that ``sh:class`` sees the class
hierarchy (a ``cg:State`` is a ``cg:Actor``) and the controlled values (``cg:illocution-accuses``
is a ``cg:Illocution``). Each result keeps the message of the failing shape, which names the
corpus field to fix.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import pyshacl
from rdflib import RDF, RDFS, Graph, URIRef
from rdflib.namespace import SH
from rdflib.term import Node

from . import SHAPES, SOURCE


@dataclass(frozen=True)
class ShapeResult:
    """One SHACL validation result."""

    focus: Node
    path: Node | None
    message: str
    shape: Node | None


@dataclass(frozen=True)
class ShaclReport:
    """The outcome of validating one data graph."""

    conforms: bool
    results: list[ShapeResult]
    text: str

    @property
    def messages(self) -> list[str]:
        """The sorted result messages."""
        return sorted(r.message for r in self.results)


@lru_cache(maxsize=1)
def shapes_graph() -> Graph:
    """The data shapes (parsed once; do not modify)."""
    return Graph().parse(SHAPES, format="turtle")


@lru_cache(maxsize=1)
def ontology_graph() -> Graph:
    """What the shapes need of the ontology (parsed once; do not modify): the class hierarchy and
    the types of its named individuals, which is what ``sh:class`` reads.

    Only ``rdf:type`` and ``rdfs:subClassOf`` between IRIs: pySHACL deep-clones every node of an
    ontology graph into the data, following links, and the SKOS links between the controlled
    values (``skos:broader``, ``skos:inScheme``, ``skos:hasTopConcept``) make that clone explode.
    """
    full = Graph().parse(SOURCE, format="turtle")
    reduced = Graph()
    for triple in full:
        if triple[1] in (RDF.type, RDFS.subClassOf) and all(isinstance(n, URIRef) for n in triple):
            reduced.add(triple)
    return reduced


def validate_data(data: Graph) -> ShaclReport:
    """Validate ``data`` (a plain graph: merge a dataset's named graphs first)."""
    conforms, results_graph, text = pyshacl.validate(
        data,
        shacl_graph=shapes_graph(),
        ont_graph=ontology_graph(),
        inference="none",
        abort_on_first=False,
        allow_warnings=False,
    )
    results = [
        ShapeResult(
            focus=results_graph.value(r, SH.focusNode),
            path=results_graph.value(r, SH.resultPath),
            message=str(results_graph.value(r, SH.resultMessage) or "violates a shape"),
            shape=results_graph.value(r, SH.sourceShape),
        )
        for r in results_graph.subjects(SH.resultSeverity, SH.Violation)
    ]
    return ShaclReport(bool(conforms), sorted(results, key=lambda r: (r.message, str(r.focus))), str(text))
