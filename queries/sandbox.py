"""Run untrusted SPARQL queries on the embedded store under a hard time limit.

Security posture (DESIGN.md section 6): pyoxigraph has no per-query timeout, so a query that
runs too long cannot be cancelled inside the API process. The sandbox therefore keeps a small
pool of worker processes (``multiprocessing`` spawn context). Each worker opens the store once
with ``pyoxigraph.Store.read_only`` (so no update can ever be applied through it), and answers
two kinds of request:

* **inspect**: :func:`claimgraph.queries.guard.inspect_query` on the text, with the store's own
  named graphs as the allowed ``FROM`` targets. rdflib's grammar recurses deeply, so the check
  runs in a thread with a large stack and recursion limit, which is safe in a disposable worker
  and would not be in the API process; and a pathological parse is bounded like a query.
* **run**: check the query again the same way (the sandbox never executes a query that did not
  pass the guard, whoever calls it), execute with pyoxigraph, cap the rows (SELECT) or triples (CONSTRUCT/DESCRIBE) at
  ``max_rows`` (stop iterating, report ``truncated``), and serialize with pyoxigraph itself.

The parent waits for the answer at most ``timeout_s``; on expiry it kills that worker, starts a
replacement and raises :class:`QueryTimeout`. A semaphore caps concurrency at the number of
workers; a caller that cannot get a worker within ``queue_timeout_s`` gets :class:`Busy`. A
worker that dies (crash, out of memory) is replaced too and the caller gets
:class:`BackendError`.

Queries without ``FROM`` run with ``use_default_graph_as_union=True`` (one named graph per
article, so the default graph is their union). A query with ``FROM``/``FROM NAMED`` runs on the
dataset it names; protocol ``default-graph-uri``/``named-graph-uri`` override both.

A worker sees the store as it was when the worker opened it. After a re-ingest, build a new
sandbox (the API asks for its sandbox per request, so it can swap one in) and close the old.
"""

from __future__ import annotations

import itertools
import json
import multiprocessing
import signal
import sys
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import anyio.to_thread
import pyoxigraph as ox

from claimgraph.ontology import errors
from claimgraph.ontology.errors import BackendError, Busy, ClaimgraphError, QueryTimeout, StoreMissing
from claimgraph.queries.guard import QueryForm, QueryInfo, inspect_query

#: Media types of SELECT and ASK answers, the default first.
RESULTS_MEDIA_TYPES: tuple[str, ...] = (
    "application/sparql-results+json",
    "application/sparql-results+xml",
    "text/csv",
    "text/tab-separated-values",
)
#: Media types of CONSTRUCT and DESCRIBE answers, the default first.
GRAPH_MEDIA_TYPES: tuple[str, ...] = ("text/turtle", "application/n-triples", "application/ld+json")

_WORKER_STACK_BYTES = 512 * 1024 * 1024  # virtual; only touched pages cost memory
_WORKER_RECURSION_LIMIT = 50_000
_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


@dataclass(frozen=True)
class SandboxResult:
    """A serialized answer: the bytes, their media type (a Content-Type value), and whether
    ``max_rows`` cut the answer short."""

    body: bytes
    media_type: str
    truncated: bool


class QuerySandbox:
    """A pool of read-only store workers that run untrusted queries under a hard time limit.

    Thread-safe; use :meth:`run_async` / :meth:`inspect_async` from async code.
    """

    def __init__(
        self,
        store_path: str | Path,
        *,
        workers: int = 2,
        timeout_s: float = 10.0,
        max_rows: int = 10_000,
        queue_timeout_s: float = 2.0,
        startup_timeout_s: float = 60.0,
    ) -> None:
        if workers < 1 or max_rows < 1 or timeout_s <= 0:
            raise ValueError("workers and max_rows must be at least 1 and timeout_s positive")
        self.store_path = str(store_path)
        self.workers = workers
        self.timeout_s = timeout_s
        self.max_rows = max_rows
        self.queue_timeout_s = queue_timeout_s
        self.startup_timeout_s = startup_timeout_s
        self._ctx = multiprocessing.get_context("spawn")
        self._slots = threading.BoundedSemaphore(workers)
        self._lock = threading.Lock()
        self._closed = False
        self._idle: list[_Worker] = [_Worker(self._ctx, self.store_path) for _ in range(workers)]

    # -- public API ---------------------------------------------------------------------------

    def inspect(
        self,
        query: str,
        *,
        max_length: int,
        default_graph_uris: Sequence[str] = (),
        named_graph_uris: Sequence[str] = (),
    ) -> QueryInfo:
        """Check ``query`` with :func:`inspect_query` in a worker, allowing the store's graphs."""
        if len(query) > max_length:  # cheap, and spares sending a huge text
            inspect_query(query, max_length=max_length)
        request = ("inspect", query, max_length, tuple(default_graph_uris), tuple(named_graph_uris))
        info: QueryInfo = self._call(request)
        return info

    def run(
        self,
        query: str,
        *,
        form: QueryForm,
        media_type: str,
        default_graphs: Sequence[str] | None = None,
        named_graphs: Sequence[str] | None = None,
        union_default_graph: bool = True,
        prefixes: Mapping[str, str] | None = None,
    ) -> SandboxResult:
        """Check and execute ``query`` (a ``form`` query) and serialize its answer as ``media_type``.

        ``default_graphs`` / ``named_graphs`` (either given, the other then empty) set the
        dataset explicitly; otherwise ``union_default_graph`` says whether the default graph is
        the union of all graphs (pass False when the query has its own FROM clauses).
        ``prefixes`` are used by the Turtle serializer.
        """
        allowed = GRAPH_MEDIA_TYPES if form in ("CONSTRUCT", "DESCRIBE") else RESULTS_MEDIA_TYPES
        if media_type not in allowed:
            raise ValueError(f"{media_type} is not a media type for {form} answers")
        explicit = default_graphs is not None or named_graphs is not None
        dataset = (tuple(default_graphs or ()), tuple(named_graphs or ())) if explicit else None
        request = ("run", query, form, media_type, dataset, union_default_graph,
                   dict(prefixes or {}), self.max_rows)
        body, content_type, truncated = self._call(request)
        return SandboxResult(body, content_type, truncated)

    async def inspect_async(self, query: str, **kwargs: Any) -> QueryInfo:
        """:meth:`inspect` in a worker thread, so the event loop keeps serving."""
        return await anyio.to_thread.run_sync(lambda: self.inspect(query, **kwargs))

    async def run_async(self, query: str, **kwargs: Any) -> SandboxResult:
        """:meth:`run` in a worker thread, so the event loop keeps serving."""
        return await anyio.to_thread.run_sync(lambda: self.run(query, **kwargs))

    def close(self) -> None:
        """Stop every worker. Queries still running are killed when they come back."""
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for worker in idle:
            worker.stop()

    def __enter__(self) -> QuerySandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- pool mechanics -----------------------------------------------------------------------

    def _call(self, request: tuple[Any, ...]) -> Any:
        if not self._slots.acquire(timeout=self.queue_timeout_s):
            raise Busy(f"all {self.workers} query workers are busy; retry shortly")
        try:
            with self._lock:
                if self._closed:
                    raise BackendError("the query sandbox is closed")
                worker = self._idle.pop()
            try:
                status, payload = self._exchange(worker, request)
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

    def _exchange(self, worker: _Worker, request: tuple[Any, ...]) -> Any:
        """Send one request and wait for the reply; a worker that overran or died is replaced."""
        try:
            worker.wait_ready(self.startup_timeout_s)
            worker.conn.send(request)
            if not worker.conn.poll(self.timeout_s):
                worker.stop(kill=True)
                raise QueryTimeout(f"the query ran longer than {self.timeout_s:g} s and was stopped")
            return worker.conn.recv()
        except (EOFError, OSError) as exc:
            worker.stop(kill=True)
            raise BackendError(f"the query worker died ({exc or type(exc).__name__})") from None
        finally:
            if not worker.alive:
                worker.start()


class _Worker:
    """One worker process and the parent's end of its pipe (restartable in place)."""

    def __init__(self, ctx: Any, store_path: str) -> None:
        self._ctx, self._store_path = ctx, store_path
        self.start()

    def start(self) -> None:
        self.conn, child = self._ctx.Pipe(duplex=True)
        self.process = self._ctx.Process(target=worker_main, args=(child, self._store_path),
                                         name="claimgraph-sparql-worker", daemon=True)
        self.process.start()
        child.close()
        self.ready = False
        self.alive = True

    def wait_ready(self, timeout: float) -> None:
        if self.ready:
            return
        if not self.conn.poll(timeout):
            self.stop(kill=True)
            raise BackendError(f"a query worker did not start within {timeout:g} s")
        status, message = self.conn.recv()
        if status != "ready":
            self.stop(kill=True)
            raise StoreMissing(f"cannot open the store: {message}")
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


# -- inside the worker process ----------------------------------------------------------------


def worker_main(conn: Connection, store_path: str) -> None:
    """Entry point of a worker process: serve requests on ``conn`` until told to stop."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C in a terminal: the parent stops us
    sys.setrecursionlimit(_WORKER_RECURSION_LIMIT)
    threading.stack_size(_WORKER_STACK_BYTES)
    thread = threading.Thread(target=_serve, args=(conn, store_path), name="sparql-worker")
    thread.start()
    thread.join()


def _serve(conn: Connection, store_path: str) -> None:
    try:
        store = ox.Store.read_only(store_path)
    except Exception as exc:  # noqa: BLE001 - reported to the parent
        conn.send(("fatal", str(exc)))
        return
    conn.send(("ready", None))
    graphs: set[str] | None = None

    def store_graphs() -> set[str]:
        nonlocal graphs
        if graphs is None:
            graphs = {g.value for g in store.named_graphs() if isinstance(g, ox.NamedNode)}
        return graphs

    while True:
        try:
            request = conn.recv()
        except (EOFError, OSError):  # the parent went away
            return
        if request is None:
            return
        try:
            if request[0] == "inspect":
                _, text, max_length, default_uris, named_uris = request
                reply: Any = inspect_query(text, allowed_graphs=store_graphs, max_length=max_length,
                                           default_graph_uris=default_uris,
                                           named_graph_uris=named_uris)
            else:
                _, text, form, media_type, dataset, union, prefixes, max_rows = request
                checked = inspect_query(text, allowed_graphs=store_graphs, max_length=sys.maxsize,
                                        default_graph_uris=dataset[0] if dataset else (),
                                        named_graph_uris=dataset[1] if dataset else ())
                if checked.form != form:
                    raise BackendError(f"the query's form is {checked.form}, not {form}")
                reply = _execute(store, text, media_type, dataset, union, prefixes, max_rows)
            conn.send(("ok", reply))
        except ClaimgraphError as exc:
            conn.send(("error", (type(exc).__name__, str(exc))))
        except SyntaxError as exc:  # pyoxigraph's parser disagreed with rdflib's
            conn.send(("error", ("QuerySyntaxError", f"syntax error: {exc}")))
        except Exception as exc:  # noqa: BLE001 - reported to the parent
            conn.send(("error", ("BackendError", f"{type(exc).__name__}: {exc}")))


def _execute(store: Any, query: str, media_type: str,
             dataset: tuple[tuple[str, ...], tuple[str, ...]] | None, union: bool,
             prefixes: dict[str, str], max_rows: int) -> tuple[bytes, str, bool]:
    kwargs: dict[str, Any] = {}
    if dataset is not None:
        kwargs["default_graph"] = [ox.NamedNode(iri) for iri in dataset[0]]
        kwargs["named_graphs"] = [ox.NamedNode(iri) for iri in dataset[1]]
    elif union:
        kwargs["use_default_graph_as_union"] = True
    result = store.query(query, **kwargs)

    if isinstance(result, ox.QueryTriples):
        rdf_format = _rdf_format(media_type)
        triples = list(itertools.islice(result, max_rows + 1))
        truncated = len(triples) > max_rows
        try:
            body = ox.serialize(triples[:max_rows], format=rdf_format,
                                prefixes=prefixes if rdf_format == ox.RdfFormat.TURTLE else None)
        except (OSError, ValueError) as exc:
            raise BackendError(f"the answer cannot be written as {media_type}: {exc}") from None
        return body, rdf_format.media_type, truncated

    results_format = _results_format(media_type)
    if isinstance(result, ox.QueryBoolean):
        return result.serialize(format=results_format), results_format.media_type, False
    variables = result.variables
    rows = list(itertools.islice(result, max_rows + 1))
    truncated = len(rows) > max_rows
    # Re-read the kept rows as a QuerySolutions so pyoxigraph writes every format itself.
    document = {
        "head": {"vars": [v.value for v in variables]},
        "results": {"bindings": [
            {v.value: _term_json(row[i]) for i, v in enumerate(variables) if row[i] is not None}
            for row in rows[:max_rows]
        ]},
    }
    kept = ox.parse_query_results(json.dumps(document).encode(), format=ox.QueryResultsFormat.JSON)
    return kept.serialize(format=results_format), results_format.media_type, truncated


def _results_format(media_type: str) -> Any:
    formats = dict(zip(RESULTS_MEDIA_TYPES, (ox.QueryResultsFormat.JSON, ox.QueryResultsFormat.XML,
                                             ox.QueryResultsFormat.CSV, ox.QueryResultsFormat.TSV)))
    if media_type not in formats:
        raise BackendError(f"{media_type} is not a format for SELECT or ASK answers")
    return formats[media_type]


def _rdf_format(media_type: str) -> Any:
    formats = dict(zip(GRAPH_MEDIA_TYPES, (ox.RdfFormat.TURTLE, ox.RdfFormat.N_TRIPLES,
                                           ox.RdfFormat.JSON_LD)))
    if media_type not in formats:
        raise BackendError(f"{media_type} is not a format for CONSTRUCT or DESCRIBE answers")
    return formats[media_type]


def _term_json(term: Any) -> dict[str, Any]:
    """One RDF term in the SPARQL 1.1 (and 1.2) JSON results format."""
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        out: dict[str, Any] = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
            if term.direction is not None:
                out["its:dir"] = str(term.direction)
        elif term.datatype.value != _XSD_STRING:
            out["datatype"] = term.datatype.value
        return out
    if isinstance(term, ox.Triple):
        return {"type": "triple", "value": {"subject": _term_json(term.subject),
                                            "predicate": _term_json(term.predicate),
                                            "object": _term_json(term.object)}}
    raise BackendError(f"unexpected term in a solution: {term!r}")

