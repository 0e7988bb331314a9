"""Run untrusted SPARQL queries on any store under a hard time limit, for ``/sparql``.

pyoxigraph has no per-query timeout, so a query that runs too long cannot be cancelled inside the
API process (``docs/decisions/0005-sparql-security.md``). The sandbox therefore keeps a small
pool of worker processes (``multiprocessing`` spawn context). Each worker opens the store once
through the store interface (:meth:`~claimgraph.queries.store.base.Backend.opener`: the embedded
store read-only, so no update can ever be applied through it; a server through its query
endpoint only) and answers two kinds of request:

* **inspect**: :func:`claimgraph.queries.guard.inspect_query` on the text, with the store's own
  graphs as the allowed ``FROM`` targets, and, on a store that runs extension functions (a
  server: Virtuoso's ``bif:``), :func:`~claimgraph.queries.guard.refuse_extension_functions`.
  rdflib's grammar recurses deeply, so the check runs in a thread with a large stack and
  recursion limit, which is safe in a disposable worker and would not be in the API process;
  and a pathological parse is bounded like a query.
* **run**: check the query again the same way (the sandbox never executes a query that did not
  pass the guard, whoever calls it), then :meth:`~claimgraph.queries.store.base.Backend.sparql`:
  the answer capped at ``max_rows`` rows or triples (``truncated`` says so) and written by
  pyoxigraph.

The parent waits for the answer at most ``timeout_s``; on expiry it kills that worker, starts a
replacement and raises :class:`QueryTimeout`. A semaphore caps concurrency at the number of
workers; a caller that cannot get a worker within ``queue_timeout_s`` gets :class:`Busy`. A
worker that dies (crash, out of memory) is replaced too and the caller gets
:class:`BackendError`.

Queries without ``FROM`` run on the union of the named graphs (one named graph per article). A
query with ``FROM``/``FROM NAMED`` runs on the dataset it names; protocol
``default-graph-uri``/``named-graph-uri`` override both.

A worker follows the store's versions: each request may name the store version it is pinned to
(``version``; the API passes the one its request pinned, so ``/sparql`` and ``/questions`` answer
from the same version), and the worker answers from that version; an idle worker moves to the
newest version every :data:`IDLE_REFRESH_S` seconds, letting go of the old one. The graphs a worker
allows are looked up again every :data:`GRAPHS_TTL_S` seconds or when the version changes
(publishing may add graphs to a server).
"""

from __future__ import annotations

import multiprocessing
import signal
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from multiprocessing.connection import Connection
from typing import Any

import anyio.to_thread
import pyoxigraph as ox

from claimgraph.ontology import errors
from claimgraph.ontology.errors import BackendError, Busy, ClaimgraphError, QueryTimeout, StoreMissing
from claimgraph.queries.guard import QueryForm, QueryInfo, inspect_query, refuse_extension_functions
from claimgraph.queries.store import Backend, QueryDataset, RawAnswer
from claimgraph.queries.store.formats import media_types

_WORKER_STACK_BYTES = 512 * 1024 * 1024  # virtual; only touched pages cost memory
_WORKER_RECURSION_LIMIT = 50_000
#: Seconds a worker trusts its list of the store's graphs (publishing may add graphs to a server).
GRAPHS_TTL_S = 30.0
#: Seconds between an idle worker's checks for a new store version.
IDLE_REFRESH_S = 1.0


class QuerySandbox:
    """A pool of worker processes that run untrusted queries on ``backend`` under a hard time limit.

    Thread-safe; use :meth:`run_async` / :meth:`inspect_async` from async code.
    """

    def __init__(
        self,
        backend: Backend,
        *,
        workers: int = 2,
        timeout_s: float = 10.0,
        max_rows: int = 10_000,
        queue_timeout_s: float = 2.0,
        startup_timeout_s: float = 60.0,
    ) -> None:
        if workers < 1 or max_rows < 1 or timeout_s <= 0:
            raise ValueError("workers and max_rows must be at least 1 and timeout_s positive")
        self.opener = backend.opener()
        self.workers = workers
        self.timeout_s = timeout_s
        self.max_rows = max_rows
        self.queue_timeout_s = queue_timeout_s
        self.startup_timeout_s = startup_timeout_s
        self._ctx = multiprocessing.get_context("spawn")
        self._slots = threading.BoundedSemaphore(workers)
        self._lock = threading.Lock()
        self._closed = False
        self._idle: list[_Worker] = [_Worker(self._ctx, self.opener) for _ in range(workers)]

    # -- public API ---------------------------------------------------------------------------

    def inspect(
        self,
        query: str,
        *,
        max_length: int,
        default_graph_uris: Sequence[str] = (),
        named_graph_uris: Sequence[str] = (),
        version: str | None = None,
    ) -> QueryInfo:
        """Check ``query`` with :func:`inspect_query` in a worker, allowing the graphs of the
        store (of its version ``version`` when given)."""
        if len(query) > max_length:  # cheap, and spares sending a huge text
            inspect_query(query, max_length=max_length)
        request = ("inspect", query, max_length, tuple(default_graph_uris), tuple(named_graph_uris), version)
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
        version: str | None = None,
    ) -> RawAnswer:
        """Check and execute ``query`` (a ``form`` query) and serialize its answer as ``media_type``.

        ``default_graphs`` / ``named_graphs`` (either given, the other then empty) set the
        dataset explicitly; otherwise ``union_default_graph`` says whether the default graph is
        the union of all graphs (pass False when the query has its own FROM clauses).
        ``prefixes`` are used by the Turtle serializer. ``version``: answer from that version of
        the store (None: the newest).
        """
        if media_type not in media_types(form):
            raise ValueError(f"{media_type} is not a media type for {form} answers")
        explicit = default_graphs is not None or named_graphs is not None
        dataset = QueryDataset(tuple(default_graphs or ()), tuple(named_graphs or ())) if explicit else None
        request = ("run", query, form, media_type, dataset, union_default_graph, dict(prefixes or {}),
                   self.max_rows, version)
        answer: RawAnswer = self._call(request)
        return answer

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

    def __init__(self, ctx: Any, opener: Callable[[], Backend]) -> None:
        self._ctx, self._opener = ctx, opener
        self.start()

    def start(self) -> None:
        self.conn, child = self._ctx.Pipe(duplex=True)
        self.process = self._ctx.Process(target=worker_main, args=(child, self._opener),
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


def worker_main(conn: Connection, opener: Callable[[], Backend]) -> None:
    """Entry point of a worker process: serve requests on ``conn`` until told to stop."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C in a terminal: the parent stops us
    sys.setrecursionlimit(_WORKER_RECURSION_LIMIT)
    threading.stack_size(_WORKER_STACK_BYTES)
    thread = threading.Thread(target=_serve, args=(conn, opener), name="sparql-worker")
    thread.start()
    thread.join()


def _serve(conn: Connection, opener: Callable[[], Backend]) -> None:
    try:
        newest = opener()
    except Exception as exc:  # noqa: BLE001 - reported to the parent
        conn.send(("fatal", str(exc)))
        return
    conn.send(("ready", None))
    store = newest
    known: list[Any] = [float("-inf"), set(), None]  # when the graphs were listed, which, of which version

    def store_graphs() -> set[str]:
        if time.monotonic() - known[0] > GRAPHS_TTL_S or known[2] != store.version():
            known[:] = [time.monotonic(), {g.value for g in store.graphs() if isinstance(g, ox.NamedNode)},
                        store.version()]
        return known[1]

    def check(text: str, max_length: int, default_uris: Sequence[str], named_uris: Sequence[str]) -> QueryInfo:
        info = inspect_query(text, allowed_graphs=store_graphs, max_length=max_length,
                             default_graph_uris=default_uris, named_graph_uris=named_uris)
        if store.runs_extension_functions:
            refuse_extension_functions(text)
        return info

    while True:
        try:
            while not conn.poll(IDLE_REFRESH_S):
                newest.refresh()  # let go of an old version while idle
            request = conn.recv()
        except (EOFError, OSError):  # the parent went away
            return
        if request is None:
            return
        try:
            store = newest.pin(request[-1])  # the version the request is pinned to
            request = request[:-1]
            if request[0] == "inspect":
                _, text, max_length, default_uris, named_uris = request
                reply: Any = check(text, max_length, default_uris, named_uris)
            else:
                _, text, form, media_type, dataset, union, prefixes, max_rows = request
                checked = check(text, sys.maxsize, dataset.default_graphs if dataset else (),
                                dataset.named_graphs if dataset else ())
                if checked.form != form:
                    raise BackendError(f"the query's form is {checked.form}, not {form}")
                reply = store.sparql(text, form=form, media_type=media_type, dataset=dataset,
                                     union_default_graph=union, prefixes=prefixes, max_rows=max_rows)
            conn.send(("ok", reply))
        except ClaimgraphError as exc:
            conn.send(("error", (type(exc).__name__, str(exc))))
        except SyntaxError as exc:  # pyoxigraph's parser disagreed with rdflib's
            conn.send(("error", ("QuerySyntaxError", f"syntax error: {exc}")))
        except Exception as exc:  # noqa: BLE001 - reported to the parent
            conn.send(("error", ("BackendError", f"{type(exc).__name__}: {exc}")))
        store = newest  # let go of the request's version
