"""SHACL violations of the built graph, reported at the corpus line that produced their focus node.

Validation itself is the ontology's one SHACL path (:class:`claimgraph.ontology.validation.Validator`),
run on the built dataset before anything reaches the store; this module says where in the
corpus each violation comes from.
"""

from __future__ import annotations

from rdflib import Dataset, URIRef

from claimgraph.ontology.errors import Problem
from claimgraph.ontology.namespace import CG
from claimgraph.ontology.validation import Validator


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
    """Validate; return one problem per SHACL result (empty when the data conforms)."""
    report = Validator().validate(dataset)
    problems = []
    for result in report.results:
        focus, path = result.focus, result.path
        file, line, fieldname = _origin(focus, origins) if isinstance(focus, URIRef) else (None, None, None)
        where = f" ({_compact(path)})" if isinstance(path, URIRef) else ""
        problems.append(Problem(f"SHACL: {result.message}{where} on <{focus}>", file, line, fieldname))
    return sorted(problems, key=lambda p: (p.file or "", p.line or 0, p.message))
