"""The analyst's web: the dashboard's pages, the SPARQL editor, and their static files.

Server-rendered pages (Jinja2 templates in ``templates/``), with small scripts of our own and
vendored libraries (``static/vendor/``, pinned, licences beside them; ``make vendor``). No page
loads anything from outside the server.
"""

from __future__ import annotations

from typing import Any

from starlette.staticfiles import StaticFiles
from starlette.types import Receive, Scope, Send

from claimgraph.api.web.render import STATIC


class Static(StaticFiles):
    """Static files with ``Cache-Control``: vendored files are versioned by their path, so they never change."""

    def __init__(self, *, max_age: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.max_age = max_age

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        immutable = scope.get("path", "").startswith("/vendor/") or "/vendor/" in scope.get("path", "")
        value = "public, max-age=31536000, immutable" if immutable else f"public, max-age={self.max_age}"

        async def with_cache_control(message: Any) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"cache-control", value.encode())]
            await send(message)

        await super().__call__(scope, receive, with_cache_control)


def install(app: Any, settings: Any) -> None:
    """The dashboard's routes and ``/static``."""
    from claimgraph.api.web import views
    app.include_router(views.router())
    app.mount("/static", Static(directory=STATIC, max_age=settings.cache_max_age), name="static")
