"""Validate claimgraph data against ``shapes.ttl`` with pySHACL: the one SHACL path.

Ingestion (``claimgraph.ingest.shapes``) and the tests validate with the same
:class:`Validator`. The data are validated together with the ontology, so that ``sh:class`` sees
the class hierarchy (a ``cg:State`` is a ``cg:Actor``) and the controlled values
(``cg:illocution-accuses`` is a ``cg:Illocution``). Each result keeps the message of the
failing shape, which names the corpus field to fix.

Each node shape's targets are copied onto its property shapes (:func:`hoist_targets`): the same
focus nodes meet the same constraints, but pySHACL then evaluates each property shape once over
all its focus nodes instead of once per focus node (``docs/benchmarks.md``).

>>> from rdflib import Graph
>>> Validator().validate(Graph()).conforms
True
"""

from __future__ import annotations

from dataclasses import dataclass
from rdflib import RDF, RDFS, Dataset, Graph, URIRef
from rdflib.namespace import SH
from rdflib.term import Node

from . import SHAPES, SOURCE

TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)


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


def hoist_targets(shapes: Graph) -> Graph:
    """Give each property shape the targets of the node shapes that use it, and unlink them.

    The result validates the same focus nodes against the same constraints. Only node shapes
    that have targets of their own are rewritten; nested shapes (in sh:or, sh:node...) are
    untouched.
    """
    out = Graph()
    for triple in shapes:
        out.add(triple)
    for node in set(shapes.subjects(RDF.type, SH.NodeShape)):
        targets = [(p, o) for p in TARGETS for o in shapes.objects(node, p)]
        if not targets:
            continue
        for prop in list(shapes.objects(node, SH.property)):
            for p, o in targets:
                out.add((prop, p, o))
            out.remove((node, SH.property, prop))
    return out


_parsed: dict[str, Graph] = {}


def shapes_graph() -> Graph:
    """The data shapes, targets hoisted (parsed once; do not modify)."""
    if "shapes" not in _parsed:
        _parsed["shapes"] = hoist_targets(Graph().parse(SHAPES, format="turtle"))
    return _parsed["shapes"]


def ontology_graph() -> Graph:
    """What the shapes need of the ontology (parsed once; do not modify): the class hierarchy and
    the types of its named individuals, which is what ``sh:class`` reads.

    Only ``rdf:type`` and ``rdfs:subClassOf`` between IRIs: pySHACL deep-clones every node of an
    ontology graph into the data, following links, and the SKOS links between the controlled
    values (``skos:broader``, ``skos:inScheme``, ``skos:hasTopConcept``) make that clone explode.
    """
    if "ontology" not in _parsed:
        reduced = Graph()
        for triple in Graph().parse(SOURCE, format="turtle"):
            if triple[1] in (RDF.type, RDFS.subClassOf) and all(isinstance(n, URIRef) for n in triple):
                reduced.add(triple)
        _parsed["ontology"] = reduced
    return _parsed["ontology"]


def parsed_triples() -> dict[str, list]:
    """The shapes (hoisted) and the ontology as parsed, to hand to :func:`preload` in another run."""
    return {"shapes": list(shapes_graph()), "ontology": list(ontology_graph())}


def preload(triples: dict[str, list]) -> None:
    """Use the triples of an earlier :func:`parsed_triples` (of the same files) instead of parsing
    them again: parsing the Turtle costs an incremental ingest more than its own work."""
    for name, found in triples.items():
        if name not in _parsed:
            graph = Graph()
            for triple in found:
                graph.add(triple)
            _parsed[name] = graph


class Validator:
    """Validates data against the shapes, with the ontology beside the data."""

    def __init__(self, shapes: Graph | None = None, ontology: Graph | None = None) -> None:
        self.shapes = shapes if shapes is not None else shapes_graph()
        self.ontology = ontology if ontology is not None else ontology_graph()

    def validate(self, data: Graph | Dataset, *, focus: list[Node] | None = None) -> ShaclReport:
        """Validate ``data`` (a graph, or a dataset whose named graphs are merged); with ``focus``,
        only those focus nodes (IRIs) are validated, their values read from all of ``data``."""
        # One plain triple graph holding the data and the ontology (for sh:class over subclasses):
        # passing the ontology separately would make pySHACL clone the whole data graph to mix it in.
        union = Graph()
        triples = ((s, p, o) for s, p, o, _ in data.quads((None, None, None, None))) \
            if isinstance(data, Dataset) else iter(data)
        for triple in triples:
            union.add(triple)
        for triple in self.ontology:
            union.add(triple)
        if focus is not None and not focus:
            return ShaclReport(True, [], "no focus node")
        import pyshacl  # imported when used: ingestion validates with the compiled shapes

        conforms, results_graph, text = pyshacl.validate(
            union, shacl_graph=self.shapes, inference="none", abort_on_first=False, allow_warnings=True,
            focus_nodes=focus)
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


def validate_data(data: Graph | Dataset) -> ShaclReport:
    """Validate ``data`` with the shapes and the ontology (see :class:`Validator`)."""
    return Validator().validate(data)
