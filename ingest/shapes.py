"""SHACL validation of the built graph against the shapes in ``ontology/shapes.ttl``.

pySHACL works on rdflib graphs, so validation runs on the union of the built dataset plus the
ontology (for the class hierarchy) before anything reaches the store. Each violation is reported
at the corpus line that produced its focus node.
"""

from __future__ import annotations

from functools import lru_cache

from pyshacl import validate
from rdflib import RDF, Dataset, Graph, URIRef
from rdflib.namespace import SH

from claimgraph import ontology
from claimgraph.ontology.errors import Problem


TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)


@lru_cache(maxsize=1)
def shapes_graph() -> Graph:
    """The shapes of ``ontology/shapes.ttl``, with each node shape's targets copied onto its
    property shapes (see :func:`hoist_targets`)."""
    return hoist_targets(Graph().parse(ontology.SHAPES, format="turtle"))


def hoist_targets(shapes: Graph) -> Graph:
    """Give each property shape the targets of the node shapes that use it, and unlink them.

    The result validates the same focus nodes against the same constraints, but pySHACL then
    evaluates each property shape once over all its focus nodes instead of once per focus node
    (measured: 10.5 s -> see docs/benchmarks.md for 2,000 synthetic claims). Only node shapes that
    have targets of their own are rewritten; nested shapes (in sh:or, sh:node...) are untouched.
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


@lru_cache(maxsize=1)
def ontology_graph() -> Graph:
    return Graph().parse(ontology.SOURCE, format="turtle")


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
    from claimgraph.ontology.namespace import CG
    return "cg:" + iri[len(str(CG)):] if iri.startswith(str(CG)) else f"<{iri}>"


def check(dataset: Dataset, origins: dict[URIRef, tuple[str, int | None, str]]) -> list[Problem]:
    """Validate; return one problem per SHACL result (empty when the data conforms)."""
    # One plain triple graph holding the data and the ontology (for sh:class over subclasses):
    # passing the ontology separately would make pySHACL clone the whole data graph to mix it in.
    data = Graph()
    for s, p, o, _graph in dataset.quads((None, None, None, None)):
        data.add((s, p, o))
    for triple in ontology_graph():
        data.add(triple)
    conforms, results, _ = validate(data, shacl_graph=shapes_graph(), inference="none",
                                    abort_on_first=False, allow_warnings=True)
    if conforms:
        return []
    problems = []
    for result in results.subjects(SH.resultSeverity, SH.Violation):
        focus = results.value(result, SH.focusNode)
        message = results.value(result, SH.resultMessage) or "violates a shape"
        path = results.value(result, SH.resultPath)
        file, line, fieldname = _origin(focus, origins) if isinstance(focus, URIRef) else (None, None, None)
        where = f" ({_compact(path)})" if isinstance(path, URIRef) else ""
        problems.append(Problem(f"SHACL: {message}{where} on <{focus}>", file, line, fieldname))
    return sorted(problems, key=lambda p: (p.file or "", p.line or 0, p.message))
