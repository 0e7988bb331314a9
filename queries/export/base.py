"""What every export format is: a two-method base, and the store's graphs read in a stable order.

An :class:`Exporter` writes the store in chunks (one named graph, or one claim, at a time), so
the API can stream it and the command line can write it to a file without holding the whole
text: :meth:`Exporter.chunks` is what a format defines, :meth:`Exporter.dump` writes them to a
binary file.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from typing import Any, BinaryIO

import pyoxigraph as ox

from claimgraph.queries.store import Backend


class Exporter(ABC):
    """One output format."""

    @abstractmethod
    def chunks(self, source: Backend) -> Iterator[bytes]:
        """The export of the store ``source``, in chunks."""

    def dump(self, source: Backend, out: BinaryIO) -> None:
        """Write the export of ``source`` to ``out``."""
        for chunk in self.chunks(source):
            out.write(chunk)


def graph_names(source: Backend) -> list[ox.NamedNode | ox.DefaultGraph]:
    """The graphs to export, sorted; the default graph first when it holds anything of its own
    (a server's default graph is the union of the named ones: only those are exported)."""
    return list(source.graphs())


def graph_quads(source: Backend, graph: ox.NamedNode | ox.DefaultGraph) -> list[ox.Quad]:
    """The quads of one graph, sorted."""
    return sorted(source.quads(graph), key=quad_key)


def term_key(term: Any) -> tuple:
    if isinstance(term, ox.Literal):
        return (2, term.value, term.datatype.value, term.language or "")
    return (1 if isinstance(term, ox.BlankNode) else 0, getattr(term, "value", ""), "", "")


def quad_key(quad: ox.Quad) -> tuple:
    return (term_key(quad.subject), quad.predicate.value, term_key(quad.object))

