"""Every named question gives the same answer on the embedded store, the Oxigraph server and Virtuoso.

The cases are generated from the catalog as it is, so a question added to ``queries/questions/``
is covered without touching this file: each question is asked with its parameters' examples, then
with each parameter varied in turn over values taken from the real corpus (and a slug that does
not exist, whose NotFound must match too), plus a second page. Answers must be identical: the
same rows in the same order, the same values (numbers, dates, booleans, language tags).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from claimgraph.queries.catalog import catalog
from claimgraph.ontology.errors import ClaimgraphError
from claimgraph.queries.run import ask

pytestmark = pytest.mark.slow

CORPUS = Path(__file__).resolve().parents[2] / "corpus"

#: Values tried for text parameters: plain, upper case, non-ASCII (Azerbaijani, Russian, accents),
#: no match, and text that would break a query pasted into it (it is bound, so it just matches nothing).
TEXTS = ["moscow", "BAKU", "Kreml", "bakı", "Azərbaycan", "Москва", "türkiye", "a", "zzz-nothing",
         '"} ; DROP ALL #', "\\u0022 }", "it's"]
MISSING = "no-such-slug"


def _registry() -> dict[str, list[dict[str, Any]]]:
    entries: dict[str, list[dict[str, Any]]] = {"actors": [], "events": [], "places": []}
    for path in sorted((CORPUS / "registry").glob("*.yaml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for key in entries:
            entries[key].extend(doc.get(key) or [])
    return entries


def _slugs_by_type() -> dict[str, list[str]]:
    registry = _registry()
    actors = registry["actors"]
    first_of_kind: list[str] = []
    seen: set[str] = set()
    for actor in actors:
        if actor.get("kind") not in seen:
            seen.add(actor.get("kind"))
            first_of_kind.append(actor["slug"])
    outlets = [a["slug"] for a in actors if a.get("kind") == "news-outlet"]
    articles = sorted(p.stem for p in (CORPUS / "articles").glob("*.yaml"))
    return {
        "actor": ["russia", "azerbaijan", *first_of_kind, "russian-air-defence", MISSING],
        "outlet": [*outlets, MISSING],
        "event": ["azal-crash", *[e["slug"] for e in registry["events"][:4]], MISSING],
        "place": [*[p["slug"] for p in registry["places"][:3]], MISSING],
        "article": [*articles, MISSING],
    }


def _values(param: Any, slugs: dict[str, list[str]]) -> list[str]:
    kind = param.type
    if kind in slugs:
        return slugs[kind]
    if kind == "text":
        return TEXTS
    if kind == "integer":
        candidates = [getattr(param, "minimum", None), getattr(param, "default", None), getattr(param, "maximum", None)]
        return [str(v) for v in candidates if v is not None]
    if kind == "boolean":
        return ["true", "false"]
    if kind == "date":
        return ["2024-12-25", "2025-01-01", "2025-06-30"]
    if kind == "choice":
        return list(getattr(param, "choices", ()) or ())
    return []


def _param_sets(question: Any, slugs: dict[str, list[str]]) -> Iterator[dict[str, str]]:
    own = list(question.params)
    base = {}
    for p in own:
        value = p.example if p.example is not None else next(iter(_values(p, slugs)), None)
        if value is not None and (p.required or p.example is not None):
            base[p.name] = str(value)
    yield base
    required_only = {k: v for k, v in base.items() if next(p for p in own if p.name == k).required}
    if required_only != base:
        yield required_only
    for p in own:
        for value in _values(p, slugs):
            if value != base.get(p.name):
                yield {**base, p.name: value}
    names = {p.name for p in getattr(question, "all_params", question.params)}
    if {"limit", "offset"} <= names:
        yield {**base, "limit": "2", "offset": "1"}


def _cases() -> Iterator[Any]:
    slugs = _slugs_by_type()
    for name, question in catalog().items():
        seen = []
        for params in _param_sets(question, slugs):
            if params in seen:
                continue
            seen.append(params)
            label = ",".join(f"{k}={v}" for k, v in params.items())
            yield pytest.param(name, params, id=f"{name}:{label}")


CASES = list(_cases())


def answer(name: str, params: dict[str, str], backend: Any) -> Any:
    """The JSON answer, or the error (its type and message) when the question refuses."""
    try:
        return ask(name, params, backend).as_json()
    except ClaimgraphError as exc:
        return {"error": type(exc).__name__, "detail": str(exc)}


@pytest.fixture(scope="session")
def embedded_answers() -> dict[str, Any]:
    return {}


@pytest.fixture(scope="session")
def timed_out() -> dict[tuple[str, str], str]:
    """(engine, question) -> the first timeout: later cases of that question on that engine fail
    at once instead of each waiting out the time limit (the suite stays within CI's time)."""
    return {}


@pytest.mark.parametrize(("name", "params"), CASES)
def test_same_answer_as_embedded(name: str, params: dict[str, str], remote: Any, backend: Any,
                                 embedded_answers: dict[str, Any], timed_out: dict[tuple[str, str], str]) -> None:
    key = repr((name, sorted(params.items())))
    if key not in embedded_answers:
        embedded_answers[key] = answer(name, params, backend)
    expected = embedded_answers[key]
    if (remote.kind, name) in timed_out:
        pytest.fail(f"{name} already ran past the time limit on {remote.kind}: {timed_out[remote.kind, name]}",
                    pytrace=False)
    got = answer(name, params, remote)
    if isinstance(got, dict) and got.get("error") == "QueryTimeout":
        timed_out[remote.kind, name] = f"{params}: {got['detail']}"
    if got != expected:
        pytest.fail(f"{remote.kind} differs from the embedded store for {name} {params}:\n"
                    + _first_difference(expected, got), pytrace=False)


def test_the_cases_cover_every_question() -> None:
    assert {case.values[0] for case in CASES} == set(catalog())
    assert len(CASES) >= 2 * len(catalog())


def _first_difference(expected: Any, got: Any, path: str = "") -> str:
    if type(expected) is not type(got):
        return f"at {path or 'top'}: expected {expected!r:.300}, got {got!r:.300}"
    if isinstance(expected, dict):
        for key in dict.fromkeys([*expected, *got]):
            if expected.get(key, KeyError) != got.get(key, KeyError):
                return _first_difference(expected.get(key), got.get(key), f"{path}.{key}")
    if isinstance(expected, list):
        if len(expected) != len(got):
            return f"at {path}: {len(expected)} items expected, {len(got)} got"
        for i, (a, b) in enumerate(zip(expected, got)):
            if a != b:
                return _first_difference(a, b, f"{path}[{i}]")
    return f"at {path or 'top'}: expected {expected!r:.300}, got {got!r:.300}"
