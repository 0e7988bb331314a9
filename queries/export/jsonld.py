"""JSON-LD 1.1 named graphs, compacted with the context published at ``CONTEXT_URL``.

The export refers to its context by URL, as JSON-LD documents do. A processor that cannot fetch
it (no network) is given the context document itself, which is what :func:`load_jsonld` does: it
is the JSON-LD "document loader" step, not a change to the data.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Iterator
from typing import Any

import pyoxigraph as ox

from claimgraph.ontology.context import CG, CONTEXT_URL, compact, compaction, context, terms
from claimgraph.queries.export.base import Exporter, graph_names, graph_quads, term_key
from claimgraph.queries.store import Backend

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def _class_name(iri: str) -> str:
    if iri.startswith(CG):
        name = iri[len(CG):]
        if terms().get(name) == "class":
            return name
    return compact(iri)


def _node_id(term: ox.NamedNode | ox.BlankNode) -> str:
    return f"_:{term.value}" if isinstance(term, ox.BlankNode) else compact(term.value)


def _value(term: Any, coercion: str | None) -> Any:
    if isinstance(term, ox.Literal):
        if term.language:
            return {"@value": term.value, "@language": term.language}
        if term.datatype.value == XSD_STRING:
            return term.value if coercion is None else {"@value": term.value}
        return {"@value": term.value, "@type": compact(term.datatype.value)}
    node = _node_id(term)
    return node if coercion == "@id" else {"@id": node}


def _nodes(quads: Iterable[ox.Quad]) -> list[dict[str, Any]]:
    """The node objects of one graph's quads (sorted by subject, then predicate)."""
    properties = compaction()[1]
    by_subject: dict[Any, list[ox.Quad]] = defaultdict(list)
    for quad in quads:
        by_subject[quad.subject].append(quad)
    nodes = []
    for subject in sorted(by_subject, key=term_key):
        node: dict[str, Any] = {"@id": _node_id(subject)}
        for quad in by_subject[subject]:
            if quad.predicate.value == RDF_TYPE and not isinstance(quad.object, ox.Literal):
                node.setdefault("@type", []).append(_class_name(quad.object.value))
                continue
            key, coercion = properties.get(quad.predicate.value, (compact(quad.predicate.value), None))
            node.setdefault(key, []).append(_value(quad.object, coercion))
        nodes.append({k: (v[0] if isinstance(v, list) and len(v) == 1 else v) for k, v in node.items()})
    return nodes


class JsonLdExporter(Exporter):
    """Every graph of the store as a JSON-LD named graph (the default graph's nodes at the top)."""

    def chunks(self, source: Backend) -> Iterator[bytes]:
        yield ('{\n"@context": ' + json.dumps(CONTEXT_URL) + ',\n"@graph": [').encode()
        first = True
        for graph in graph_names(source):
            nodes = _nodes(graph_quads(source, graph))
            if not nodes:
                continue
            items = nodes if isinstance(graph, ox.DefaultGraph) else [{"@id": _node_id(graph), "@graph": nodes}]
            for item in items:
                yield (("\n" if first else ",\n") + json.dumps(item, ensure_ascii=False, indent=1)).encode()
                first = False
        yield b"\n]\n}\n"


def inline_context(data: bytes | str) -> bytes:
    """A JSON-LD export with its context reference replaced by the context document: what a
    processor's document loader does for :data:`CONTEXT_URL` (here, without a network)."""
    def resolve(ctx: Any) -> Any:
        if ctx == CONTEXT_URL:
            return context()["@context"]
        if isinstance(ctx, list):
            return [resolve(c) for c in ctx]
        return ctx

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            return {k: (resolve(v) if k == "@context" else walk(v)) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    return json.dumps(walk(json.loads(data)), ensure_ascii=False).encode("utf-8")


def load_jsonld(data: bytes | str) -> list[ox.Quad]:
    """The quads of a JSON-LD export (its context resolved locally, see :func:`inline_context`)."""
    return list(ox.parse(inline_context(data), format=ox.RdfFormat.JSON_LD))

