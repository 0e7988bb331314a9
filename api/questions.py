"""`/questions`: the named questions as JSON (or CSV) endpoints, one route per ``.rq`` file.

Routes are generated from the question catalog, so each question's parameters appear, typed and
documented, in the OpenAPI page at ``/docs``.
"""

from __future__ import annotations

import csv
import inspect
import io
from typing import Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse, Response

from claimgraph.api.deps import BackendDep
from claimgraph.queries.catalog import Question, catalog
from claimgraph.queries.run import ask
from claimgraph.queries.shaping import flat

Format = Literal["json", "csv"]


def describe(question: Question) -> dict[str, Any]:
    return {
        "name": question.name, "summary": question.summary, "description": question.description,
        "path": f"/questions/{question.name}",
        "params": [{"name": p.name, "type": p.type, "description": p.description, "example": p.example,
                    "required": p.required} for p in question.params],
    }


def to_csv(rows: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    columns = list(dict.fromkeys(k for row in rows for k in row))
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def _endpoint(question: Question):
    def answer(backend: BackendDep, format: Format = "json", **params: str | None) -> Response:
        result = ask(question.name, {k: v for k, v in params.items() if v is not None}, backend)
        if format == "csv":
            return Response(to_csv(flat(question.shape, result.shaped)), media_type="text/csv; charset=utf-8")
        return JSONResponse(result.as_json())

    parameters = [
        inspect.Parameter("backend", inspect.Parameter.KEYWORD_ONLY, annotation=BackendDep),
        inspect.Parameter("format", inspect.Parameter.KEYWORD_ONLY, default=Query("json", description="json, or csv for spreadsheets"),
                          annotation=Format),
    ]
    for p in question.params:
        default = Query(... if p.required else None, description=p.description,
                        examples=[p.example] if p.example else None)
        parameters.append(inspect.Parameter(p.name, inspect.Parameter.KEYWORD_ONLY, default=default,
                                            annotation=str if p.required else str | None))

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
        r.add_api_route(f"/{q.name}", _endpoint(q), methods=["GET"], summary=q.summary, description=q.description,
                        responses={404: {"description": "an unknown slug"}, 400: {"description": "a malformed parameter"}})
    return r
