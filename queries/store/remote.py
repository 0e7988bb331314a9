"""A SPARQL 1.1 server behind the store interface: the Oxigraph server, Virtuoso, or any other.

:class:`RemoteBackend` implements :class:`~claimgraph.queries.store.base.Backend` through
SPARQLWrapper: always POST (Virtuoso truncates long GET URLs), JSON results, an explicit timeout
(``docs/decisions/0002-sparqlwrapper-post-json-timeout.md``). The jobs around it live beside it:
parameters as a ``VALUES`` block (:mod:`~claimgraph.queries.store.binding`), server answers as
pyoxigraph terms (:mod:`~claimgraph.queries.store.results`), writes
(:mod:`~claimgraph.queries.store.writes`), Virtuoso's bulk loader
(:mod:`~claimgraph.queries.store.virtuoso`). Here:

* **Which server**: ``kind`` ``auto`` asks the server once (its ``Server`` header).
* **The default graph** is the union of all graphs, as on the embedded store: the Oxigraph
  server is asked with its ``union-default-graph`` parameter; Virtuoso already answers a query
  without ``GRAPH``/``FROM`` from every graph.
* **Failures**: a socket timeout, Virtuoso's HTTP 500 "Transaction timed out" and its "anytime"
  partial answer (``X-SQL-State``) raise :class:`QueryTimeout`; any other HTTP error or
  connection failure raises :class:`BackendError` naming the endpoint. Virtuoso's silent row cap
  raises :class:`ResultTruncated` from :meth:`~RemoteBackend.select` (``/sparql`` flags the
  answer instead). See ``docs/decisions/0003-virtuoso-quirks.md``.
* **Version**: None. Another process may publish to a server at any time, and nothing a server
  offers says cheaply and surely that it changed, so a remote store claims no version: callers
  must not cache its answers (``docs/decisions/0009-store-versions.md``).

``/sparql`` over a server runs in :class:`~claimgraph.queries.sandbox.QuerySandbox` like the
embedded store: the same guard first, then the query goes to the server's query endpoint only
(never its update or store endpoints).
"""

from __future__ import annotations

import ast
import functools
import http.client
import re
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pyoxigraph as ox
from SPARQLWrapper import JSON, POST, TURTLE, URLENCODED, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import (
    EndPointInternalError,
    EndPointNotFound,
    QueryBadFormed,
    Unauthorized,
    URITooLong,
)

from claimgraph.ontology.errors import BackendError, QuerySyntaxError, QueryTimeout, ResultTruncated
from claimgraph.queries.settings import KINDS, Kind
from claimgraph.queries.store.base import GRAPH_PREFIX, Backend, GraphName, QueryDataset, QueryForm, RawAnswer, Term
from claimgraph.queries.store.binding import inject_values
from claimgraph.queries.store.results import RemoteAnswer, parse_select, rewrite
from claimgraph.queries.store.transport import TRANSPORT_ERRORS, transport_error, unreachable
from claimgraph.queries.store.writes import GraphWrites

__all__ = ["GRAPH_PREFIX", "RemoteBackend", "ResultTruncated", "inject_values"]

_JSON_TYPES = "application/sparql-results+json"
_VIRTUOSO_TIMEOUT = re.compile(r"S1T00|SR171|timed out|timeout|exceeds the limit", re.IGNORECASE)


class RemoteBackend(GraphWrites, Backend):
    """A SPARQL 1.1 server reached over HTTP (``endpoint`` is its query URL).

    ``kind`` says which server it is; ``auto`` asks the server once (its ``Server`` header).
    ``update_endpoint`` defaults to the Oxigraph server's ``/update`` beside ``/query``, or the
    query endpoint itself for Virtuoso (``/sparql`` takes updates when the SPARQL user may).
    """

    runs_extension_functions = True  # Virtuoso's bif: and sql: functions, at least

    def __init__(self, endpoint: str, *, timeout: float = 30.0, update_endpoint: str | None = None,
                 kind: Kind = "auto") -> None:
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(KINDS)}, not {kind!r}")
        if timeout <= 0:
            raise ValueError("timeout must be positive")
        parts = urllib.parse.urlsplit(endpoint)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"{endpoint!r} is not an http(s) URL")
        self.endpoint = endpoint
        self.timeout = float(timeout)
        self._update_endpoint = update_endpoint
        self._kind: str | None = None if kind == "auto" else kind
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"RemoteBackend({self.endpoint!r}, kind={self._kind or 'auto'!r})"

    # -- what server this is --

    @property
    def kind(self) -> str:
        """``oxigraph``, ``virtuoso`` or ``generic``, detected on first use when given ``auto``."""
        if self._kind is None:
            with self._lock:
                if self._kind is None:
                    self._kind = self._detect()
        return self._kind

    def _detect(self) -> str:
        data = urllib.parse.urlencode({"query": "ASK {}"}).encode()
        request = urllib.request.Request(self.endpoint, data=data, method="POST",
                                         headers={"Accept": _JSON_TYPES, "User-Agent": "claimgraph"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                server = response.headers.get("Server", "")
        except urllib.error.HTTPError as exc:
            server = exc.headers.get("Server", "") if exc.headers else ""
        except TRANSPORT_ERRORS as exc:
            raise unreachable(exc, self.endpoint) from None
        if "oxigraph" in server.lower():
            base = self.endpoint.rstrip("/")
            if urllib.parse.urlsplit(base).path == "":  # the server's root given: use its /query
                self.endpoint = base + "/query"
            return "oxigraph"
        if "virtuoso" in server.lower():
            return "virtuoso"
        return "generic"

    @property
    def update_endpoint(self) -> str:
        if self._update_endpoint:
            return self._update_endpoint
        if self.kind == "oxigraph":
            return re.sub(r"/query/?$", "", self.endpoint.rstrip("/")) + "/update"
        return self.endpoint

    @property
    def store_endpoint(self) -> str | None:
        """The Graph Store Protocol endpoint, where one needs no credentials (the Oxigraph server)."""
        if self.kind == "oxigraph":
            return re.sub(r"/query/?$", "", self.endpoint.rstrip("/")) + "/store"
        return None

    # -- the Backend interface --

    def select(self, query: str, bindings: Mapping[str, Term] | None = None
               ) -> tuple[list[str], list[dict[str, Term]]]:
        answer = self.request(inject_values(query, bindings))
        names, rows, truncated = parse_select(answer)
        if truncated:
            raise ResultTruncated(f"{self.endpoint} cut the answer at its row cap of {answer.row_cap()} rows "
                                  "(Virtuoso's ResultSetMaxRows): raise it in the server's ini, or page")
        return names, rows

    def ask(self, query: str, bindings: Mapping[str, Term] | None = None) -> bool:
        document = self.request(inject_values(query, bindings)).json()
        if "boolean" not in document:
            raise BackendError(f"{self.endpoint} did not answer an ASK with a boolean")
        return bool(document["boolean"])

    # -- HTTP --

    def construct(self, query: str, bindings: Mapping[str, Term] | None = None) -> list[ox.Triple]:
        answer = self.request(inject_values(query, bindings), accept=TURTLE)
        try:
            return [t.triple if isinstance(t, ox.Quad) else t
                    for t in ox.parse(answer.body, format=ox.RdfFormat.TURTLE)]
        except (SyntaxError, ValueError, OSError) as exc:
            raise BackendError(f"{self.endpoint} sent a graph that does not parse: {exc}") from None

    def sparql(self, query: str, *, form: QueryForm, media_type: str, dataset: QueryDataset | None = None,
               union_default_graph: bool = True, prefixes: Mapping[str, str] | None = None,
               max_rows: int, max_bytes: int | None = None, base_iri: str | None = None) -> RawAnswer:
        graph_form = form in ("CONSTRUCT", "DESCRIBE")
        if base_iri is not None:  # a server has no base option: a BASE before the query's own prologue
            query = f"BASE {ox.NamedNode(base_iri)}\n{query}"
        answer = self.request(
            query, accept=TURTLE if graph_form else JSON, union=union_default_graph,
            default_graphs=list(dataset.default_graphs) if dataset is not None else None,
            named_graphs=list(dataset.named_graphs) if dataset is not None else None)
        return RawAnswer(*rewrite(answer, graph_form=graph_form, media_type=media_type, prefixes=prefixes or {},
                                  max_rows=max_rows, max_bytes=max_bytes))

    def version(self) -> None:
        return None

    def describe(self) -> dict[str, Any]:
        return {"backend": "remote", "store": self.endpoint, "endpoint": self.endpoint, "server": self.kind}

    def opener(self) -> Callable[[], Backend]:
        return functools.partial(RemoteBackend, self.endpoint, timeout=self.timeout,
                                 update_endpoint=self._update_endpoint, kind=self._kind or "auto")  # type: ignore[arg-type]

    def request(self, query: str, *, accept: str = JSON, union: bool = True,
                default_graphs: Sequence[str] | None = None, named_graphs: Sequence[str] | None = None,
                timeout: float | None = None) -> RemoteAnswer:
        """POST one query; return the whole answer or raise a claimgraph error.

        ``accept`` is SPARQLWrapper's JSON (results) or TURTLE (graphs). The default graph is
        the union of all graphs unless ``union`` is False or a dataset is given.
        """
        timeout = self.timeout if timeout is None else timeout
        wrapper = SPARQLWrapper(self.endpoint, agent="claimgraph (SPARQLWrapper)")
        wrapper.setMethod(POST)
        wrapper.setRequestMethod(URLENCODED)
        wrapper.setOnlyConneg(True)
        wrapper.setReturnFormat(accept)
        wrapper.timeout = timeout  # seconds, fractions kept (setTimeout rounds down to int)
        wrapper.setQuery(query)
        explicit = default_graphs is not None or named_graphs is not None
        for iri in default_graphs or ():
            wrapper.addDefaultGraph(iri)
        for iri in named_graphs or ():
            wrapper.addNamedGraph(iri)
        if union and not explicit and self.kind == "oxigraph":
            wrapper.addParameter("union-default-graph", "")
        if self.kind == "virtuoso":
            # Virtuoso then stops the query itself at our limit (it would run on after we give up);
            # what it had by then comes back flagged by X-SQL-State, which raises QueryTimeout below.
            wrapper.addParameter("timeout", str(max(1, int(timeout * 1000))))
        deadline = time.monotonic() + timeout
        try:
            result = wrapper.query()
            headers = {k.lower(): v for k, v in result.response.headers.items()}
            body = _read(result.response, deadline, timeout, self.endpoint)
        except (QueryTimeout, BackendError):
            raise
        except QueryBadFormed as exc:
            raise QuerySyntaxError(f"{self.endpoint} refused the query: {_detail(exc)}") from None
        except EndPointInternalError as exc:
            detail = _detail(exc)
            if _VIRTUOSO_TIMEOUT.search(detail):
                raise QueryTimeout(f"{self.endpoint} stopped the query at its time limit: {detail}") from None
            raise BackendError(f"{self.endpoint} failed (HTTP 500): {detail}") from None
        except Unauthorized:
            raise BackendError(f"{self.endpoint} asks for credentials (HTTP 401)") from None
        except EndPointNotFound:
            raise BackendError(f"no SPARQL endpoint at {self.endpoint} (HTTP 404)") from None
        except URITooLong:
            raise BackendError(f"{self.endpoint} refused the request as too long (HTTP 414)") from None
        except urllib.error.HTTPError as exc:
            body = exc.read()[:500].decode("utf-8", "replace") if exc.fp else ""
            if exc.code in (503, 504) and _VIRTUOSO_TIMEOUT.search(body):
                raise QueryTimeout(f"{self.endpoint} stopped the query at its time limit: {body}") from None
            raise BackendError(f"{self.endpoint} answered HTTP {exc.code}: {body or exc.reason}") from None
        except TRANSPORT_ERRORS as exc:
            raise transport_error(exc, self.endpoint, timeout) from None
        state = headers.get("x-sql-state", "")
        if state:  # Virtuoso's "anytime" answer: whatever it had when its time ran out
            raise QueryTimeout(f"{self.endpoint} returned an incomplete answer ({state}: "
                               f"{headers.get('x-sql-message', '').strip()[:200]})")
        return RemoteAnswer(body, headers, self.endpoint)

    # -- what is on the server --

    def graphs(self, prefix: str = GRAPH_PREFIX) -> list[GraphName]:
        """The server's named graphs whose IRI starts with ``prefix`` (claimgraph's, by default),
        sorted; a shared server holds others' graphs too."""
        if self.kind == "virtuoso":
            # Virtuoso 7.2 plans ``SELECT DISTINCT ?g { GRAPH ?g { ?s ?p ?o } }`` so badly that it
            # did not answer in 300 s over 255k triples; counting per graph takes 1 s.
            return [ox.NamedNode(iri) for iri in sorted(self.graph_sizes(prefix))]
        pattern = "{}" if self.kind == "oxigraph" else "{ ?s ?p ?o }"
        answer = self.request(f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {pattern} }}", union=False)
        _, rows, _ = parse_select(answer)
        iris = (row["g"].value for row in rows if isinstance(row.get("g"), ox.NamedNode))
        return [ox.NamedNode(iri) for iri in sorted(iri for iri in iris if iri.startswith(prefix))]

    def graph_sizes(self, prefix: str = GRAPH_PREFIX) -> dict[str, int]:
        """Triples per named graph whose IRI starts with ``prefix``."""
        answer = self.request("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } "
                              f"FILTER(STRSTARTS(STR(?g), {ox.Literal(prefix)})) }} GROUP BY ?g", union=False)
        _, rows, _ = parse_select(answer)
        return {row["g"].value: int(row["n"].value) for row in rows}


def _detail(exc: Exception) -> str:
    """The server's message inside a SPARQLWrapper exception (which holds the body's bytes repr)."""
    text = str(exc)
    match = re.search(r"Response:\n(b(['\"]).*\2)\s*$", text, re.DOTALL)
    if match:
        try:
            text = ast.literal_eval(match.group(1)).decode("utf-8", "replace")
        except (ValueError, SyntaxError):
            pass
    return " ".join(text.split())[:500]


def _read(response: Any, deadline: float, timeout: float, endpoint: str) -> bytes:
    """The whole body, within the deadline (each read also waits at most the socket timeout)."""
    chunks = []
    try:
        while True:
            if time.monotonic() > deadline:
                raise QueryTimeout(f"{endpoint} did not finish its answer within {timeout:g} s")
            chunk = response.read(1 << 16)
            if not chunk:
                break
            chunks.append(chunk)
    except http.client.IncompleteRead as exc:
        chunks.append(exc.partial)  # the JSON check below reports it (or the cancellation)
    finally:
        response.close()
    return b"".join(chunks)
