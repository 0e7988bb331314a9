"""The ingested data that the reasoner and the quality checks look at.

Data come from a store built by ``claimgraph ingest`` (read-only), from a corpus folder compiled
in memory (nothing is written), or from an RDF file (fixtures). The store's ontology graph
(``<https://w3id.org/claimgraph/graph/ontology>``) holds the ontology with blank nodes
skolemized for stable quads; it is not data, and the reasoner reads the ontology from
``claimgraph.owl`` instead.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
from rdflib import Dataset, Graph

GRAPH_BASE = "https://w3id.org/claimgraph/graph/"
ONTOLOGY_GRAPH = GRAPH_BASE + "ontology"


def open_store(store: Path) -> ox.Store:
    """The store at ``store``, read-only; StoreMissing (exit 2) when there is none."""
    from claimgraph.ontology.errors import StoreMissing

    store = Path(store)
    if not store.is_dir():
        raise StoreMissing(f"no store at {store}: run `claimgraph ingest` first")
    try:
        return ox.Store.read_only(str(store))
    except OSError as exc:
        raise StoreMissing(f"cannot open the store at {store}: {exc}") from exc


def store_quads(store: Path) -> list[ox.Quad]:
    """Every quad of the store at ``store``."""
    return list(open_store(store).quads_for_pattern(None, None, None, None))


def corpus_quads(corpus: Path) -> list[ox.Quad]:
    """The quads that ``claimgraph ingest`` would write for ``corpus`` (validated, not written).

    Raises CorpusError (exit 1) when the corpus is invalid.
    """
    from claimgraph.ingest.pipeline import compile_corpus

    built = compile_corpus(Path(corpus), progress=lambda message: None)
    return dataset_quads(built.dataset)


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
