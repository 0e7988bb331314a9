"""The ingested data that the reasoner and the quality checks look at, as quads handed to them.

This module reads no store and compiles no corpus: the layers above do (the store interface's
``quads()``, ``claimgraph.ingest.pipeline.corpus_quads``), and pass the quads here. RDF files
(fixtures) are read here. The store's ontology graph (``<https://w3id.org/claimgraph/graph/ontology>``)
holds the ontology with blank nodes skolemized for stable quads; it is not data, and the
reasoner reads the ontology from ``claimgraph.owl`` instead.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
from rdflib import Dataset, Graph

from claimgraph.ontology import iris

ONTOLOGY_GRAPH = str(iris.ONTOLOGY_GRAPH)


def dataset_quads(dataset: Dataset) -> list[ox.Quad]:
    """The quads of an rdflib Dataset, as pyoxigraph quads."""
    nquads = dataset.serialize(format="nquads", encoding="utf-8")
    return list(ox.parse(nquads, format=ox.RdfFormat.N_QUADS))


def file_quads(path: Path) -> list[ox.Quad]:
    """The quads of an RDF file (Turtle, TriG, N-Triples, N-Quads, RDF/XML ``.rdf``/``.owl``)."""
    suffix = Path(path).suffix.lstrip(".").lower()
    fmt = ox.RdfFormat.RDF_XML if suffix == "owl" else ox.RdfFormat.from_extension(suffix) or ox.RdfFormat.TURTLE
    return list(ox.parse(path=str(path), format=fmt))


def data_triples(quads: list[ox.Quad]) -> bytes:
    """The triples of every graph but the ontology graph, as N-Triples (duplicates removed)."""
    onto = ox.NamedNode(ONTOLOGY_GRAPH)
    triples = {ox.Triple(q.subject, q.predicate, q.object) for q in quads if q.graph_name != onto}
    return ox.serialize(sorted(triples, key=str), format=ox.RdfFormat.N_TRIPLES) or b""


def data_graph(quads: list[ox.Quad]) -> Graph:
    """The data (every graph but the ontology graph) as one rdflib graph."""
    return Graph().parse(data=data_triples(quads), format="nt")


def has_ontology_graph(quads: list[ox.Quad]) -> bool:
    onto = ox.NamedNode(ONTOLOGY_GRAPH)
    return any(q.graph_name == onto for q in quads)
