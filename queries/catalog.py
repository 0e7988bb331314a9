"""The named questions: one ``.rq`` file each in ``questions/``, with declared parameters.

A question file starts with ``#+`` comment lines holding YAML (the convention of grlc):
``summary``, ``description``, ``params`` (name -> type, description, example) and ``shape`` (how
the CLI and the API present the rows). The SPARQL below uses each parameter as a variable of the
same name; values are bound as RDF terms at run time, never pasted into the text.

>>> q = catalog()["attributions"]
>>> [p.name for p in q.params]
['event', 'actor']
>>> q.params[0].type, q.params[0].example
('event', 'azal-crash')
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml

from claimgraph.queries.errors import NotFound

QUESTIONS_DIR = Path(__file__).parent / "questions"
ParamType = Literal["event", "actor", "place", "article", "text"]
PARAM_TYPES: tuple[str, ...] = ("event", "actor", "place", "article", "text")
SHAPES = ("rows", "claims", "attributions")


@dataclass(frozen=True)
class Param:
    name: str
    type: ParamType
    description: str
    example: str | None = None
    required: bool = True


@dataclass(frozen=True)
class Question:
    name: str
    summary: str
    description: str
    params: tuple[Param, ...]
    shape: str
    sparql: str
    path: Path


def parse_question(path: Path) -> Question:
    """Read one ``.rq`` file; a malformed header is a programming error and fails loudly."""
    text = path.read_text(encoding="utf-8")
    header = "\n".join(line[3:] if line.startswith("#+ ") else line[2:]
                       for line in text.splitlines() if line.startswith("#+"))
    meta = yaml.safe_load(header) or {}
    unknown = set(meta) - {"summary", "description", "params", "shape"}
    if unknown:
        raise ValueError(f"{path}: unknown header keys {sorted(unknown)}")
    params = []
    for name, spec in (meta.get("params") or {}).items():
        if spec.get("type") not in PARAM_TYPES:
            raise ValueError(f"{path}: parameter {name!r} has type {spec.get('type')!r}, not one of {PARAM_TYPES}")
        select = next((line for line in text.splitlines() if line.lstrip().upper().startswith("SELECT")), "")
        if f"?{name} " not in select + " ":
            # Oxigraph binds a value only to a projected variable (SPARQL SEP-0007 substitution).
            raise ValueError(f"{path}: parameter {name!r} must be projected: SELECT ?{name} ...")
        params.append(Param(name, spec["type"], spec.get("description", ""), spec.get("example"),
                            spec.get("required", True)))
    shape = meta.get("shape", "rows")
    if shape not in SHAPES:
        raise ValueError(f"{path}: shape {shape!r} is not one of {SHAPES}")
    return Question(path.stem, meta["summary"], " ".join(str(meta.get("description", "")).split()),
                    tuple(params), shape, text, path)


@lru_cache(maxsize=1)
def catalog() -> dict[str, Question]:
    """Every question, by name (the file name without ``.rq``), in alphabetical order."""
    return {q.name: q for q in map(parse_question, sorted(QUESTIONS_DIR.glob("*.rq")))}


def get(name: str) -> Question:
    try:
        return catalog()[name]
    except KeyError:
        raise NotFound(f"no question named {name!r}; the questions are: {', '.join(catalog())}") from None
