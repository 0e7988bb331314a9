"""Remote SPARQL 1.1 servers: the same questions on the Oxigraph server, Virtuoso, or any other.

:class:`RemoteBackend` implements :class:`~claimgraph.queries.store.embedded.Backend` through
SPARQLWrapper with the settings DESIGN.md section 6 asks for: always POST (Virtuoso truncates
long GET URLs), JSON results, an explicit timeout. What differs between servers is handled here
so that :func:`claimgraph.queries.terms.to_python` gives the same values on every backend:

* **Terms**: Virtuoso's old ``typed-literal`` type, ``xsd:boolean`` written ``1``/``0``, blank
  node labels that are not valid N-Triples labels; all become ordinary pyoxigraph terms.
* **Parameters** are injected as a ``VALUES`` block right after the outermost ``WHERE {``,
  written from the terms' N-Triples form (``str()`` of a pyoxigraph term escapes quotes,
  backslashes and line breaks; IRIs cannot contain ``>``). Raw user text is never pasted.
* **The default graph** is the union of all graphs, as on the embedded store: the Oxigraph
  server is asked with its ``union-default-graph`` parameter; Virtuoso already answers a query
  without ``GRAPH``/``FROM`` from every graph.
* **Failures**: a socket timeout, Virtuoso's HTTP 500 "Transaction timed out", Virtuoso's
  "anytime" partial answer (``X-SQL-State``) and the Oxigraph server's cancelled stream (a cut
  JSON body after HTTP 200) raise :class:`QueryTimeout`; any other cut or invalid body, HTTP
  error or connection failure raises :class:`BackendError` naming the endpoint. Virtuoso's silent
  row cap (``X-SPARQL-MaxRows``) raises :class:`ResultTruncated` (or flags the answer on
  ``/sparql``).

:class:`RemoteSparql` serves the read-only ``/sparql`` endpoint from a remote server with the
interface of :class:`~claimgraph.queries.sandbox.QuerySandbox`: the same guard runs first (in
worker processes, under the same time limit), queries go to the server's query endpoint only
(never its update or store endpoints), and answers are capped and re-serialized by pyoxigraph,
so clients see the same formats as from the embedded store.

>>> inject_values("SELECT ?x WHERE { ?x ?p ?o }", {"x": ox.NamedNode("https://example.org/a")})
'SELECT ?x WHERE { VALUES (?x) { (<https://example.org/a>) } ?x ?p ?o }'
>>> inject_values('ASK { ?s ?p ?text }', {"text": ox.Literal('say "}" \\\\ DROP ALL')})
'ASK { VALUES (?text) { ("say \\\\"}\\\\" \\\\\\\\ DROP ALL") } ?s ?p ?text }'
"""

from __future__ import annotations

import ast
import hashlib
import http.client
import itertools
import json
import multiprocessing
import re
import signal
import socket
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import pyoxigraph as ox
from SPARQLWrapper import JSON, POST, TURTLE, URLENCODED, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import (
    EndPointInternalError,
    EndPointNotFound,
    QueryBadFormed,
    Unauthorized,
    URITooLong,
)

from claimgraph.queries.store.embedded import Backend, Term
from claimgraph.ontology.errors import (
    BackendError,
    Busy,
    ForbiddenQuery,
    QuerySyntaxError,
    QueryTimeout,
)
from claimgraph.queries.guard import QueryForm, QueryInfo, inspect_query

Kind = Literal["auto", "oxigraph", "virtuoso", "generic"]
KINDS: tuple[str, ...] = ("auto", "oxigraph", "virtuoso", "generic")

#: Graphs that belong to claimgraph on a shared server (the only ones publish replaces or drops,
#: and the only ones ``/sparql`` lets FROM name).
GRAPH_PREFIX = "https://w3id.org/claimgraph/graph/"

XSD = "http://www.w3.org/2001/XMLSchema#"
_XSD_STRING = XSD + "string"
_RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
_JSON_TYPES = "application/sparql-results+json"
_CANCELLED = b"operation has been cancelled"  # what the Oxigraph server appends when it gives up
_VIRTUOSO_TIMEOUT = re.compile(r"S1T00|SR171|timed out|timeout|exceeds the limit", re.IGNORECASE)
_VARNAME = re.compile(r"^[A-Za-z0-9_]+$")
_BNODE_LABEL = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$")


class ResultTruncated(BackendError):
    """The server cut the answer at its own row cap (Virtuoso's ResultSetMaxRows)."""


# -- parameters as a VALUES block ---------------------------------------------------------------


def term_text(term: Term) -> str:
    """A term in SPARQL syntax, from its N-Triples form; only IRIs and literals are accepted."""
    if isinstance(term, (ox.NamedNode, ox.Literal)):
        return str(term)
    raise TypeError(f"a parameter must be an IRI or a literal, not {type(term).__name__}")


def values_block(bindings: Mapping[str, Term]) -> str:
    """``VALUES (?a ?b) { (<...> "...") }``: one row binding every parameter."""
    for name in bindings:
        if not _VARNAME.match(name):
            raise ValueError(f"{name!r} is not a variable name")
    names = " ".join(f"?{name}" for name in bindings)
    values = " ".join(term_text(term) for term in bindings.values())
    return f"VALUES ({names}) {{ ({values}) }}"


def inject_values(query: str, bindings: Mapping[str, Term]) -> str:
    """``query`` with ``bindings`` as a VALUES block at the start of its outermost group."""
    if not bindings:
        return query
    at = outer_group_start(query)
    return f"{query[:at]} {values_block(bindings)}{query[at:]}"


# Tokens the scanner must step over whole: comments, strings, IRIs (braces inside them do not count).
_SKIP = re.compile(
    r'#[^\n]*'
    r'|"""(?:[^"\\]|\\.|"(?!""))*"""'
    r"|'''(?:[^'\\]|\\.|'(?!''))*'''"
    r'|"(?:[^"\\\n]|\\.)*"'
    r"|'(?:[^'\\\n]|\\.)*'"
    r'|<[^<>"{}|^`\\\x00-\x20]*>',
    re.DOTALL,
)
_WHERE = re.compile(r"(?<![\w?$:-])WHERE(?![\w:-])", re.IGNORECASE)


def outer_group_start(query: str) -> int:
    """The index just after the ``{`` that opens the query's outermost WHERE group.

    The first ``WHERE`` outside comments, strings, IRIs, braces and parentheses, or, when the
    query omits the keyword (``ASK { ... }``, ``SELECT * { ... }``), the first such ``{``.

    >>> q = 'PREFIX w: <urn:where> # WHERE {\\nSELECT (EXISTS { ?a ?b ?c } AS ?e) { ?s ?p "WHERE {" }'
    >>> q[outer_group_start(q):]
    ' ?s ?p "WHERE {" }'
    """
    depth = parens = 0
    first_brace = None
    i, n = 0, len(query)
    while i < n:
        char = query[i]
        if char in "#\"'<":
            match = _SKIP.match(query, i)
            if match:
                i = match.end()
                continue
        if depth == 0 and parens == 0:
            if char == "{" and first_brace is None:
                first_brace = i + 1
            where = _WHERE.match(query, i) if char in "wW" else None
            if where:
                j = where.end()
                while j < n:
                    skip = _SKIP.match(query, j) if query[j] == "#" else None
                    if skip:
                        j = skip.end()
                    elif query[j].isspace():
                        j += 1
                    else:
                        break
                if j < n and query[j] == "{":
                    return j + 1
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
        elif char == "(":
            parens += 1
        elif char == ")":
            parens -= 1
        i += 1
    if first_brace is None:
        raise QuerySyntaxError("the query has no WHERE group to bind parameters in")
    return first_brace


# -- JSON results to pyoxigraph terms -----------------------------------------------------------


def term_from_json(value: Mapping[str, Any]) -> ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple:
    """One term of the SPARQL JSON results format, as every server writes it, as pyoxigraph's term.

    >>> term_from_json({"type": "typed-literal", "datatype": XSD + "boolean", "value": "1"})
    <Literal value=true datatype=<NamedNode value=http://www.w3.org/2001/XMLSchema#boolean>>
    >>> term_from_json({"type": "typed-literal", "datatype": XSD + "string", "value": "x"}) == ox.Literal("x")
    True
    """
    kind, text = value.get("type"), value.get("value")
    try:
        if kind == "uri":
            return ox.NamedNode(text)
        if kind == "bnode":
            label = str(text).removeprefix("_:").removeprefix("nodeID://")
            if not _BNODE_LABEL.match(label):
                label = "b" + hashlib.sha256(label.encode()).hexdigest()[:16]
            return ox.BlankNode(label)
        if kind in ("literal", "typed-literal"):
            language = value.get("xml:lang") or value.get("lang")
            datatype = value.get("datatype")
            if language:
                return ox.Literal(text, language=language)
            if not datatype or datatype in (_XSD_STRING, _RDF_LANG_STRING):
                return ox.Literal(text)
            if datatype == XSD + "boolean" and text in ("1", "0"):  # Virtuoso stores booleans as integers
                text = "true" if text == "1" else "false"
            return ox.Literal(text, datatype=ox.NamedNode(datatype))
        if kind == "triple":
            inner = text
            return ox.Triple(term_from_json(inner["subject"]), term_from_json(inner["predicate"]),
                             term_from_json(inner["object"]))
    except (ValueError, TypeError, KeyError) as exc:
        raise BackendError(f"the server returned a term that is not valid RDF: {value!r} ({exc})") from None
    raise BackendError(f"the server returned a term of unknown type {kind!r}")


@dataclass(frozen=True)
class RemoteAnswer:
    """A raw answer: the body, the response headers (lower-case names), and the endpoint."""

    body: bytes
    headers: dict[str, str]
    endpoint: str

    def json(self) -> dict[str, Any]:
        try:
            document = json.loads(self.body)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            if _CANCELLED in self.body[-200:].lower():
                raise QueryTimeout(f"{self.endpoint} cancelled the query at its time limit "
                                   "(the answer stopped mid-way)") from None
            raise BackendError(f"{self.endpoint} sent a truncated or invalid JSON answer "
                               f"({len(self.body)} bytes: {exc})") from None
        if not isinstance(document, dict) or ("boolean" not in document and "results" not in document):
            raise BackendError(f"{self.endpoint} sent JSON that is not a SPARQL result")
        return document

    def row_cap(self) -> int | None:
        """Virtuoso's row cap, when it says it applied one."""
        cap = self.headers.get("x-sparql-maxrows")
        return int(cap) if cap and cap.strip().isdigit() else None


# -- the backend --------------------------------------------------------------------------------


class RemoteBackend(Backend):
    """A SPARQL 1.1 server reached over HTTP (``endpoint`` is its query URL).

    ``kind`` says which server it is; ``auto`` asks the server once (its ``Server`` header).
    ``update_endpoint`` defaults to the Oxigraph server's ``/update`` beside ``/query``, or the
    query endpoint itself for Virtuoso (``/sparql`` takes updates when the SPARQL user may).
    """

    name = "remote"

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
        except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
            raise self._unreachable(exc) from None
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

    def select(self, query: str, bindings: Mapping[str, Term]) -> tuple[list[str], list[dict[str, Term]]]:
        answer = self.request(inject_values(query, bindings))
        names, rows, truncated = parse_select(answer)
        if truncated:
            raise ResultTruncated(f"{self.endpoint} cut the answer at its row cap of {answer.row_cap()} rows "
                                  "(Virtuoso's ResultSetMaxRows): raise it in the server's ini, or page")
        return names, rows

    def ask(self, query: str, bindings: Mapping[str, Term]) -> bool:
        document = self.request(inject_values(query, bindings)).json()
        if "boolean" not in document:
            raise BackendError(f"{self.endpoint} did not answer an ASK with a boolean")
        return bool(document["boolean"])

    # -- HTTP --

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
        except (TimeoutError, socket.timeout):
            raise QueryTimeout(f"{self.endpoint} did not answer within {timeout:g} s") from None
        except urllib.error.URLError as exc:
            if isinstance(exc.reason, (TimeoutError, socket.timeout)):
                raise QueryTimeout(f"{self.endpoint} did not answer within {timeout:g} s") from None
            raise self._unreachable(exc) from None
        except (OSError, http.client.HTTPException) as exc:
            raise self._unreachable(exc) from None
        state = headers.get("x-sql-state", "")
        if state:  # Virtuoso's "anytime" answer: whatever it had when its time ran out
            raise QueryTimeout(f"{self.endpoint} returned an incomplete answer ({state}: "
                               f"{headers.get('x-sql-message', '').strip()[:200]})")
        return RemoteAnswer(body, headers, self.endpoint)

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
        except (TimeoutError, socket.timeout):
            raise QueryTimeout(f"{url} did not answer within {timeout:g} s") from None
        except urllib.error.URLError as exc:
            if isinstance(exc.reason, (TimeoutError, socket.timeout)):
                raise QueryTimeout(f"{url} did not answer within {timeout:g} s") from None
            raise self._unreachable(exc, url) from None
        except (OSError, http.client.HTTPException) as exc:
            raise self._unreachable(exc, url) from None

    def _unreachable(self, exc: BaseException, url: str | None = None) -> BackendError:
        reason = getattr(exc, "reason", None) or exc
        return BackendError(f"cannot reach the SPARQL endpoint {url or self.endpoint}: {reason}")

    # -- what is on the server --

    def graphs(self, prefix: str = GRAPH_PREFIX) -> list[str]:
        """The server's named graphs whose IRI starts with ``prefix``, sorted."""
        pattern = "{}" if self.kind == "oxigraph" else "{ ?s ?p ?o }"
        answer = self.request(f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {pattern} }}", union=False)
        _, rows, _ = parse_select(answer)
        iris = (row["g"].value for row in rows if isinstance(row.get("g"), ox.NamedNode))
        return sorted(iri for iri in iris if iri.startswith(prefix))

    def graph_sizes(self, prefix: str = GRAPH_PREFIX) -> dict[str, int]:
        """Triples per named graph whose IRI starts with ``prefix``."""
        literal = json.dumps(prefix)
        answer = self.request("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } "
                              f"FILTER(STRSTARTS(STR(?g), {literal})) }} GROUP BY ?g", union=False)
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


def parse_select(answer: RemoteAnswer, max_rows: int | None = None,
                 ) -> tuple[list[str], list[dict[str, Any]], bool]:
    """Variables, rows of pyoxigraph terms (unbound variables absent), and whether the answer
    was cut (by the server's row cap, or at ``max_rows``)."""
    document = answer.json()
    names = list(document.get("head", {}).get("vars", []))
    bindings = document.get("results", {}).get("bindings")
    if not isinstance(bindings, list):
        raise BackendError(f"{answer.endpoint} did not answer a SELECT with results")
    cap = answer.row_cap()
    truncated = cap is not None and len(bindings) >= cap
    if max_rows is not None and len(bindings) > max_rows:
        bindings, truncated = bindings[:max_rows], True
    rows = [{name: term_from_json(value) for name, value in binding.items()} for binding in bindings]
    return names, rows, truncated


def open_backend(store: Any, endpoint: str | None = None, *, kind: Kind = "auto",
                 timeout: float = 30.0) -> Backend:
    """The remote server at ``endpoint`` when one is given, else the embedded store at ``store``."""
    if endpoint:
        try:
            return RemoteBackend(endpoint, kind=kind, timeout=timeout)
        except ValueError as exc:
            raise BackendError(f"bad endpoint: {exc}") from None
    from claimgraph.queries.store.embedded import EmbeddedBackend
    return EmbeddedBackend(store)


# -- /sparql on a remote server -----------------------------------------------------------------


class RemoteSparql:
    """The read-only ``/sparql`` endpoint over a remote server; the interface of QuerySandbox.

    Every query is checked by :func:`inspect_query` in a worker process under the hard time limit
    (rdflib's parser needs a deep stack, and a pathological parse must be stoppable), plus a
    refusal of extension functions other than XSD casts (Virtuoso runs ``bif:`` and ``sql:``
    functions, which can read files and call stored procedures). ``FROM`` may name only the
    server's claimgraph graphs. Queries that pass go to the server's query endpoint with the
    same timeout; answers are capped at ``max_rows`` and written by pyoxigraph.
    """

    def __init__(self, endpoint: str, *, kind: Kind = "auto", workers: int = 2, timeout_s: float = 10.0,
                 max_rows: int = 10_000, queue_timeout_s: float = 2.0, startup_timeout_s: float = 60.0) -> None:
        if workers < 1 or max_rows < 1 or timeout_s <= 0:
            raise ValueError("workers and max_rows must be at least 1 and timeout_s positive")
        self.backend = RemoteBackend(endpoint, kind=kind, timeout=timeout_s)
        self.workers = workers
        self.timeout_s = timeout_s
        self.max_rows = max_rows
        self.queue_timeout_s = queue_timeout_s
        self.startup_timeout_s = startup_timeout_s
        self._ctx = multiprocessing.get_context("spawn")
        self._slots = threading.BoundedSemaphore(workers)
        self._lock = threading.Lock()
        self._closed = False
        kind_now = self.backend._kind or "auto"
        self._idle: list[_GuardWorker] = [_GuardWorker(self._ctx, endpoint, kind_now, timeout_s)
                                          for _ in range(workers)]

    def inspect(self, query: str, *, max_length: int, default_graph_uris: Sequence[str] = (),
                named_graph_uris: Sequence[str] = ()) -> QueryInfo:
        if len(query) > max_length:
            inspect_query(query, max_length=max_length)  # raises QueryTooLong
        return self._call(("inspect", query, max_length, tuple(default_graph_uris), tuple(named_graph_uris)))

    def run(self, query: str, *, form: QueryForm, media_type: str, default_graphs: Sequence[str] | None = None,
            named_graphs: Sequence[str] | None = None, union_default_graph: bool = True,
            prefixes: Mapping[str, str] | None = None) -> Any:
        from claimgraph.queries.sandbox import GRAPH_MEDIA_TYPES, RESULTS_MEDIA_TYPES, SandboxResult

        graph_form = form in ("CONSTRUCT", "DESCRIBE")
        if media_type not in (GRAPH_MEDIA_TYPES if graph_form else RESULTS_MEDIA_TYPES):
            raise ValueError(f"{media_type} is not a media type for {form} answers")
        checked = self.inspect(query, max_length=sys.maxsize, default_graph_uris=default_graphs or (),
                               named_graph_uris=named_graphs or ())
        if checked.form != form:
            raise BackendError(f"the query's form is {checked.form}, not {form}")
        explicit = default_graphs is not None or named_graphs is not None
        if not self._slots.acquire(timeout=self.queue_timeout_s):
            raise Busy(f"all {self.workers} query slots are busy; retry shortly")
        try:
            answer = self.backend.request(
                query, accept=TURTLE if graph_form else JSON, union=union_default_graph,
                default_graphs=list(default_graphs or ()) if explicit else None,
                named_graphs=list(named_graphs or ()) if explicit else None)
        finally:
            self._slots.release()
        body, content_type, truncated = _reserialize(answer, graph_form, media_type, dict(prefixes or {}),
                                                     self.max_rows)
        return SandboxResult(body, content_type, truncated)

    async def inspect_async(self, query: str, **kwargs: Any) -> QueryInfo:
        import anyio.to_thread
        return await anyio.to_thread.run_sync(lambda: self.inspect(query, **kwargs))

    async def run_async(self, query: str, **kwargs: Any) -> Any:
        import anyio.to_thread
        return await anyio.to_thread.run_sync(lambda: self.run(query, **kwargs))

    def close(self) -> None:
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for worker in idle:
            worker.stop()

    def __enter__(self) -> RemoteSparql:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _call(self, request: tuple[Any, ...]) -> Any:
        # The pool mechanics of QuerySandbox: a worker per request, replaced when it overruns or dies.
        from claimgraph.ontology import errors
        from claimgraph.ontology.errors import ClaimgraphError
        from claimgraph.queries.sandbox import QuerySandbox

        if not self._slots.acquire(timeout=self.queue_timeout_s):
            raise Busy(f"all {self.workers} query workers are busy; retry shortly")
        try:
            with self._lock:
                if self._closed:
                    raise BackendError("the query proxy is closed")
                worker = self._idle.pop()
            try:
                status, payload = QuerySandbox._exchange(self, worker, request)  # type: ignore[arg-type]
            finally:
                with self._lock:
                    if self._closed:
                        worker.stop()
                    else:
                        self._idle.append(worker)
        finally:
            self._slots.release()
        if status == "ok":
            return payload
        kind, message = payload
        error_class = getattr(errors, kind, None)
        if not (isinstance(error_class, type) and issubclass(error_class, ClaimgraphError)):
            error_class = BackendError
        raise error_class(message)


def _reserialize(answer: RemoteAnswer, graph_form: bool, media_type: str, prefixes: dict[str, str],
                 max_rows: int) -> tuple[bytes, str, bool]:
    """The remote answer in ``media_type``, written by pyoxigraph as the embedded sandbox does."""
    from claimgraph.queries.sandbox import _rdf_format, _results_format, _term_json

    if graph_form:
        rdf_format = _rdf_format(media_type)
        try:
            triples = list(itertools.islice(ox.parse(answer.body, format=ox.RdfFormat.TURTLE), max_rows + 1))
        except (SyntaxError, ValueError, OSError) as exc:
            raise BackendError(f"{answer.endpoint} sent a graph that does not parse: {exc}") from None
        truncated = len(triples) > max_rows or (answer.row_cap() is not None and len(triples) >= answer.row_cap())
        body = ox.serialize([t.triple if isinstance(t, ox.Quad) else t for t in triples[:max_rows]],
                            format=rdf_format, prefixes=prefixes if rdf_format == ox.RdfFormat.TURTLE else None)
        return body, rdf_format.media_type, truncated
    results_format = _results_format(media_type)
    document = answer.json()
    if "boolean" in document:
        result = ox.parse_query_results(json.dumps({"head": {}, "boolean": bool(document["boolean"])}).encode(),
                                        format=ox.QueryResultsFormat.JSON)
        return result.serialize(format=results_format), results_format.media_type, False
    names, rows, truncated = parse_select(answer, max_rows)
    normalized = {"head": {"vars": names}, "results": {"bindings": [
        {name: _term_json(term) for name, term in row.items()} for row in rows]}}
    kept = ox.parse_query_results(json.dumps(normalized).encode(), format=ox.QueryResultsFormat.JSON)
    return kept.serialize(format=results_format), results_format.media_type, truncated


class _GuardWorker:
    """One guard process (the same protocol and lifecycle as the sandbox's workers)."""

    def __init__(self, ctx: Any, endpoint: str, kind: str, timeout_s: float) -> None:
        self._ctx, self._args = ctx, (endpoint, kind, timeout_s)
        self.start()

    def start(self) -> None:
        self.conn, child = self._ctx.Pipe(duplex=True)
        self.process = self._ctx.Process(target=guard_main, args=(child, *self._args),
                                         name="claimgraph-sparql-guard", daemon=True)
        self.process.start()
        child.close()
        self.ready = False
        self.alive = True

    def wait_ready(self, timeout: float) -> None:
        if self.ready:
            return
        if not self.conn.poll(timeout):
            self.stop(kill=True)
            raise BackendError(f"a query guard did not start within {timeout:g} s")
        self.conn.recv()
        self.ready = True

    def stop(self, *, kill: bool = False) -> None:
        if not self.alive:
            return
        self.alive = False
        if not kill:
            try:
                self.conn.send(None)
                self.process.join(2)
            except (OSError, ValueError):
                pass
        if self.process.is_alive():
            self.process.kill()
            self.process.join(5)
        self.conn.close()


def guard_main(conn: Any, endpoint: str, kind: str, timeout_s: float) -> None:
    """Entry point of a guard process: check queries sent on ``conn`` until told to stop."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    sys.setrecursionlimit(50_000)
    threading.stack_size(512 * 1024 * 1024)
    thread = threading.Thread(target=_guard_serve, args=(conn, endpoint, kind, timeout_s), name="sparql-guard")
    thread.start()
    thread.join()


def _guard_serve(conn: Any, endpoint: str, kind: str, timeout_s: float) -> None:
    from claimgraph.ontology.errors import ClaimgraphError

    backend = RemoteBackend(endpoint, kind=kind, timeout=timeout_s)  # type: ignore[arg-type]
    cache: list[Any] = [0.0, set()]

    def allowed() -> set[str]:
        if time.monotonic() - cache[0] > 30:  # publish may add graphs: look again now and then
            cache[:] = [time.monotonic(), set(backend.graphs())]
        return cache[1]

    conn.send(("ready", None))
    while True:
        try:
            request = conn.recv()
        except (EOFError, OSError):
            return
        if request is None:
            return
        try:
            _, text, max_length, default_uris, named_uris = request
            info = inspect_query(text, allowed_graphs=allowed, max_length=max_length,
                                 default_graph_uris=default_uris, named_graph_uris=named_uris)
            refuse_extension_functions(text)
            conn.send(("ok", info))
        except ClaimgraphError as exc:
            conn.send(("error", (type(exc).__name__, str(exc))))
        except Exception as exc:  # noqa: BLE001 - reported to the parent
            conn.send(("error", ("BackendError", f"{type(exc).__name__}: {exc}")))


def refuse_extension_functions(text: str) -> None:
    """Refuse calls of functions other than SPARQL's own and XSD casts, and ``bif:``/``sql:`` IRIs.

    The embedded store ignores unknown functions, but Virtuoso maps ``bif:`` and ``sql:`` IRIs
    to SQL built-ins and stored procedures, some of which read files.

    >>> refuse_extension_functions("PREFIX x: <http://www.w3.org/2001/XMLSchema#> SELECT (x:integer('1') AS ?n) {}")
    >>> refuse_extension_functions("PREFIX b: <bif:> SELECT ?x { BIND(b:file_to_string('/etc/passwd') AS ?x) }")
    Traceback (most recent call last):
    ...
    claimgraph.ontology.errors.ForbiddenQuery: extension function <bif:file_to_string> is not allowed on this endpoint; use SPARQL's built-in functions
    """
    from pyparsing import ParseResults
    from rdflib.plugins.sparql.parser import parseQuery
    from rdflib.plugins.sparql.parserutils import CompValue

    try:
        parsed = parseQuery(text)
    except Exception as exc:  # noqa: BLE001 - inspect_query accepted it; refuse anyway
        raise QuerySyntaxError(f"invalid query: {exc}") from None
    prefixes = {str(d["prefix"] if "prefix" in d else ""): str(d["iri"])
                for d in (parsed[0] if len(parsed) else []) if isinstance(d, CompValue) and d.name == "PrefixDecl"}

    def resolve(node: Any) -> str:
        if isinstance(node, CompValue) and node.name == "pname":
            prefix = str(node["prefix"]) if "prefix" in node else ""
            local = str(node["localname"]) if "localname" in node else ""
            return prefixes.get(prefix, prefix + ":") + local
        return str(node)

    # pyparsing registers ParseResults as a Mapping: test it first, and walk its items.
    stack: list[Any] = [parsed]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if item.lower().startswith(("bif:", "sql:")):
                raise ForbiddenQuery(f"<{item}> is a Virtuoso SQL extension; it is not allowed on this endpoint")
            continue
        if isinstance(item, CompValue):
            if item.name == "pname":
                stack.append(resolve(item))
                continue
            if item.name == "Function":
                name = resolve(item["iri"]) if "iri" in item else ""
                if not name.startswith(XSD):
                    raise ForbiddenQuery(f"extension function <{name}> is not allowed on this endpoint; "
                                         "use SPARQL's built-in functions")
            stack.extend(item.values())
        elif isinstance(item, (ParseResults, list, tuple, set, frozenset)):
            stack.extend(item)
        elif isinstance(item, Mapping):
            stack.extend(item.values())
