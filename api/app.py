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

from fastapi import FastAPI

from claimgraph.api import errors, export, ontology_docs, questions
from claimgraph.api.deps import BackendDep
from claimgraph.api.sparql_protocol import sparql_router
from claimgraph.queries.sandbox import QuerySandbox
from claimgraph.queries.settings import Settings, get_settings
from claimgraph.queries.store import GRAPH_PREFIX, Backend, open_backend


def create_app(settings: Settings | None = None, *, backend: Backend | None = None) -> FastAPI:
    """Build the API. Settings default to the environment; tests pass a backend of their own."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
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
    )
    app.state.settings = settings
    errors.register(app)
    app.include_router(questions.router())
    app.include_router(ontology_docs.router(settings.docs_dir))
    app.include_router(export.router())
    _sparql(app, settings)

    @app.get("/health", tags=["service"], summary="Is the service up, on which store, and which version of it")
    def health(backend: BackendDep) -> dict[str, Any]:
        # The registry graph, not any graph: a shared server (Virtuoso) has graphs of its own.
        ok = backend.ask(f"ASK {{ GRAPH <{GRAPH_PREFIX}registry> {{ ?s ?p ?o }} }}")
        return {"status": "ok" if ok else "empty", **backend.describe(), "version": backend.version()}

    return app


def _sparql(app: FastAPI, settings: Settings) -> None:
    """Mount the read-only SPARQL 1.1 Protocol endpoint; queries run in a sandbox of worker
    processes over the app's store, whichever it is."""

    def get_sandbox() -> QuerySandbox:
        if app.state.sandbox is None:
            app.state.sandbox = QuerySandbox(app.state.backend, workers=settings.sparql_workers,
                                             timeout_s=settings.query_timeout, max_rows=settings.max_rows)
        return app.state.sandbox

    app.include_router(sparql_router(get_sandbox, max_query_length=settings.max_query_length))
