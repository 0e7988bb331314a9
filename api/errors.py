"""Domain errors to HTTP, in one place.

Every handler answers ``{"error": <kind>, "detail": <message>}`` so dashboards can show the
message as it is.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from claimgraph.ontology import errors as e

STATUS: list[tuple[type[e.ClaimgraphError], int]] = [
    (e.NotFound, 404),
    (e.ForbiddenQuery, 403),
    (e.QueryTooLong, 413),
    (e.QuerySyntaxError, 400),
    (e.ParameterError, 400),
    (e.InvalidInput, 400),
    (e.QueryTimeout, 503),
    (e.Busy, 503),
    (e.StoreMissing, 503),
    (e.StoreBusy, 503),
    (e.BackendError, 502),
    (e.ClaimgraphError, 500),
]


def status_for(exc: e.ClaimgraphError) -> int:
    return next(code for cls, code in STATUS if isinstance(exc, cls))


def kind_of(exc: e.ClaimgraphError) -> str:
    name = type(exc).__name__
    return "".join("-" + c.lower() if c.isupper() else c for c in name).lstrip("-")


async def _handle(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, e.ClaimgraphError)
    status = status_for(exc)
    headers = {"Retry-After": "5"} if status == 503 else None
    return JSONResponse({"error": kind_of(exc), "detail": str(exc)}, status_code=status, headers=headers)


def register(app: FastAPI) -> None:
    """Map every claimgraph error to its HTTP status on ``app``."""
    app.add_exception_handler(e.ClaimgraphError, _handle)
