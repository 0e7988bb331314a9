"""SHACL validation of the built graph against the shapes in ``ontology/shapes.ttl``.

pySHACL works on rdflib graphs, so validation runs on the union of the built dataset plus the
ontology (for the class hierarchy) before anything reaches the store. Each violation is reported
at the corpus line that produced its focus node.
"""

from __future__ import annotations

from functools import lru_cache

from pyshacl import validate
from rdflib import Dataset, Graph, URIRef
from rdflib.namespace import SH

from claimgraph import ontology
from claimgraph.queries.errors import Problem


@lru_cache(maxsize=1)
def shapes_graph() -> Graph:
    return Graph().parse(ontology.SHAPES, format="turtle")


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


def check(dataset: Dataset, origins: dict[URIRef, tuple[str, int | None, str]]) -> list[Problem]:
    """Validate; return one problem per SHACL result (empty when the data conforms)."""
    data = Graph()
    for s, p, o, _graph in dataset.quads((None, None, None, None)):
        data.add((s, p, o))
    conforms, results, _ = validate(data, shacl_graph=shapes_graph(), ont_graph=ontology_graph(),
                                    inference="none", abort_on_first=False, allow_warnings=True)
    if conforms:
        return []
    problems = []
    for result in results.subjects(SH.resultSeverity, SH.Violation):
        focus = results.value(result, SH.focusNode)
        message = results.value(result, SH.resultMessage) or "violates a shape"
        path = results.value(result, SH.resultPath)
        file, line, fieldname = _origin(focus, origins) if isinstance(focus, URIRef) else (None, None, None)
        where = f" ({path.n3(data.namespace_manager)})" if isinstance(path, URIRef) else ""
        problems.append(Problem(f"SHACL: {message}{where} on <{focus}>", file, line, fieldname))
    return sorted(problems, key=lambda p: (p.file or "", p.line or 0, p.message))
