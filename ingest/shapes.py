"""SHACL violations of the built graph, reported at the corpus line that produced their focus node.

Validation itself is the ontology's one SHACL path (:class:`claimgraph.ontology.validation.Validator`),
run on the built dataset before anything reaches the store; this module says where in the
corpus each violation comes from.
"""

from __future__ import annotations

from rdflib import Dataset, Graph, URIRef
from rdflib.term import Node

from claimgraph.ontology.compiled_shapes import CompiledShapes, Index, Unsupported, compiled_shapes, ontology_index
from claimgraph.ontology.errors import Problem
from claimgraph.ontology.namespace import CG
from claimgraph.ontology.validation import ShapeResult, Validator


def _origin(node: URIRef, origins: dict[URIRef, tuple[str, int | None, str]]) -> tuple[str | None, int | None, str | None]:
    text = str(node)
    candidates = [node]
    if "/relay-" in text:
        candidates.append(URIRef(text.rsplit("/relay-", 1)[0]))
    if "/id/curation/" in text:
        candidates.append(URIRef(text.replace("/id/curation/", "/id/claim/")))
    for c in candidates:
        if c in origins:
            return origins[c]
    return None, None, None


def _compact(iri: URIRef) -> str:
    return "cg:" + iri[len(str(CG)):] if iri.startswith(str(CG)) else f"<{iri}>"


def check(dataset: Dataset, origins: dict[URIRef, tuple[str, int | None, str]]) -> list[Problem]:
    """Validate the whole dataset with pySHACL; return one problem per SHACL result (empty when
    the data conforms)."""
    return to_problems(Validator().validate(dataset).results, origins)


class UnitChecker:
    """Validates one unit at a time (an article with what it adds to the shared graph, or the
    registry) in its context (the registry and the ontology): with the compiled shapes when they
    compile, else with pySHACL restricted to the unit's nodes. The shapes are local to a focus
    node, so the units' reports together are the whole graph's (``tests/ontology/test_compiled_shapes.py``)."""

    def __init__(self, context: list[tuple[Node, Node, Node]]) -> None:
        self.context_triples = context
        self.context = Index(context, context=ontology_index())
        try:
            self.compiled: CompiledShapes | None = compiled_shapes()
        except Unsupported:
            self.compiled = None

    def results(self, triples: list[tuple[Node, Node, Node]]) -> dict[Node, list[ShapeResult]]:
        """The unit's focus nodes that break a shape, with their results."""
        unit = Index(triples, context=self.context)
        if self.compiled is not None:
            return {node: rs for node, rs in self.compiled.results(unit).items() if rs}
        graph = Graph()
        for triple in (*triples, *self.context_triples):
            graph.add(triple)
        found: dict[Node, list[ShapeResult]] = {}
        for result in Validator().validate(graph, focus=[s for s in unit.spo if isinstance(s, URIRef)]).results:
            found.setdefault(result.focus, []).append(result)
        return found

    def check(self, triples: list[tuple[Node, Node, Node]], origins: dict[URIRef, tuple[str, int | None, str]]
              ) -> dict[Node, list[Problem]]:
        """The problems of the unit's focus nodes (a node several units share, such as a
        proposition, is reported by each: keep one per node)."""
        return {node: to_problems(rs, origins) for node, rs in self.results(triples).items()}


def to_problems(results: list[ShapeResult], origins: dict[URIRef, tuple[str, int | None, str]]) -> list[Problem]:
    """One problem per SHACL result, at the corpus line of its focus node."""
    problems = []
    for result in results:
        focus, path = result.focus, result.path
        file, line, fieldname = _origin(focus, origins) if isinstance(focus, URIRef) else (None, None, None)
        where = f" ({_compact(path)})" if isinstance(path, URIRef) else ""
        problems.append(Problem(f"SHACL: {result.message}{where} on <{focus}>", file, line, fieldname))
    return sorted(problems, key=lambda p: (p.file or "", p.line or 0, p.message))


def triples_of(nquads: bytes) -> list[tuple[Node, Node, Node]]:
    """The triples of some N-Quads, as rdflib terms."""
    from rdflib import Dataset
    dataset = Dataset()
    dataset.parse(data=nquads, format="nquads")
    return [(s, p, o) for s, p, o, _ in dataset.quads((None, None, None, None))]
