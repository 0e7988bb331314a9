"""`/questions`: the named questions as JSON (or CSV) endpoints, one route per ``.rq`` file.

Routes are generated from the question catalog, so each question's parameters appear, typed and
documented, in the OpenAPI page at ``/docs``; ``GET /questions`` lists them for dashboards.
Every answer is ``{question, params, count, total, limit, offset, results, ...}``: ``count`` is
the size of the page, ``total`` of the whole answer; some questions add summaries, and the network
answers ``nodes`` and ``edges`` instead of ``results``.
"""

from __future__ import annotations

import csv
import datetime as dt
import inspect
import io
from typing import Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse, Response

from claimgraph.api.deps import BackendDep
from claimgraph.queries.catalog import Param, Question, catalog
from claimgraph.queries.run import ask

Format = Literal["json", "csv"]


def describe_param(p: Param) -> dict[str, Any]:
    spec: dict[str, Any] = {"name": p.name, "type": p.type, "description": p.description, "example": p.example,
                            "required": p.required}
    for key in ("default", "minimum", "maximum"):
        if getattr(p, key) is not None:
            spec[key] = getattr(p, key)
    if p.choices:
        spec["choices"] = list(p.choices)
    if p.paging:
        spec["paging"] = True
    return spec


def describe(question: Question) -> dict[str, Any]:
    return {
        "name": question.name, "summary": question.summary, "description": question.description,
        "path": f"/questions/{question.name}", "layout": question.layout,
        "params": [describe_param(p) for p in question.all_params],
    }


def to_csv(rows: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    columns = list(dict.fromkeys(k for row in rows for k in row))
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def _annotation(p: Param) -> Any:
    """The Python type FastAPI validates and documents the parameter with."""
    base: Any = {"integer": int, "boolean": bool, "date": dt.date}.get(p.type, str)
    if p.type == "choice":
        base = Literal[p.choices]  # type: ignore[valid-type]
    return base if p.required else base | None


def _query(p: Param) -> Any:
    bounds = {"ge": p.minimum, "le": p.maximum} if p.type == "integer" else {}
    return Query(... if p.required else None, description=p.description + (
                 f" (default {p.default})" if p.default is not None else ""),
                 examples=[p.example] if p.example else None, **{k: v for k, v in bounds.items() if v is not None})


def _endpoint(question: Question):
    def answer(backend: BackendDep, format: Format = "json", **params: Any) -> Response:
        result = ask(question.name, {k: v for k, v in params.items() if v is not None}, backend)
        if format == "csv":
            return Response(to_csv(result.flat()), media_type="text/csv; charset=utf-8")
        return JSONResponse(result.as_json())

    parameters = [
        inspect.Parameter("backend", inspect.Parameter.KEYWORD_ONLY, annotation=BackendDep),
        inspect.Parameter("format", inspect.Parameter.KEYWORD_ONLY, default=Query("json", description="json, or csv for spreadsheets"),
                          annotation=Format),
    ]
    for p in question.all_params:
        parameters.append(inspect.Parameter(p.name, inspect.Parameter.KEYWORD_ONLY, default=_query(p),
                                            annotation=_annotation(p)))

    def endpoint(**kwargs: Any) -> Response:
        return answer(**kwargs)

    endpoint.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    endpoint.__name__ = "question_" + question.name.replace("-", "_")
    return endpoint


def router() -> APIRouter:
    r = APIRouter(prefix="/questions", tags=["questions"])

    @r.get("", summary="The questions this service answers, with their parameters")
    def list_questions() -> list[dict[str, Any]]:
        return [describe(q) for q in catalog().values()]

    for q in catalog().values():
        endpoint = _endpoint(q)
        r.add_api_route(f"/{q.name}", endpoint, methods=["GET"], summary=q.summary, description=q.description,
                        responses={404: {"description": "an unknown slug"}, 400: {"description": "a malformed parameter"}})
        for alias in q.aliases:  # old names keep answering, out of the listing and the docs
            r.add_api_route(f"/{alias}", endpoint, methods=["GET"], include_in_schema=False)
    return r
