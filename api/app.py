"""The FastAPI application factory.

The store is opened when the app starts (its lifespan), not when it is built:

>>> from pathlib import Path
>>> app = create_app(Settings(store=Path("data/store")))
>>> "/questions/attributions" in app.openapi()["paths"]
True
"""

from __future__ import annotations

import asyncio
import gc
from contextlib import asynccontextmanager
from typing import Any

import anyio.to_thread
from fastapi import Depends, FastAPI
from fastapi.responses import Response
from starlette.routing import Match

from claimgraph.api import dataset, errors, export, http_cache, linked_data, ontology_docs, questions, web
from claimgraph.api.clients import quiet_server_log
from claimgraph.api.dataset import description_for
from claimgraph.api.deps import BackendDep, refuse_unknown_parameters
from claimgraph.api.question_limits import QuestionLimits
from claimgraph.api.sparql_protocol import TRUNCATED_HEADER, sparql_router
from claimgraph.api.web.sparql_page import editor
from claimgraph.queries.catalog import catalog
from claimgraph.queries.sandbox import QuerySandbox
from claimgraph.queries.settings import Settings, get_settings
from claimgraph.queries.store import GRAPH_PREFIX, Backend, open_backend


async def _follow(backend: Backend, every_s: float = 1.0) -> None:
    """Move the app's store to a newly linked version even while no request comes, so that the
    old one is let go and can be pruned (requests follow on their own: one ``readlink`` each)."""
    while True:
        await asyncio.sleep(every_s)
        try:
            await anyio.to_thread.run_sync(backend.refresh)
        except Exception:  # noqa: BLE001 - the next request reports a store that fails
            pass


def create_app(settings: Settings | None = None, *, backend: Backend | None = None,
               freeze: bool = False) -> FastAPI:
    """Build the API. Settings default to the environment; tests pass a backend of their own.

    ``freeze`` (``claimgraph serve``: the process is the server): once the store is open and the
    question catalog read, what the process holds for its life is moved out of the garbage
    collector's sight (:func:`gc.freeze`). Each full collection would otherwise walk it all:
    building a corroboration page at 100k claims took 16 ms more every other time."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        quiet_server_log()
        app.state.backend = backend or open_backend(settings)
        if freeze:
            catalog()
            gc.collect()
            gc.freeze()
        app.state.sandbox = None
        app.state.questions = QuestionLimits(workers=settings.question_workers, timeout_s=settings.question_timeout,
                                             queue_timeout_s=settings.question_queue_timeout)
        follower = asyncio.create_task(_follow(app.state.backend))
        try:
            yield
        finally:
            follower.cancel()
            if app.state.sandbox is not None:
                app.state.sandbox.close()
            app.state.questions.close()
            app.state.backend.close()

    app = FastAPI(
        title="claimgraph",
        summary="Who claims what about which event, in their own voice or by reporting someone else.",
        version="0.1.0",
        lifespan=lifespan,
        dependencies=[Depends(refuse_unknown_parameters)],
    )
    app.state.settings = settings
    errors.register(app)
    app.include_router(questions.router())
    app.include_router(ontology_docs.router(settings.docs_dir))
    app.include_router(export.router())
    app.include_router(linked_data.router())
    app.include_router(dataset.router())
    web.install(app, settings)
    _sparql(app, settings)
    app.add_middleware(AnswerOptions)
    http_cache.install(app, settings)
    _cors(app, settings)

    @app.get("/health", tags=["service"], summary="Is the service up, on which store, and which version of it")
    def health(backend: BackendDep) -> dict[str, Any]:
        # The registry graph, not any graph: a shared server (Virtuoso) has graphs of its own.
        ok = backend.ask(f"ASK {{ GRAPH <{GRAPH_PREFIX}registry> {{ ?s ?p ?o }} }}")
        return {"status": "ok" if ok else "empty", **backend.describe(), "version": backend.version()}

    return app


class AnswerOptions:
    """``OPTIONS`` on any route: 204 with ``Allow`` listing each method its path takes (Starlette
    alone answers 405 naming only the first route's methods: ``OPTIONS /sparql`` left out POST).
    A CORS preflight is answered before it gets here; a path no route takes goes on to the 404."""

    METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["method"] == "OPTIONS":
            allowed = {method for method in self.METHODS if self._takes(scope, method)}
            if "GET" in allowed and not scope["path"].startswith(http_cache.UNCACHED):
                allowed.add("HEAD")  # the cache answers HEAD as the GET (api/http_cache.py)
            if allowed:
                response = Response(status_code=204, headers={"Allow": ", ".join(sorted(allowed | {"OPTIONS"}))})
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)

    @staticmethod
    def _takes(scope: Any, method: str) -> bool:
        probe = {**scope, "method": method}
        return any(route.matches(probe)[0] == Match.FULL for route in scope["app"].router.routes)


def _cors(app: FastAPI, settings: Settings) -> None:
    """CORS for dashboards on other origins: the API is read-only, so any origin by default, never
    with credentials; ``ETag`` and the truncation header are readable by scripts."""
    if not settings.cors_origins:
        return
    from starlette.middleware.cors import CORSMiddleware

    app.add_middleware(CORSMiddleware, allow_origins=list(settings.cors_origins), allow_credentials=False,
                       allow_methods=["GET", "HEAD", "POST", "OPTIONS"],
                       allow_headers=["Accept", "Content-Type", "If-None-Match", "Cache-Control"],
                       expose_headers=["ETag", "Link", "Content-Location", TRUNCATED_HEADER], max_age=600)


def _sparql(app: FastAPI, settings: Settings) -> None:
    """Mount the read-only SPARQL 1.1 Protocol endpoint; queries run in a sandbox of worker
    processes over the app's store, whichever it is."""

    def get_sandbox() -> QuerySandbox:
        if app.state.sandbox is None:
            app.state.sandbox = sandbox_for(app.state.backend, settings)
        return app.state.sandbox

    app.include_router(sparql_router(get_sandbox, max_query_length=settings.max_query_length,
                                     send_timeout=settings.sparql_send_timeout,
                                     client_requests=settings.sparql_client_requests,
                                     max_requests=settings.sparql_max_requests,
                                     without_query=(editor, description_for)))


def sandbox_for(backend: Backend, settings: Settings) -> QuerySandbox:
    """The `/sparql` sandbox over ``backend``, with every limit from the settings."""
    return QuerySandbox(backend, workers=settings.sparql_workers, timeout_s=settings.query_timeout,
                        max_rows=settings.max_rows, max_bytes=settings.sparql_max_answer_bytes,
                        memory_mb=settings.sparql_worker_memory, client_workers=settings.sparql_client_workers,
                        queue_timeout_s=settings.sparql_queue_timeout)
