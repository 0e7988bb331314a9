"""``GET /sparql`` for people: the YASGUI editor pointed at this endpoint, with the question
library as example queries.

Each example is a question's own query (``queries/questions/*.rq``, the ``#if`` blocks resolved)
with its example values in a ``VALUES`` line, written from RDF terms as the remote backends
write them (:func:`claimgraph.queries.store.binding.inject_values`): run as it stands, it answers the
question's example. YASGUI's class and property autocompleters are switched off (they call an
outside service); its prefix list is bundled.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from fastapi import Request
from fastapi.responses import Response

from claimgraph.api.deps import get_backend
from claimgraph.api.negotiation import choose
from claimgraph.api.web.render import Page, respond
from claimgraph.queries.catalog import catalog
from claimgraph.queries.run import prepare
from claimgraph.queries.store.binding import inject_values


@lru_cache(maxsize=4)
def examples(engine_backend: Any) -> list[dict[str, str]]:
    """``[{name, summary, query}]``: every question, with its example values bound."""
    found = []
    for question in catalog().values():
        given = {p.name: p.example for p in question.params if p.required and p.example}
        prepared = prepare(question, given, engine_backend)
        query = inject_values(prepared.query, prepared.bindings) if prepared.bindings else prepared.query
        values = ", ".join(f"{k} = {v}" for k, v in given.items())
        header = [f"# {question.name}: {question.summary}"]
        if values:
            header.append(f"# example values, bound in the VALUES line: {values}")
        header.append(f"# the same answer, laid out: GET /questions/{question.name}")
        found.append({"name": question.name, "summary": question.summary, "query": "\n".join(header) + "\n" + query})
    return found


def editor(request: Request) -> Response | None:
    """The editor, when the request asks for HTML by name; None otherwise."""
    if choose(request.headers.get("accept"), ("text/html",), exact=True) is None:
        return None
    base = request.app.state.settings.base_url
    return respond(request, Page("sparql.html", "SPARQL editor", {
        "examples": examples(get_backend(request)), "endpoint": (base + "sparql") if base else None}))
