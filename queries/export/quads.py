"""TriG and N-Quads: every quad of the store, one named graph per article plus the registry, the
shared nodes and the ontology; TriG writes the prefixes once, at the top."""

from __future__ import annotations

from collections.abc import Iterator

import pyoxigraph as ox

from claimgraph.ontology.context import prefixes
from claimgraph.queries.export.base import Exporter, graph_names, graph_quads
from claimgraph.queries.store import Backend


class QuadsExporter(Exporter):
    """The store's quads in an RDF format that has named graphs (TriG, N-Quads)."""

    def __init__(self, fmt: ox.RdfFormat) -> None:
        self.format = fmt

    def chunks(self, source: Backend) -> Iterator[bytes]:
        # The data's own IRIs stay whole: their local parts have slashes, which Turtle would escape.
        names = {k: v for k, v in prefixes().items() if k not in ("id", "graph")} if self.format == ox.RdfFormat.TRIG else None
        for graph in graph_names(source):
            quads = graph_quads(source, graph)
            if quads:
                yield ox.serialize(quads, format=self.format, prefixes=names)
                names = None  # TriG prefixes once, at the top

