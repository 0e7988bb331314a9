"""Domain errors to HTTP, in one place; and what the OpenAPI schema says about errors.

Every handler answers ``{"error": <kind>, "detail": <message>}`` so dashboards can show the
message as it is: claimgraph's own errors, FastAPI's request validation (400, as the CLI's exit
code 1; never echoing the value, which may be huge), and Starlette's 404 and 405. A message
names what is wrong without Python's internals.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from claimgraph.ontology import errors as e

STATUS: list[tuple[type[e.ClaimgraphError], int]] = [
    (e.NotFound, 404),
    (e.ForbiddenQuery, 403),
    (e.QueryTooLong, 413),
    (e.NotAcceptable, 406),
    (e.QueryTooCostly, 422),
    (e.TooManyRequests, 429),
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
#: The JSON every error answer is, as an OpenAPI component.
ERROR_SCHEMA = {"type": "object", "required": ["error", "detail"], "properties": {
    "error": {"type": "string", "description": "the kind of error, e.g. parameter-error"},
    "detail": {"type": "string", "description": "what went wrong, for a person"}}}
_ERROR_REF = {"$ref": "#/components/schemas/Error"}


def status_for(exc: e.ClaimgraphError) -> int:
    return next(code for cls, code in STATUS if isinstance(exc, cls))


def kind_of(exc: e.ClaimgraphError) -> str:
    name = type(exc).__name__
    return "".join("-" + c.lower() if c.isupper() else c for c in name).lstrip("-")


def error_doc(description: str) -> dict[str, Any]:
    """An error response for a route's ``responses``."""
    return {"description": description, "content": {"application/json": {"schema": _ERROR_REF}}}


def problem(status: int, kind: str, detail: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": kind, "detail": detail}, status_code=status, headers=headers)


async def _handle(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, e.ClaimgraphError)
    status = status_for(exc)
    headers = {"Retry-After": "5"} if status in (429, 503) else None
    return problem(status, kind_of(exc), str(exc), headers)


async def _invalid_request(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    problems = []
    for error in exc.errors():
        where = ".".join(str(part) for part in error.get("loc", ()) if part not in ("query", "path", "body"))
        problems.append(f"{where}: {error.get('msg', 'invalid')}" if where else str(error.get("msg", "invalid")))
    return problem(400, "parameter-error", "; ".join(problems) or "invalid request")


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    kinds = {404: "not-found", 405: "method-not-allowed"}
    detail = {404: f"no route {request.url.path[:100]}", 405: f"{request.method} is not allowed here"}
    return problem(exc.status_code, kinds.get(exc.status_code, "http-error"),
                   detail.get(exc.status_code, str(exc.detail)), dict(exc.headers or {}))


def register(app: FastAPI) -> None:
    """Map every claimgraph error, request validation and routing error to its HTTP answer on
    ``app``, and document 400 (rather than FastAPI's 422) for every operation."""
    app.add_exception_handler(e.ClaimgraphError, _handle)
    app.add_exception_handler(RequestValidationError, _invalid_request)
    app.add_exception_handler(HTTPException, _http_error)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(title=app.title, version=app.version, summary=app.summary,
                                 description=app.description, routes=app.routes)
            app.openapi_schema = document_errors(schema)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def document_errors(schema: dict[str, Any]) -> dict[str, Any]:
    """Every operation answers 400 for a malformed or unknown parameter, in the error shape;
    FastAPI's 422 and its validation schemas are not what the API answers."""
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            responses.pop("422", None)
            responses.setdefault("400", error_doc("A malformed, missing or unknown parameter."))
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    for name in ("HTTPValidationError", "ValidationError"):
        components.pop(name, None)
    components["Error"] = ERROR_SCHEMA
    return schema
