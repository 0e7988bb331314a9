"""Ask a named question: check and bind its parameters, run it on a backend, shape the answer.

This is the one definition of each question that both the CLI and the API use.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox

from claimgraph.ingest import iris
from claimgraph.queries.backends import Backend
from claimgraph.queries.catalog import Param, Question, get
from claimgraph.queries.errors import NotFound, ParameterError
from claimgraph.queries.shaping import SHAPERS
from claimgraph.queries.terms import to_python

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MAX_TEXT = 200
_EXISTS = "PREFIX cg: <https://w3id.org/claimgraph/ontology#> ASK { ?entity cg:slug ?slug }"


@dataclass(frozen=True)
class Answer:
    question: Question
    params: dict[str, str]
    variables: list[str]
    rows: list[dict[str, Any]]

    @property
    def shaped(self) -> list[dict[str, Any]]:
        return SHAPERS[self.question.shape](self.rows)

    def as_json(self) -> dict[str, Any]:
        results = self.shaped
        return {"question": self.question.name, "params": self.params, "count": len(results), "results": results}


def _iri(param: Param, value: str) -> ox.NamedNode:
    if param.type == "article":
        return ox.NamedNode(str(iris.article(value)))
    return ox.NamedNode(str(iris.entity(param.type, value)))  # type: ignore[arg-type]


def bind(question: Question, params: Mapping[str, str], backend: Backend) -> dict[str, ox.NamedNode | ox.Literal]:
    """Check every parameter and turn it into an RDF term; unknown slugs raise NotFound."""
    unknown = sorted(set(params) - {p.name for p in question.params})
    if unknown:
        raise ParameterError(f"{question.name} takes no parameter {', '.join(map(repr, unknown))}; "
                             f"its parameters are: {', '.join(p.name for p in question.params) or 'none'}")
    bound: dict[str, ox.NamedNode | ox.Literal] = {}
    for param in question.params:
        value = params.get(param.name)
        if value is None or value == "":
            if param.required:
                raise ParameterError(f"{question.name} needs --{param.name}: {param.description}"
                                     + (f" (e.g. {param.example})" if param.example else ""))
            continue
        if param.type == "text":
            if len(value) > MAX_TEXT:
                raise ParameterError(f"{param.name} is longer than {MAX_TEXT} characters")
            bound[param.name] = ox.Literal(value)
            continue
        if not SLUG.match(value):
            raise ParameterError(f"{param.name} {value!r} is not a slug (lowercase letters, digits and hyphens, "
                                 f"e.g. {param.example})")
        term = _iri(param, value)
        if not backend.ask(_EXISTS, {"entity": term}):
            raise NotFound(f"no {param.type} with slug {value!r}")
        bound[param.name] = term
    return bound


def ask(name: str, params: Mapping[str, str], backend: Backend) -> Answer:
    """Answer the named question with these parameters (strings, as a user typed them)."""
    question = get(name)
    bound = bind(question, params, backend)
    variables, rows = backend.select(question.sparql, bound)
    plain = [{k: to_python(v) for k, v in row.items()} for row in rows]
    return Answer(question, {k: v for k, v in params.items() if v not in (None, "")}, variables, plain)


__all__ = ["Answer", "NotFound", "ask", "bind"]
