"""Run untrusted SPARQL queries on any store within hard limits, for ``/sparql``.

pyoxigraph has no per-query timeout, so a query that runs too long cannot be cancelled inside the
API process (``docs/decisions/0005-sparql-security.md``). The sandbox therefore keeps a pool of
worker processes (``multiprocessing`` spawn context). Each worker opens the store through the
store interface (:meth:`~claimgraph.queries.store.base.Backend.opener`: the embedded store
read-only, so no update can ever be applied through it; a server through its query endpoint
only), in one function, :func:`open_store`, which also sets the worker's memory limit.

A query is one round trip to one worker, under **one wall-time budget** (``timeout_s``) that
covers both what the worker does with it:

* **check**: :func:`claimgraph.queries.guard.inspect_query`, with the store's own graphs as the
  allowed ``FROM`` targets. rdflib's grammar recurses deeply, so the check runs in a thread with a
  large stack and recursion limit, which is safe in a disposable worker and would not be in the
  API process. The query is parsed by the guard once, and then by the engine that runs it;
* **run**: the media type chosen for the query's form (``media_type``: one type, or one per
  form, None where the client accepts none: :class:`~claimgraph.ontology.errors.NotAcceptable`),
  then :meth:`~claimgraph.queries.store.base.Backend.sparql`: the answer capped at ``max_rows``
  rows or triples and ``max_bytes`` bytes, cut at a row boundary (``truncated`` says which cap).

Limits, each a setting (``queries/settings.py``), each refusal a typed error:

* **time**: the parent waits for the answer at most ``timeout_s`` from the moment the worker
  has the query; then it kills that worker, starts a replacement and raises
  :class:`~claimgraph.ontology.errors.QueryTimeout`;
* **memory**: a worker's address space may grow at most ``memory_mb`` beyond what it holds once
  the store is open (``RLIMIT_AS``, Linux). A query that needs more fails its allocation: the
  worker answers :class:`~claimgraph.ontology.errors.QueryTooCostly` and exits, or the engine
  aborts the process; either way the worker is replaced and the caller gets ``QueryTooCostly``;
* **workers and fairness**: at most ``workers`` queries run at once, at most ``client_workers``
  of them for one client (the ``client`` key the caller passes), so one client's heavy queries
  leave workers to the others; a query that finds no free worker waits in a queue served
  round-robin by client (:class:`~claimgraph.queries.fairness.FairGate`) for at most
  ``queue_timeout_s``, then gets :class:`~claimgraph.ontology.errors.Busy`.

A worker that dies otherwise is replaced too and the caller gets
:class:`~claimgraph.ontology.errors.BackendError`. Queries without ``FROM`` run on the union of
the named graphs (one named graph per article). A query with ``FROM``/``FROM NAMED`` runs on the
dataset it names; protocol ``default-graph-uri``/``named-graph-uri`` override both. Relative IRIs
are resolved against ``base_iri``.

A worker holds one version of the store at a time and follows new ones: a request may name the
store version it is pinned to (``version``; the API passes the one its request pinned, so
``/sparql`` and ``/questions`` answer from the same version), and the worker answers from that
version; an idle worker moves to the newest version every :data:`IDLE_REFRESH_S` seconds, letting
go of the old one (``docs/decisions/0018-store-lifecycle.md``). Either way it opens the version
through :func:`open_store`. The graphs a worker allows are looked up again every
:data:`GRAPHS_TTL_S` seconds, or when its version changes (publishing may add graphs to a server).
"""

from __future__ import annotations

import functools
import logging
import multiprocessing
import os
import resource
import signal
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any, TypedDict, Unpack

import anyio.to_thread
import pyoxigraph as ox

from claimgraph.ontology import errors
from claimgraph.ontology.errors import (
    BackendError,
    ClaimgraphError,
    NotAcceptable,
    QueryTimeout,
    QueryTooCostly,
    QueryTooLong,
    StoreMissing,
)
from claimgraph.queries.fairness import FairGate
from claimgraph.queries.guard import QueryForm, QueryInfo, inspect_query
from claimgraph.queries.store import Backend, QueryDataset, RawAnswer
from claimgraph.queries.store.formats import media_types

log = logging.getLogger(__name__)

_WORKER_STACK_BYTES = 512 * 1024 * 1024  # virtual; only touched pages cost memory
_WORKER_RECURSION_LIMIT = 50_000
_MIB = 1024 * 1024
#: Seconds a worker trusts its list of the store's graphs (publishing may add graphs to a server).
GRAPHS_TTL_S = 30.0
#: Seconds between an idle worker's checks for a new store version.
IDLE_REFRESH_S = 1.0
#: The engine aborts its process when an allocation fails (Rust's default): the worker's exit code.
_ABORTED = -signal.SIGABRT


class QueryOptions(TypedDict, total=False):
    """The options of :meth:`QuerySandbox.run` and :meth:`QuerySandbox.inspect`, all keyword-only.

    ``max_length``: the longest query text accepted. ``default_graph_uris`` /
    ``named_graph_uris``: the protocol's dataset, when given (they must name the store's graphs).
    ``base_iri``: to resolve relative IRIs. ``client``: whom the query is counted against for
    fairness. ``version``: the store version to answer from (None: the newest).
    """

    max_length: int
    default_graph_uris: Sequence[str]
    named_graph_uris: Sequence[str]
    base_iri: str | None
    client: str
    version: str | None


@dataclass(frozen=True)
class _Request:
    """What a worker is asked: check a query and, unless ``check_only``, run it."""

    text: str
    max_length: int
    default_graph_uris: tuple[str, ...] = ()
    named_graph_uris: tuple[str, ...] = ()
    base_iri: str | None = None
    media_types: tuple[tuple[str, str | None], ...] = ()  # (form, chosen media type or None)
    max_rows: int = 0
    max_bytes: int | None = None
    check_only: bool = False
    version: str | None = None  # the store version to answer from (None: the newest)


class QuerySandbox:
    """A pool of worker processes that run untrusted queries on ``backend`` within hard limits.

    Thread-safe; use :meth:`run_async` / :meth:`inspect_async` from async code.
    """

    def __init__(
        self,
        backend: Backend,
        *,
        workers: int = 4,
        timeout_s: float = 10.0,
        max_rows: int = 10_000,
        max_bytes: int | None = 16 * _MIB,
        memory_mb: int | None = 1024,
        client_workers: int = 2,
        queue_timeout_s: float = 5.0,
        startup_timeout_s: float = 60.0,
    ) -> None:
        if workers < 1 or max_rows < 1 or timeout_s <= 0:
            raise ValueError("workers and max_rows must be at least 1 and timeout_s positive")
        self.opener = backend.opener()
        self.workers = workers
        self.timeout_s = timeout_s
        self.max_rows = max_rows
        self.max_bytes = max_bytes
        self.memory_mb = memory_mb
        self.startup_timeout_s = startup_timeout_s
        self._gate = FairGate(workers, per_client=client_workers, timeout_s=queue_timeout_s)
        self._ctx = multiprocessing.get_context("spawn")
        self._lock = threading.Lock()
        self._closed = False
        self._idle: list[_Worker] = [_Worker(self._ctx, self.opener, memory_mb) for _ in range(workers)]

    # -- public API ---------------------------------------------------------------------------

    def run(self, query: str, *, media_type: str | Mapping[str, str | None],
            **options: Unpack[QueryOptions]) -> RawAnswer:
        """Check ``query``, run it and write its answer, in one worker within one time budget.

        ``media_type`` is the type to answer in, or the type chosen for each query form
        (``SELECT``, ``ASK``, ``CONSTRUCT``, ``DESCRIBE``; None or missing: the client accepts
        none, :class:`NotAcceptable`). The options are those of :class:`QueryOptions`.
        """
        chosen = (tuple((form, media_type) for form in ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE"))
                  if isinstance(media_type, str) else tuple(media_type.items()))
        answer: RawAnswer = self._ask(query, options, media_types=chosen, max_rows=self.max_rows,
                                      max_bytes=self.max_bytes)
        return answer

    def inspect(self, query: str, **options: Unpack[QueryOptions]) -> QueryInfo:
        """Only check ``query`` with :func:`inspect_query` in a worker, allowing the store's graphs."""
        info: QueryInfo = self._ask(query, options, check_only=True)
        return info

    def _ask(self, query: str, options: QueryOptions, **request: Any) -> Any:
        return self._call(_Request(query, options.get("max_length", sys.maxsize),
                                   tuple(options.get("default_graph_uris", ())),
                                   tuple(options.get("named_graph_uris", ())), options.get("base_iri"),
                                   version=options.get("version"), **request), options.get("client", ""))

    async def inspect_async(self, query: str, **kwargs: Any) -> QueryInfo:
        """:meth:`inspect` in a worker thread, so the event loop keeps serving."""
        return await anyio.to_thread.run_sync(lambda: self.inspect(query, **kwargs))

    async def run_async(self, query: str, **kwargs: Any) -> RawAnswer:
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

    def _call(self, request: _Request, client: str) -> Any:
        if len(request.text) > request.max_length:  # cheap, and spares sending a huge text
            raise QueryTooLong(f"the query is {len(request.text)} characters long; "
                               f"the limit is {request.max_length}")
        with self._gate.slot(client):
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
        if status == "ok":
            return payload
        if status == "notacceptable":
            raise NotAcceptable(payload)
        kind, message = payload
        error_class = getattr(errors, kind, None)
        if not (isinstance(error_class, type) and issubclass(error_class, ClaimgraphError)):
            error_class = BackendError
        raise error_class(message)

    def _exchange(self, worker: _Worker, request: _Request) -> Any:
        """Send one request and wait for the reply within the budget; a worker that overran, ran
        out of memory or died is replaced."""
        try:
            worker.wait_ready(self.startup_timeout_s)
            worker.conn.send(request)
            if not worker.conn.poll(self.timeout_s):
                worker.stop(kill=True)
                log.info("a /sparql query ran past %g s; its worker was replaced", self.timeout_s)
                raise QueryTimeout(f"the query took longer than {self.timeout_s:g} s (checking and running it) "
                                   "and was stopped")
            status, payload = worker.conn.recv()
            if status == "retire":  # the worker ran out of memory and exits: replace it
                worker.stop(kill=True)
                status, payload = "error", payload
            return status, payload
        except (EOFError, OSError):
            code = worker.stop(kill=True)
            if code == _ABORTED:
                log.info("a /sparql query went past the worker memory limit; its worker was replaced")
                raise QueryTooCostly(self._memory_message()) from None
            raise BackendError(f"the query worker stopped unexpectedly (exit code {code})") from None
        finally:
            if not worker.alive:
                worker.start()

    def _memory_message(self) -> str:
        return (f"the query needed more memory than a query may use ({self.memory_mb} MB) and was stopped; "
                "narrow it (fewer patterns joined, LIMIT inside, no DISTINCT or ORDER BY over everything)")


class _Worker:
    """One worker process and the parent's end of its pipe (restartable in place)."""

    def __init__(self, ctx: Any, opener: Callable[[], Backend], memory_mb: int | None) -> None:
        self._ctx, self._opener, self._memory_mb = ctx, opener, memory_mb
        self.start()

    def start(self) -> None:
        self.conn, child = self._ctx.Pipe(duplex=True)
        self.process = self._ctx.Process(target=worker_main, args=(child, self._opener, self._memory_mb),
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

    def stop(self, *, kill: bool = False) -> int | None:
        """Stop the process; its exit code (negative: the signal that ended it)."""
        if not self.alive:
            return self.process.exitcode
        self.alive = False
        if not kill:
            try:
                self.conn.send(None)
                self.process.join(2)
            except (OSError, ValueError):
                pass
        if kill or self.process.is_alive():
            self.process.kill()  # a worker that died already keeps the exit code it died with
        self.process.join(5)
        self.conn.close()
        return self.process.exitcode


# -- inside the worker process ----------------------------------------------------------------


def worker_main(conn: Connection, opener: Callable[[], Backend], memory_mb: int | None = None) -> None:
    """Entry point of a worker process: serve requests on ``conn`` until told to stop."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C in a terminal: the parent stops us
    # An allocation past the memory limit aborts the engine with one line on stderr; no backtrace.
    os.environ["RUST_BACKTRACE"] = "0"
    # rdflib logs a traceback for every ill-typed literal it parses: the guard refuses those
    # queries itself, with a message for the client, and the server log stays clean.
    logging.getLogger("rdflib.term").setLevel(logging.ERROR)
    sys.setrecursionlimit(_WORKER_RECURSION_LIMIT)
    threading.stack_size(_WORKER_STACK_BYTES)
    thread = threading.Thread(target=_serve, args=(conn, opener, memory_mb), name="sparql-worker")
    thread.start()
    thread.join()


def open_store(opener: Callable[[], Backend], memory_mb: int | None) -> Backend:
    """Open the store in a worker, then cap the worker's memory at ``memory_mb`` beyond what it
    holds with the store open (``RLIMIT_AS``). The one place a worker opens a store: call it again
    to open another version (the cap is lifted while the store opens, then set anew)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if soft != hard:
        resource.setrlimit(resource.RLIMIT_AS, (hard, hard))
    store = opener()
    if memory_mb is not None:
        limit = _address_space() + memory_mb * _MIB
        if limit and (hard == resource.RLIM_INFINITY or limit < hard):
            resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    return store


def _address_space() -> int:
    """This process's virtual memory size in bytes (0 where /proc does not tell)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _held(opener: Callable[[], Backend], version: str | None = None) -> Backend:
    """The store held on one version (the newest, or ``version``): a worker switches versions
    only through :func:`open_store`."""
    return opener().pin(version)


def _switch(old: Backend, new: Backend) -> Backend:
    """Answer from ``new`` from now on, and let go of ``old`` at once: objects of an earlier
    request (a parser's cached frames) may hold it, and would keep its version from being pruned."""
    old.close()
    return new


def _serve(conn: Connection, opener: Callable[[], Backend], memory_mb: int | None) -> None:
    try:
        store = open_store(functools.partial(_held, opener), memory_mb)
    except Exception as exc:  # noqa: BLE001 - reported to the parent
        conn.send(("fatal", str(exc)))
        return
    conn.send(("ready", None))
    known: list[Any] = [float("-inf"), set(), None]  # when the graphs were listed, which, of which version

    def store_graphs() -> set[str]:
        if time.monotonic() - known[0] > GRAPHS_TTL_S or known[2] != store.version():
            known[:] = [time.monotonic(), {g.value for g in store.graphs() if isinstance(g, ox.NamedNode)},
                        store.version()]
        return known[1]

    while True:
        try:
            while not conn.poll(IDLE_REFRESH_S):
                if store.stale():  # a new version is linked: let go of the old one
                    try:
                        store = _switch(store, open_store(functools.partial(_held, opener), memory_mb))
                    except ClaimgraphError as exc:
                        log.warning("a /sparql worker could not open the new store version: %s", exc)
            request = conn.recv()
        except (EOFError, OSError):  # the parent went away
            return
        if request is None:
            return
        try:
            if request.version is not None and request.version != store.version():
                try:
                    store = _switch(store, open_store(functools.partial(_held, opener, request.version), memory_mb))
                except ClaimgraphError as exc:
                    conn.send(("error", (type(exc).__name__, str(exc))))
                    continue
            conn.send(_answer(store, store_graphs, request))
        except MemoryError:
            # Past the memory limit: say so, and exit so that the parent starts a fresh worker.
            del request
            try:
                conn.send(("retire", ("QueryTooCostly", f"the query needed more memory than a query may use "
                                                       f"({memory_mb} MB) and was stopped")))
            finally:
                return


def _answer(store: Backend, store_graphs: Callable[[], set[str]], request: _Request) -> tuple[str, Any]:
    """One request: check the query, and run it unless only the check was asked for."""
    try:
        info = inspect_query(request.text, allowed_graphs=store_graphs, max_length=request.max_length,
                             default_graph_uris=request.default_graph_uris,
                             named_graph_uris=request.named_graph_uris, base_iri=request.base_iri)
        if request.check_only:
            return "ok", info
        chosen = dict(request.media_types).get(info.form)
        if chosen is None or chosen not in media_types(info.form):
            return "notacceptable", media_types(info.form)
        explicit = bool(request.default_graph_uris or request.named_graph_uris)
        dataset = QueryDataset(request.default_graph_uris, request.named_graph_uris) if explicit else None
        answer = store.sparql(request.text, form=info.form, media_type=chosen, dataset=dataset,
                              union_default_graph=not info.has_dataset, prefixes=info.prefixes,
                              max_rows=request.max_rows, max_bytes=request.max_bytes, base_iri=request.base_iri)
        return "ok", answer
    except ClaimgraphError as exc:
        return "error", (type(exc).__name__, str(exc))
    except SyntaxError as exc:  # pyoxigraph's parser disagreed with rdflib's
        return "error", ("QuerySyntaxError", f"syntax error: {exc}")
    except (RuntimeError, ValueError, TypeError) as exc:
        # The engine could not evaluate a query that parses (a feature or an argument it does
        # not support): the client's to change; its message, without Python's names.
        return "error", ("QueryFailed", f"the query cannot be evaluated: {exc}")
    except OSError as exc:
        log.warning("the store failed on a /sparql query: %s", exc)
        return "error", ("BackendError", "the store failed to answer; retry shortly")


__all__ = ["GRAPHS_TTL_S", "QueryForm", "QuerySandbox", "open_store", "worker_main"]
