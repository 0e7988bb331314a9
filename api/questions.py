"""`/questions`: the named questions as JSON (or CSV) endpoints, one route per ``.rq`` file.

Routes are generated from the question catalog, so each question's parameters appear, typed and
documented, in the OpenAPI page at ``/docs``; ``GET /questions`` lists them for dashboards. What a
parameter accepts comes from :meth:`~claimgraph.queries.catalog.Param.schema`, the same rules
the CLI checks (:func:`~claimgraph.queries.run.convert` enforces them for both, with one set of
messages): FastAPI passes the text on, and the schema documents it.
Every answer is ``{question, params, count, total, limit, offset, results, ...}``: ``count`` is
the size of the page, ``total`` of the whole answer; some questions add summaries, and the network
answers ``nodes`` and ``edges`` instead of ``results``.
"""

from __future__ import annotations

import csv
import inspect
import io
from typing import Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response

from claimgraph.api.deps import BackendDep, QuestionLimitsDep
from claimgraph.api.errors import error_doc
from claimgraph.queries.catalog import Param, Question, catalog
from claimgraph.queries.ready import ready_answer, render_json
from claimgraph.queries.run import prepare, run

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


def _query(p: Param) -> Any:
    """The parameter as FastAPI receives it (text, checked by the question) and documents it."""
    schema = p.schema()
    return Query(... if p.required else None, description=p.description + (
                 f" (default {p.default})" if p.default is not None else ""),
                 examples=[p.example] if p.example else None, json_schema_extra=schema)


#: What a question answers, for the OpenAPI schema: JSON, or CSV with ``format=csv``.
RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "The answer: JSON, or CSV for spreadsheets with `format=csv`.",
          "content": {"application/json": {"schema": {"type": "object"}},
                      "text/csv": {"schema": {"type": "string"}}}},
    404: error_doc("A slug that names nothing of its kind in the store."),
    503: error_doc("The answer took longer than the time limit (the question finishes in the background), or "
                   "too many questions are being answered at once: retry shortly."),
}


def _endpoint(question: Question):
    def answer(backend: BackendDep, limits: QuestionLimitsDep, format: Format = "json", **params: Any) -> Response:
        given = {k: v for k, v in params.items() if v is not None}
        if format == "csv":
            return Response(to_csv(limits.answer(question.name, given, backend, csv=True)),
                            media_type="text/csv; charset=utf-8")
        prepared = prepare(question, given, backend)
        body = ready_answer(prepared, backend)  # made at ingest, if it was
        if body is None:
            body = render_json(limits.run(lambda: run(prepared, backend).as_json(), what=question.name))
        return Response(body, media_type="application/json")

    parameters = [
        inspect.Parameter("backend", inspect.Parameter.KEYWORD_ONLY, annotation=BackendDep),
        inspect.Parameter("limits", inspect.Parameter.KEYWORD_ONLY, annotation=QuestionLimitsDep),
        inspect.Parameter("format", inspect.Parameter.KEYWORD_ONLY, default=Query("json", description="json, or csv for spreadsheets"),
                          annotation=Format),
    ]
    for p in question.all_params:
        # Any: the text as sent, and the schema exactly p.schema() (no "or null" added for optional ones)
        parameters.append(inspect.Parameter(p.name, inspect.Parameter.KEYWORD_ONLY, default=_query(p),
                                            annotation=Any))

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
                        response_class=Response, responses=RESPONSES)
        for alias in q.aliases:  # old names keep answering, out of the listing and the docs
            r.add_api_route(f"/{alias}", endpoint, methods=["GET"], include_in_schema=False)
    return r
