"""The JSON-LD context of claimgraph's vocabulary, and compact IRIs under its prefixes.

The context is derived from the ontology source: its prefixes, plus ``id:`` and ``graph:`` for
the data's IRIs, then one term per ``cg:`` class and property (object properties take IRIs as
values). It is published at :data:`CONTEXT_URL` (``/context.jsonld`` on the API, and in
``build/docs/``) and the JSON-LD export is compacted with it.

>>> compact("https://w3id.org/claimgraph/id/actor/russia")
'id:actor/russia'
>>> context()["@context"]["speaker"]
{'@id': 'cg:speaker', '@type': '@id'}
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from rdflib import OWL, RDF, Graph, URIRef

from claimgraph import ontology
from claimgraph.ontology import iris

CONTEXT_URL = iris.BASE + "context.jsonld"
CG = ontology.NAMESPACE_IRI


@lru_cache(maxsize=1)
def prefixes() -> dict[str, str]:
    """The prefixes of the ontology source, plus ``id:`` and ``graph:`` for the data's IRIs."""
    declared = re.findall(r"^@prefix\s+([A-Za-z][\w-]*)?:\s*<([^>]+)>\s*\.", ontology.SOURCE.read_text("utf-8"), re.M)
    found = {name: iri for name, iri in declared if name}
    found.setdefault("rdf", "http://www.w3.org/1999/02/22-rdf-syntax-ns#")
    found.setdefault("xsd", "http://www.w3.org/2001/XMLSchema#")
    found.update({"cg": CG, "id": iris.ID, "graph": iris.GRAPH})
    return dict(sorted(found.items()))


@lru_cache(maxsize=1)
def terms() -> dict[str, str | None]:
    """``cg:`` local name -> ``"class"``, ``"@id"`` (object property) or None (datatype property)."""
    g = Graph().parse(ontology.SOURCE, format="turtle")
    found: dict[str, str | None] = {}
    for cls, kind in ((OWL.Class, "class"), (OWL.ObjectProperty, "@id"), (OWL.DatatypeProperty, None)):
        for s in sorted(g.subjects(RDF.type, cls)):
            if isinstance(s, URIRef) and str(s).startswith(CG):
                name = str(s)[len(CG):]
                # a plain name that is not also a prefix; anything else stays a compact IRI cg:name
                if re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", name) and name not in prefixes():
                    found.setdefault(name, kind)
    return dict(sorted(found.items()))


@lru_cache(maxsize=1)
def context() -> dict[str, Any]:
    """The published JSON-LD context: the prefixes, then one term per ``cg:`` class and property.

    Object properties take IRIs as values (``"@type": "@id"``). Terms are only ever added (the
    ontology never renames nor deletes a published term), so a document compacted with an
    older context expands the same with a newer one.
    """
    ctx: dict[str, Any] = dict(prefixes())
    for name, kind in terms().items():
        ctx[name] = {"@id": f"cg:{name}", "@type": "@id"} if kind == "@id" else f"cg:{name}"
    return {"@context": ctx}


@lru_cache(maxsize=1)
def compaction() -> tuple[list[tuple[str, str]], dict[str, tuple[str, str | None]]]:
    """Namespaces longest first, and property IRI -> (term, coercion)."""
    namespaces = sorted(((iri, name) for name, iri in prefixes().items()), key=lambda item: -len(item[0]))
    properties = {CG + name: (name, kind) for name, kind in terms().items() if kind != "class"}
    return namespaces, properties


def compact(iri: str) -> str:
    """An IRI as a compact IRI under the longest matching prefix, or as it is."""
    for namespace, name in compaction()[0]:
        if iri.startswith(namespace) and len(iri) > len(namespace) and not iri[len(namespace):].startswith("//"):
            return f"{name}:{iri[len(namespace):]}"
    return iri
