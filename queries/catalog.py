"""The named questions: one ``.rq`` file each in ``questions/``, with declared parameters.

A question file starts with ``#+`` comment lines holding YAML (``docs/decisions/0011-questions-as-rq-files.md``):
``summary``, ``description``, ``params`` (name -> type, description, example, ...), ``layout``
(how the CLI and the API lay the rows out, :mod:`claimgraph.queries.layouts`; ``shape`` is its
older name, still read) and optionally ``aliases`` (old names that still
answer) and ``details`` (``claims``: the rows' ``?claim`` are then looked up by
``parts/claim-details.rq``; ``pairs``: both ``?a`` and ``?b``; see :mod:`claimgraph.queries.details`). The SPARQL below uses each query parameter as a variable of the same name; values are
bound as RDF terms at run time, never pasted into the text.

Rules for the SPARQL of a question, so that every backend gives the same answer:

- A query parameter is a *projected* variable (Oxigraph substitutes only those), used in the
  required part of the query (triple patterns, or FILTERs on them), never tested with
  ``BOUND()`` (a substituted variable is a constant there) and never only inside a subquery.
- An optional query parameter is used only inside ``#if NAME`` ... ``#end`` blocks: the lines
  between are dropped when the parameter is not given (``#if !NAME``: kept only when it is not
  given; ``#if a !b``: all must hold; blocks do not nest). A boolean parameter counts as given
  only when it is true (``related=false`` drops its ``#if related`` blocks). The blocks are SPARQL
  comments, so the file as it stands still parses.
- A question with ``tallied: true`` (``timeline``, ``network``, ``contradictions``, ``articles``,
  ``event-claims``, ``speaker``, ``outlet``, ``accusations``, ``corroboration``, ``search``) reads its counts
  from the store's tallies where the store keeps them (:mod:`claimgraph.queries.tally`): its ``#if !tallied``
  blocks, what the tallies replace, are then dropped; on a server they stay.
- Parameters with ``bind: false`` are not in the query: the layout step applies them to the
  answer (a filter on the laid-out list). ``limit`` and ``offset`` are such parameters, added to
  every question: answers are paged after the layout, and say how many results there are in all.

Parameter types: ``event``, ``actor``, ``outlet``, ``place``, ``article`` (slugs, bound as the
entity's IRI once its existence is checked), ``text`` (a literal), ``integer`` (``minimum``,
``maximum``, ``default``), ``boolean``, ``date`` (ISO ``YYYY-MM-DD``, bound as ``xsd:date``) and
``choice`` (one of ``choices``, bound as a literal) and ``iri`` (an absolute IRI, bound as a named node;
used by the queries behind resource pages, ``resources/``).

>>> q = catalog()["attributions"]
>>> [p.name for p in q.params]
['event', 'actor']
>>> q.params[0].type, q.params[0].example
('event', 'azal-crash')
>>> [(p.name, p.default, p.maximum) for p in q.paging]
[('limit', 100, 1000), ('offset', 0, None)]
>>> get("speaker-claims").name
'speaker'
>>> q.params[0].schema()["pattern"], q.paging[0].schema()
('^[a-z0-9]+(?:-[a-z0-9]+)*$', {'type': 'integer', 'minimum': 1, 'maximum': 1000})

What a parameter accepts is said once, by :meth:`Param.schema` (a JSON Schema): the API documents
it in OpenAPI and :func:`claimgraph.queries.run.convert` enforces it, with the same messages for
the CLI and the API. A question's ``since`` and ``until`` dates bound a period: ``since`` may
not be after ``until`` (:data:`PERIODS`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml

from claimgraph.ontology.errors import NotFound

QUESTIONS_DIR = Path(__file__).parent / "questions"
ParamType = Literal["event", "actor", "outlet", "place", "article", "text", "integer", "boolean", "date", "choice",
                    "iri"]
PARAM_TYPES: tuple[str, ...] = ("event", "actor", "outlet", "place", "article", "text", "integer", "boolean",
                                "date", "choice", "iri")
SLUG_TYPES: tuple[str, ...] = ("event", "actor", "outlet", "place", "article")
LAYOUTS = ("rows", "claims", "attributions", "accusations", "event-claims", "speaker", "outlet", "contradictions",
           "corroboration", "timeline", "network", "search", "articles")
DEFAULT_LIMIT, MAX_LIMIT = 100, 1000
#: A slug: lowercase letters and digits, in words joined by single hyphens; and its longest form.
SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
MAX_SLUG = 120
#: The longest text parameter, and what a text parameter must contain (something not blank).
MAX_TEXT = 200
TEXT_PATTERN = r"\S"
DATE_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
#: Pairs of date parameters that bound a period: the first may not be after the second.
PERIODS: tuple[tuple[str, str], ...] = (("since", "until"),)
_HEADER_KEYS = {"summary", "description", "params", "layout", "shape", "aliases", "details", "tallied"}
#: The layouts that can read their counts from the store's tallies (:mod:`claimgraph.queries.tallied`).
TALLIED = ("timeline", "network", "contradictions", "articles", "event-claims", "speaker", "outlet",
           "accusations", "corroboration", "search")
#: The ``#if`` name that holds when the store's tallies answer: ``#if !tallied`` blocks are what they replace.
TALLIED_BLOCK = "tallied"
DETAILS = ("claims", "pairs")
_PARAM_KEYS = {"type", "description", "example", "required", "default", "minimum", "maximum", "choices", "bind",
               "fold"}
_IF = re.compile(r"^\s*#if((?:\s+!?[A-Za-z_][A-Za-z0-9_]*)+)\s*$")
_END = re.compile(r"^\s*#end\s*$")


@dataclass(frozen=True)
class Param:
    name: str
    type: ParamType
    description: str
    example: str | None = None
    required: bool = True
    default: Any = None
    minimum: int | None = None
    maximum: int | None = None
    choices: tuple[str, ...] = ()
    bind: bool = True          # bound into the SPARQL (True) or applied to the laid-out answer (False)
    paging: bool = False       # limit / offset, common to every question
    fold: bool = False         # text bound folded for search, as cg:searchKey is (claimgraph.ontology.folding)

    @property
    def option(self) -> str:
        """The command-line option: ``--only-single-outlet`` for ``only_single_outlet``."""
        return "--" + self.name.replace("_", "-")

    def schema(self) -> dict[str, Any]:
        """What the parameter accepts, as JSON Schema (the one statement of it; see the module)."""
        if self.type in SLUG_TYPES:
            return {"type": "string", "pattern": SLUG_PATTERN, "maxLength": MAX_SLUG}
        if self.type == "text":
            return {"type": "string", "minLength": 1, "maxLength": MAX_TEXT, "pattern": TEXT_PATTERN}
        if self.type == "date":
            return {"type": "string", "format": "date", "pattern": DATE_PATTERN}
        if self.type == "integer":
            bounds = {"minimum": self.minimum, "maximum": self.maximum}
            return {"type": "integer", **{k: v for k, v in bounds.items() if v is not None}}
        if self.type == "boolean":
            return {"type": "boolean"}
        return {"type": "string", "enum": list(self.choices)}


PAGING: tuple[Param, ...] = (
    Param("limit", "integer", f"how many results to return (at most {MAX_LIMIT})", str(DEFAULT_LIMIT),
          required=False, default=DEFAULT_LIMIT, minimum=1, maximum=MAX_LIMIT, bind=False, paging=True),
    Param("offset", "integer", "how many results to skip, for the next page", "0",
          required=False, default=0, minimum=0, bind=False, paging=True),
)


@dataclass(frozen=True)
class Question:
    name: str
    summary: str
    description: str
    params: tuple[Param, ...]
    layout: str
    sparql: str
    path: Path
    aliases: tuple[str, ...] = ()
    paging: tuple[Param, ...] = field(default=PAGING)
    details: str | None = None  # the rows' claims (?claim; "pairs": ?a and ?b) are looked up by parts/claim-details.rq
    tallied: bool = False  # counts read from the store's tallies where it keeps them (queries/tally.py)

    @property
    def all_params(self) -> tuple[Param, ...]:
        """The question's own parameters, then ``limit`` and ``offset``."""
        return (*self.params, *self.paging)

    def param(self, name: str) -> Param | None:
        return next((p for p in self.all_params if p.name == name), None)

    def query(self, given: Iterable[str] = ()) -> str:
        """The SPARQL for these given parameters: each ``#if`` block kept only when it holds.

        Comment lines (the header, the explanations) are left out: what goes to a server is the
        query alone (SPARQLWrapper, for one, guesses a query's form from words in its comments).
        """
        present = set(given)
        kept, skipping = [], False
        for line in self.sparql.splitlines():
            if (m := _IF.match(line)) and not skipping:
                skipping = not _holds(m.group(1), present)
                continue
            if _END.match(line):
                skipping = False
                continue
            if not skipping and not line.lstrip().startswith("#") and line.strip():
                kept.append(line)
        return "\n".join(kept) + "\n"


def _holds(condition: str, present: set[str]) -> bool:
    """``#if a !b``: every name without ``!`` is given and every name with ``!`` is not."""
    return all((name[1:] not in present) if name.startswith("!") else (name in present)
               for name in condition.split())


def _projection(text: str) -> str:
    """The text between SELECT and the WHERE (or the first ``{``) of the query."""
    body = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    match = re.search(r"\bSELECT\b(.*?)(\bWHERE\b|\{)", body, re.IGNORECASE | re.DOTALL)
    return match.group(1) if match else ""


def _param(path: Path, name: str, spec: dict[str, Any]) -> Param:
    unknown = set(spec) - _PARAM_KEYS
    if unknown:
        raise ValueError(f"{path}: parameter {name!r} has unknown keys {sorted(unknown)}")
    if spec.get("type") not in PARAM_TYPES:
        raise ValueError(f"{path}: parameter {name!r} has type {spec.get('type')!r}, not one of {PARAM_TYPES}")
    if name in {p.name for p in PAGING} or name == "format":
        raise ValueError(f"{path}: parameter name {name!r} is reserved")
    choices = tuple(spec.get("choices") or ())
    if (spec["type"] == "choice") != bool(choices):
        raise ValueError(f"{path}: parameter {name!r}: `choices` go with type choice, and only with it")
    example = spec.get("example")
    return Param(name, spec["type"], " ".join(str(spec.get("description", "")).split()),
                 None if example is None else str(example), spec.get("required", True), spec.get("default"),
                 spec.get("minimum"), spec.get("maximum"), choices, spec.get("bind", True), fold=spec.get("fold", False))


def parse_question(path: Path) -> Question:
    """Read one ``.rq`` file; a malformed header is a programming error and fails loudly."""
    text = path.read_text(encoding="utf-8")
    header = "\n".join(line[3:] if line.startswith("#+ ") else line[2:]
                       for line in text.splitlines() if line.startswith("#+"))
    meta = yaml.safe_load(header) or {}
    unknown = set(meta) - _HEADER_KEYS
    if unknown:
        raise ValueError(f"{path}: unknown header keys {sorted(unknown)}")
    params = tuple(_param(path, name, spec or {}) for name, spec in (meta.get("params") or {}).items())
    projected = set(re.findall(r"\?([A-Za-z_][A-Za-z0-9_]*)", _projection(text)))
    conditions = [m.group(1).split() for line in text.splitlines() if (m := _IF.match(line))]
    if len(conditions) != len(re.findall(r"^\s*#end\s*$", text, re.MULTILINE)):
        raise ValueError(f"{path}: every `#if NAME` needs its `#end` (blocks do not nest)")
    blocks = {name for names in conditions for name in names if not name.startswith("!")}
    for p in params:
        if not p.bind:
            continue
        if p.name not in projected:
            # Oxigraph binds a value only to a projected variable (SPARQL SEP-0007 substitution).
            raise ValueError(f"{path}: parameter {p.name!r} must be projected: SELECT ?{p.name} ...")
        if not p.required and p.name not in blocks:
            raise ValueError(f"{path}: optional parameter {p.name!r} must be used inside `#if {p.name}` blocks")
    tallied = bool(meta.get("tallied", False))
    layout = meta.get("layout", meta.get("shape", "rows"))
    if tallied and layout not in TALLIED:
        raise ValueError(f"{path}: `tallied` goes with the layouts {TALLIED}, not {layout!r}")
    for name in {name.lstrip("!") for names in conditions for name in names}:
        if tallied and name == TALLIED_BLOCK:
            continue
        if not any(p.name == name and not p.required and p.bind for p in params):
            raise ValueError(f"{path}: `#if {name}` names no optional query parameter")
    if "layout" in meta and "shape" in meta:
        raise ValueError(f"{path}: give `layout`, not also its older name `shape`")
    layout = meta.get("layout", meta.get("shape", "rows"))
    if layout not in LAYOUTS:
        raise ValueError(f"{path}: layout {layout!r} is not one of {LAYOUTS}")
    details = meta.get("details")
    needs = {"claims": {"claim"}, "pairs": {"a", "b"}}
    if details is not None and (details not in DETAILS or not needs[details] <= projected):
        raise ValueError(f"{path}: `details` is `claims` (with a projected ?claim) or `pairs` (?a and ?b)")
    return Question(path.stem, meta["summary"], " ".join(str(meta.get("description", "")).split()),
                    params, layout, text, path, tuple(meta.get("aliases") or ()), details=details, tallied=tallied)


@lru_cache(maxsize=1)
def catalog() -> dict[str, Question]:
    """Every question, by name (the file name without ``.rq``), in alphabetical order."""
    return {q.name: q for q in map(parse_question, sorted(QUESTIONS_DIR.glob("*.rq")))}


@lru_cache(maxsize=1)
def aliases() -> dict[str, str]:
    """Old names that still answer: alias -> question name."""
    return {alias: q.name for q in catalog().values() for alias in q.aliases}


def get(name: str) -> Question:
    questions = catalog()
    try:
        return questions[aliases().get(name, name)]
    except KeyError:
        raise NotFound(f"no question named {name!r}; the questions are: {', '.join(questions)}") from None
