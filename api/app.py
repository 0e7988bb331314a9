"""The FastAPI application factory.

The store is opened when the app starts (its lifespan), not when it is built:

>>> from pathlib import Path
>>> app = create_app(Settings(store=Path("data/store")))
>>> "/questions/attributions" in app.openapi()["paths"]
True
"""

from __future__ import annotations

from contextlib import asynccontextmanager
from typing import Any

from fastapi import Depends, FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.responses import Response

from claimgraph.api import errors, export, ontology_docs, questions
from claimgraph.api.clients import quiet_server_log
from claimgraph.api.deps import BackendDep, refuse_unknown_parameters
from claimgraph.api.sparql_protocol import sparql_router
from claimgraph.queries.sandbox import QuerySandbox
from claimgraph.queries.settings import Settings, get_settings
from claimgraph.queries.store import GRAPH_PREFIX, Backend, open_backend


def create_app(settings: Settings | None = None, *, backend: Backend | None = None) -> FastAPI:
    """Build the API. Settings default to the environment; tests pass a backend of their own."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        quiet_server_log()
        app.state.backend = backend or open_backend(settings)
        app.state.sandbox = None
        try:
            yield
        finally:
            if app.state.sandbox is not None:
                app.state.sandbox.close()
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
    _sparql(app, settings)

    @app.get("/health", tags=["service"], summary="Is the service up, and on which store")
    def health(backend: BackendDep) -> dict[str, Any]:
        # The registry graph, not any graph: a shared server (Virtuoso) has graphs of its own.
        ok = backend.ask(f"ASK {{ GRAPH <{GRAPH_PREFIX}registry> {{ ?s ?p ?o }} }}")
        return {"status": "ok" if ok else "empty", **backend.describe()}

    answer_options(app)
    return app


def answer_options(app: FastAPI) -> None:
    """``OPTIONS`` on every documented route: 204 with ``Allow`` listing each method its path
    takes (Starlette alone names only the first route's methods: ``OPTIONS /sparql`` would leave
    out POST). Call it once every route is in place."""
    paths = get_openapi(title=app.title, version=app.version, routes=app.routes)["paths"]
    for path, operations in paths.items():
        methods = {method.upper() for method in operations} | {"OPTIONS"}
        if "GET" in methods:
            methods.add("HEAD")
        app.add_api_route(path, _options(", ".join(sorted(methods))), methods=["OPTIONS"], include_in_schema=False)


def _options(allow: str):
    def options() -> Response:
        return Response(status_code=204, headers={"Allow": allow})
    return options


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
                                     max_requests=settings.sparql_max_requests))


def sandbox_for(backend: Backend, settings: Settings) -> QuerySandbox:
    """The `/sparql` sandbox over ``backend``, with every limit from the settings."""
    return QuerySandbox(backend, workers=settings.sparql_workers, timeout_s=settings.query_timeout,
                        max_rows=settings.max_rows, max_bytes=settings.sparql_max_answer_bytes,
                        memory_mb=settings.sparql_worker_memory, client_workers=settings.sparql_client_workers,
                        queue_timeout_s=settings.sparql_queue_timeout)
