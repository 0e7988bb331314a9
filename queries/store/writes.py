"""Writes to a SPARQL server: SPARQL 1.1 Update, and the Graph Store Protocol where it needs no
credentials (the Oxigraph server).

:class:`GraphWrites` gives :class:`~claimgraph.queries.store.remote.RemoteBackend` the write half
of the store interface:

* :meth:`~GraphWrites.replace_graph`: one ``PUT /store?graph=IRI`` on the Oxigraph server
  (atomic per graph); elsewhere ``DROP SILENT GRAPH`` and then ``INSERT DATA`` in chunks of
  :data:`CHUNK_TRIPLES` (Virtuoso's Graph Store endpoint needs credentials; its ``/sparql``
  takes updates once the ``SPARQL`` user holds ``SPARQL_UPDATE``). Readers may then see a graph
  half loaded while it is replaced.
* :meth:`~GraphWrites.drop_graph`: ``DROP SILENT GRAPH``.

A Virtuoso on this machine can also be loaded by its bulk loader:
:class:`claimgraph.queries.store.virtuoso.VirtuosoLoader`.
"""

from __future__ import annotations

import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Sequence

import pyoxigraph as ox

from claimgraph.ontology.errors import BackendError
from claimgraph.queries.store.transport import TRANSPORT_ERRORS, transport_error

#: Triples per INSERT DATA request. Virtuoso parses each request whole and refuses one whose SQL
#: passes 10,000 lines (SP031): about 1,500 triples of a synthetic registry graph already do.
CHUNK_TRIPLES = 1_000


class GraphWrites:
    """The write half of a remote backend (which provides ``endpoint``, ``kind``, ``timeout``,
    ``update_endpoint`` and ``store_endpoint``)."""

    endpoint: str
    kind: str
    timeout: float
    update_endpoint: str
    store_endpoint: str | None

    def update(self, text: str, *, timeout: float | None = None) -> str:
        """Run SPARQL Update on the update endpoint; return the server's message."""
        data = urllib.parse.urlencode({"update": text}).encode("ascii")
        request = urllib.request.Request(self.update_endpoint, data=data, method="POST", headers={
            "Content-Type": "application/x-www-form-urlencoded", "User-Agent": "claimgraph",
            "Accept": "application/sparql-results+json, text/plain;q=0.5, */*;q=0.1"})
        return self._send(request, self.update_endpoint, timeout)

    def put_graph(self, graph: str, ntriples: bytes, *, timeout: float | None = None) -> None:
        """Replace one named graph through the Graph Store Protocol (HTTP PUT)."""
        store = self.store_endpoint
        if store is None:
            raise BackendError(f"{self.endpoint} has no Graph Store endpoint that claimgraph can use")
        url = f"{store}?graph={urllib.parse.quote(graph, safe='')}"
        request = urllib.request.Request(url, data=ntriples, method="PUT", headers={
            "Content-Type": "application/n-triples", "User-Agent": "claimgraph"})
        self._send(request, store, timeout)

    def replace_graph(self, graph: str, triples: Sequence[ox.Triple], *, chunk_triples: int = CHUNK_TRIPLES
                      ) -> None:
        """Replace the named graph ``graph`` with ``triples``: by the Graph Store Protocol where the
        server has one claimgraph can use, else by DROP and INSERT DATA in chunks."""
        if self.store_endpoint is not None:
            self.put_graph(graph, ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES))
        else:
            self._replace_by_update(graph, triples, chunk_triples)

    def drop_graph(self, graph: str) -> None:
        self.update(f"DROP SILENT GRAPH {ox.NamedNode(graph)}")

    def _replace_by_update(self, graph: str, triples: Sequence[ox.Triple], chunk_triples: int) -> None:
        """DROP the graph, then INSERT DATA in chunks; triples with blank nodes go in one request
        (a blank node label means one node only within one request)."""
        name = str(ox.NamedNode(graph))
        plain = [t for t in triples
                 if not isinstance(t.subject, ox.BlankNode) and not isinstance(t.object, ox.BlankNode)]
        with_blanks = [t for t in triples
                       if isinstance(t.subject, ox.BlankNode) or isinstance(t.object, ox.BlankNode)]
        chunks = [plain[i:i + chunk_triples] for i in range(0, len(plain), chunk_triples)]
        if with_blanks:
            chunks.append(with_blanks)
        self.update(f"DROP SILENT GRAPH {name}")
        for chunk in chunks:
            body = ox.serialize(chunk, format=ox.RdfFormat.N_TRIPLES).decode("utf-8")
            self.update(f"INSERT DATA {{ GRAPH {name} {{\n{body}}} }}")

    def _send(self, request: urllib.request.Request, url: str, timeout: float | None) -> str:
        timeout = self.timeout if timeout is None else timeout
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return response.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as exc:
            detail = exc.read()[:1000].decode("utf-8", "replace").strip() if exc.fp else exc.reason
            if exc.code in (401, 403):
                detail += (" (Virtuoso: grant the SPARQL user the right to update, "
                           "isql-vt ... exec='GRANT SPARQL_UPDATE TO \"SPARQL\";')") if self.kind == "virtuoso" else ""
            raise BackendError(f"{url} refused the write (HTTP {exc.code}): {detail}") from None
        except TRANSPORT_ERRORS as exc:
            raise transport_error(exc, url, timeout) from None
