"""Ask a named question: check and bind its parameters, run it on a backend, lay out the answer.

This is the one definition of each question that the CLI, the API and the benchmarks use:
:func:`prepare` turns the parameters a user typed into the question's SPARQL (its ``#if`` blocks
resolved), the RDF terms to bind, the options of its layout and the page; :func:`ask` runs that
through :meth:`Backend.select` and lays the rows out. Paging applies to the laid-out list, so an
answer says how many results there are in all (``total``) besides the page it holds (``count``);
a claim question whose layout allows it looks up full details for the page's claims only
(:mod:`claimgraph.queries.pages`), with the same answer.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import pyoxigraph as ox

from claimgraph import ontology
from claimgraph.ontology import iris
from claimgraph.ontology.folding import search_key
from claimgraph.queries.store import Backend
from claimgraph.queries import tallied, tally_store
from claimgraph.queries.catalog import TALLIED_BLOCK, DATE_PATTERN, MAX_SLUG, MAX_TEXT, PERIODS, SLUG_PATTERN, Param, Question, get
from claimgraph.queries.details import actor_slugs, actors, describe, with_details, with_sides
from claimgraph.ontology.errors import BackendError, NotFound, ParameterError
from claimgraph.queries.layouts import LAYOUTS, Whole
from claimgraph.queries.pages import build as build_page
from claimgraph.queries.pages import build_by_charge, pages_by_charge, pages_by_keys
from claimgraph.queries.terms import to_python

SLUG = re.compile(SLUG_PATTERN)
DATE = re.compile(DATE_PATTERN)
XSD = "http://www.w3.org/2001/XMLSchema#"
_PREFIX = f"PREFIX cg: <{ontology.NAMESPACE_IRI}>\n"
_EXISTS = {
    "default": _PREFIX + "ASK { ?entity cg:slug ?slug }",
    "outlet": _PREFIX + "ASK { ?entity cg:slug ?slug . { ?entity a cg:NewsOutlet } UNION { ?entity a cg:UnidentifiedOutlet } }",
}
_TRUE, _FALSE = {"true", "1", "yes", "on"}, {"false", "0", "no", "off"}


@dataclass(frozen=True)
class Prepared:
    """A question ready to run: the SPARQL, the terms to bind, the layout's options, the page."""

    question: Question
    query: str
    bindings: dict[str, ox.NamedNode | ox.Literal]
    options: dict[str, Any]
    params: dict[str, Any]
    limit: int
    offset: int
    slugs: tuple[tuple[Param, str, ox.NamedNode | ox.Literal], ...] = ()  # checked by check_slugs
    tallied: bool = False  # counts from the store's tallies (claimgraph.queries.tallied), its query without them


@dataclass(frozen=True)
class Answer:
    question: Question
    params: dict[str, Any]
    variables: list[str]
    rows: list[dict[str, Any]]
    options: dict[str, Any] = field(default_factory=dict)
    limit: int | None = None
    offset: int = 0
    actors: dict[str, dict[str, Any]] = field(default_factory=dict)  # who the named actors are, by slug
    built: Whole | None = None  # laid out already, the page's records in full (claimgraph.queries.pages)

    @cached_property
    def whole(self) -> Whole:
        """The whole laid-out answer, before paging, every actor it names described (kind, role,
        affiliations)."""
        if self.built is not None:
            return self.built
        layout = LAYOUTS[self.question.layout]
        whole = layout.build(self.rows, **self.options, **({"actors": self.actors} if layout.uses_actors else {}))
        describe(whole.items, self.actors)
        describe(whole.extra, self.actors)
        return whole

    @property
    def total(self) -> int:
        whole = self.whole
        return len(whole.items) if whole.total is None else whole.total

    @property
    def page(self) -> list[dict[str, Any]]:
        """The page of laid-out results."""
        whole = self.whole
        start = self.offset - whole.start
        return whole.items[start:None if self.limit is None else start + self.limit]

    @property
    def extra(self) -> dict[str, Any]:
        """Summaries of the whole answer (for a network, the nodes the page's edges touch; for a
        speaker with those affiliated, the same page of their claims)."""
        layout = LAYOUTS[self.question.layout]
        whole = self.whole
        return layout.page_extra(whole, self.offset - whole.start, self.limit) if layout.page_extra else whole.extra

    def flat(self) -> list[dict[str, Any]]:
        """The page as flat rows, for tables and CSV."""
        return LAYOUTS[self.question.layout].flat(self.page)

    def as_json(self) -> dict[str, Any]:
        page = self.page
        return {"question": self.question.name, "params": self.params, "count": len(page), "total": self.total,
                "limit": self.limit, "offset": self.offset, **self.extra, self.whole.key: page}


def _iri(param: Param, value: str) -> ox.NamedNode:
    if param.type == "article":
        return ox.NamedNode(str(iris.article(value)))
    kind = "actor" if param.type == "outlet" else param.type
    return ox.NamedNode(str(iris.entity(kind, value)))  # type: ignore[arg-type]


def _hint(param: Param) -> str:
    return f" (e.g. {param.example})" if param.example else ""


def shown(value: Any, width: int = 60) -> str:
    """A user's value as it goes into a message: quoted, and cut short when long."""
    text = str(value)
    return repr(text) if len(text) <= width else repr(text[:width]) + f"... ({len(text)} characters)"


def convert(question: Question, param: Param, value: Any) -> Any:
    """A user's value (text, or already typed by the API) as the Python value of its type."""
    text = str(value).strip() if not isinstance(value, bool | int | dt.date) else value
    if param.type == "integer":
        try:
            number = int(text)
        except (TypeError, ValueError):
            raise ParameterError(f"{param.name} {shown(value)} is not a whole number{_hint(param)}") from None
        if param.minimum is not None and number < param.minimum:
            raise ParameterError(f"{param.name} must be at least {param.minimum}, not {number}")
        if param.maximum is not None and number > param.maximum:
            raise ParameterError(f"{param.name} must be at most {param.maximum}, not {number}")
        return number
    if param.type == "boolean":
        if isinstance(text, bool):
            return text
        if str(text).lower() in _TRUE | _FALSE:
            return str(text).lower() in _TRUE
        raise ParameterError(f"{param.name} {shown(value)} is not true or false")
    if param.type == "date":
        if isinstance(text, dt.date):
            return text.isoformat()
        try:
            if not DATE.match(str(text)):
                raise ValueError
            return dt.date.fromisoformat(str(text)).isoformat()
        except ValueError:
            raise ParameterError(f"{param.name} {shown(value)} is not a date (YYYY-MM-DD){_hint(param)}") from None
    if param.type == "choice":
        if text not in param.choices:
            raise ParameterError(f"{param.name} {shown(value)} is not one of: {', '.join(param.choices)}")
        return text
    if param.type == "iri":
        try:
            return ox.NamedNode(str(text)).value
        except ValueError:
            raise ParameterError(f"{param.name} {value!r} is not an IRI") from None
    if param.type == "text":
        if len(str(text)) > MAX_TEXT:
            raise ParameterError(f"{param.name} is longer than {MAX_TEXT} characters")
        if not str(text).strip():
            raise ParameterError(f"{param.name} is blank{_hint(param)}")
        return str(value)
    if len(str(text)) > MAX_SLUG or not SLUG.match(str(text)):
        raise ParameterError(f"{param.name} {shown(value)} is not a slug (lowercase letters, digits and hyphens, "
                             f"at most {MAX_SLUG}{', e.g. ' + param.example if param.example else ''})")
    return text


def _term(param: Param, value: Any) -> ox.NamedNode | ox.Literal:
    if param.type == "integer":
        return ox.Literal(str(value), datatype=ox.NamedNode(XSD + "integer"))
    if param.type == "boolean":
        return ox.Literal("true" if value else "false", datatype=ox.NamedNode(XSD + "boolean"))
    if param.type == "date":
        return ox.Literal(value, datatype=ox.NamedNode(XSD + "date"))
    if param.type in ("text", "choice"):
        return ox.Literal(search_key(value) if param.fold else value)
    if param.type == "iri":
        return ox.NamedNode(value)
    return _iri(param, value)


def prepare(question: Question | str, params: Mapping[str, Any], backend: Backend, *, tallies: bool = True
            ) -> Prepared:
    """Check every parameter: malformed values raise ParameterError; unknown slugs raise NotFound
    when the question is run (:func:`check_slugs`). ``tallies=False``: the question's own query
    whole, even where the store keeps tallies it could read (what a server runs)."""
    question = get(question) if isinstance(question, str) else question
    names = {p.name for p in question.all_params}
    unknown = sorted(set(params) - names)
    if unknown:
        raise ParameterError(f"{question.name} takes no parameter {', '.join(map(shown, unknown))}; "
                             f"its parameters are: {', '.join(p.name for p in question.all_params)}")
    bindings: dict[str, ox.NamedNode | ox.Literal] = {}
    options: dict[str, Any] = {}
    given: dict[str, Any] = {}
    slugs: list[tuple[Param, str, ox.NamedNode | ox.Literal]] = []
    for param in question.all_params:
        raw = params.get(param.name)
        if isinstance(raw, str) and not raw.strip() and param.name in params:
            # Given, but empty: a mistake (an empty slug, date or number), not "leave it out".
            raise ParameterError(f"{param.name} is empty; give a value{_hint(param)}, or leave it out")
        if raw is None or raw == "":
            if param.required:
                raise ParameterError(f"{question.name} needs {param.option}: {param.description}{_hint(param)}")
            if param.default is None:
                continue
            value = param.default
        else:
            value = convert(question, param, raw)
            given[param.name] = value
        if param.paging:
            options[param.name] = value
        elif not param.bind:
            options[param.name] = value
        else:
            term = _term(param, value)
            if param.type in ("event", "actor", "outlet", "place", "article"):
                slugs.append((param, value, term))
            bindings[param.name] = term
    for first, last in PERIODS:
        if first in given and last in given and given[first] > given[last]:
            raise ParameterError(f"{first} ({given[first]}) is after {last} ({given[last]}): no day is in that period")
    limit, offset = options.pop("limit"), options.pop("offset")
    # A boolean parameter's `#if` block holds when it is true: `related=false` is as if not given.
    holding = [name for name, term in bindings.items()
               if not (question.param(name).type == "boolean" and term.value == "false")]
    tallied = tallies and question.tallied and backend.side_file(tally_store.FILE) is not None
    if tallied:
        holding.append(TALLIED_BLOCK)
    return Prepared(question, question.query(holding), bindings, options, given, limit, offset, tuple(slugs),
                    tallied)


def check_slugs(prepared: Prepared, backend: Backend) -> None:
    """Raise NotFound for the first slug parameter that names nothing (of its kind) in the store.

    Asked only when an answer is empty: every slug parameter is anchored in the required part of
    its question, so an unknown slug always gives an empty answer, and a found answer needs no
    check (two queries fewer per request)."""
    for param, value, term in prepared.slugs:
        check = _EXISTS["outlet" if param.type == "outlet" else "default"]
        if not backend.ask(check, {"entity": term}):
            raise NotFound(f"no {param.type} with slug {shown(value)}")


def fetch_rows(prepared: Prepared, backend: Backend, found: tuple[list[str], list[dict[str, Any]]] | None = None
               ) -> tuple[list[str], list[dict[str, Any]]]:
    """The question's own queries, run on the backend: its variables and rows, not laid out.

    A question with ``details: claims`` finds its claims, then looks them up by IRI
    (:mod:`claimgraph.queries.details`); its rows then carry the details' columns too. ``found``:
    the question's own rows (:func:`question_rows`), when they were asked for already.
    """
    variables, plain = found or question_rows(prepared, backend)
    if prepared.question.details:
        plain = (with_details if prepared.question.details == "claims" else with_sides)(plain, backend)
        variables = list(dict.fromkeys([*variables, *(k for row in plain for k in row)]))
    return variables, plain


def fetch(prepared: Prepared, backend: Backend, found: tuple[list[str], list[dict[str, Any]]] | None = None
          ) -> tuple[list[str], list[dict[str, Any]], dict[str, dict[str, Any]]]:
    """Every query the question needs, run on the backend: its rows (:func:`fetch_rows`), then who
    the actors its rows name are (by slug), so that every answer shows each one's role and
    affiliation."""
    variables, plain = fetch_rows(prepared, backend, found)
    rollup = LAYOUTS[prepared.question.layout].uses_actors  # layouts that roll actors up to states
    return variables, plain, actors(actor_slugs(plain), backend, rollup=rollup)


def question_rows(prepared: Prepared, backend: Backend) -> tuple[list[str], list[dict[str, Any]]]:
    """The question's own query (which claims, for a claim question), its rows as Python values;
    NotFound for an unknown slug when there are none."""
    if prepared.tallied and prepared.question.layout == "search":
        with _tallies(prepared, backend) as tallies:
            names = tallied.search_rows(prepared, tallies)
        if names is not None:
            return list(tallied.SEARCH_VARIABLES), names
    variables, rows = backend.select(prepared.query, prepared.bindings)
    if not rows:
        check_slugs(prepared, backend)
    plain = [{k: to_python(v) for k, v in row.items()} for row in rows]
    if prepared.tallied and prepared.question.layout == "timeline":
        with _tallies(prepared, backend) as tallies:
            plain = tallied.fill_timeline(plain, tallies, offset=prepared.offset, limit=prepared.limit)
    return variables, plain


def _tallies(prepared: Prepared, backend: Backend) -> tally_store.Tallies:
    found = tally_store.tallies_of(backend)
    if found is None:  # the store moved to a version without tallies since the question was prepared
        raise BackendError(f"the store's tallies, which {prepared.question.name} was prepared to read, are gone; ask again")
    return found


def run(prepared: Prepared, backend: Backend) -> Answer:
    """The answer. A claim question whose layout pages by keys, with more claims than a page,
    looks the full details up for the page's claims only (:mod:`claimgraph.queries.pages`); the
    others, the whole answer's."""
    if prepared.tallied and prepared.question.layout in tallied.PAGED:
        with _tallies(prepared, backend) as tallies:
            built = None
            if tallied.answers(prepared, tallies):
                build = tallied.claims if prepared.question.layout in tallied.ANCHORS else \
                    getattr(tallied, prepared.question.layout)
                built = build(prepared, backend, tallies)
        if built is not None:
            if not built.total:
                check_slugs(prepared, backend)
            return Answer(prepared.question, prepared.params, [], [], prepared.options, prepared.limit,
                          prepared.offset, built=built)
    found = None
    if pages_by_charge(prepared):
        found = question_rows(prepared, backend)
        if len({row["charge"] for row in found[1]}) > prepared.limit:
            return Answer(prepared.question, prepared.params, found[0], found[1], prepared.options,
                          prepared.limit, prepared.offset, built=build_by_charge(prepared, backend, found[1]))
    if pages_by_keys(prepared):
        found = question_rows(prepared, backend)
        if len({row.get("claim") for row in found[1]}) > prepared.limit:
            built = build_page(prepared, backend, found[1])
            if built is not None:
                return Answer(prepared.question, prepared.params, found[0], found[1], prepared.options,
                              prepared.limit, prepared.offset, built=built)
    variables, rows, cards = fetch(prepared, backend, found)
    return Answer(prepared.question, prepared.params, variables, rows, prepared.options,
                  prepared.limit, prepared.offset, cards)


def ask(name: str, params: Mapping[str, Any], backend: Backend) -> Answer:
    """Answer the named question with these parameters (strings, as a user typed them)."""
    return run(prepare(name, params, backend), backend)


__all__ = ["Answer", "NotFound", "Prepared", "ask", "fetch", "fetch_rows", "prepare", "run"]
