"""``GET /export?format=trig|nquads|jsonld|schema`` and ``GET /context.jsonld``.

The export streams one named graph (or one claim) at a time; see ``claimgraph.queries.export``
for what each format holds. An unknown format is a 400 that lists the formats.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import chain
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse, StreamingResponse
from starlette.concurrency import run_in_threadpool

from claimgraph.api.deps import BackendDep
from claimgraph.api.errors import error_doc
from claimgraph.queries.export import CONTEXT_URL, FORMATS, context, export, get_format

_FORMAT_HELP = "; ".join(f"`{f.name}`: {f.summary}" for f in FORMATS.values())


def router() -> APIRouter:
    r = APIRouter(tags=["export"])

    @r.get("/export", summary="The whole graph as TriG, N-Quads, JSON-LD or a schema.org Claim view",
           response_class=StreamingResponse,
           responses={200: {"content": {f.media_type: {"schema": {}} for f in FORMATS.values()}},
                      400: error_doc("an unknown format; the message lists the formats")})
    async def export_graph(backend: BackendDep,
                           format: Annotated[str, Query(description=_FORMAT_HELP, examples=list(FORMATS),
                                                        json_schema_extra={"enum": list(FORMATS)})] = "trig",
                           ) -> StreamingResponse:
        chosen = get_format(format)  # a ParameterError (400) before anything is sent
        chunks = export(backend, chosen.name)
        # The first chunk is computed here, so that a failing store is an error status, not a cut stream.
        first = await run_in_threadpool(next, chunks, b"")
        body: Iterator[bytes] = chain([first], chunks)
        headers = {"Content-Disposition": f'attachment; filename="claimgraph.{chosen.extension}"'}
        if chosen.name == "jsonld":
            headers["Link"] = f'<{CONTEXT_URL}>; rel="http://www.w3.org/ns/json-ld#context"; type="application/ld+json"'
        return StreamingResponse(body, media_type=chosen.media_type, headers=headers)

    @r.get("/context.jsonld", summary="The JSON-LD context of the JSON-LD export",
           response_class=JSONResponse, responses={200: {"content": {"application/ld+json": {}}}})
    def jsonld_context() -> JSONResponse:
        return JSONResponse(context(), media_type="application/ld+json")

    return r
