"""Answers kept ready with each version: the JSON of a few named questions, computed once when the
version is made and read from a file beside it (setting ``CLAIMGRAPH_READY_ANSWERS``).

An answer is a pure function of (store version, question, parameters), and the store changes only
at ingest. The questions a dashboard opens on (by default the headline: which outlets attribute
the AZAL crash to Russia) are asked by every visitor after every new version; their answers are
made at ingest, on the finished version before it is linked, and kept in :data:`FILE` in the
version's record folder, as immutable as the version once linked. The API then sends those bytes
for the same question and parameters (:func:`ready_answer`) instead of building the answer: the
same bytes it would build (:func:`render_json` is what it sends for every JSON answer; a test
compares the two). Other parameters, a CSV answer, a server (no record folder) and a version made
before this file: the answer is built as usual.

A request names its answer by the question and the value of each of its parameters, given or
not (:func:`key`): ``limit=100`` given or left out (100 is its default) is one answer. Kept is the
answer without its first two members (the question and the parameters as given), which the API
writes for each request in front of it (:func:`ready_answer`): the bytes it would otherwise build.

>>> spec("attributions?event=azal-crash&actor=russia")
('attributions', {'event': 'azal-crash', 'actor': 'russia'})
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from claimgraph.ontology.errors import ClaimgraphError, ParameterError
from claimgraph.queries.settings import ready_spec
from claimgraph.queries.store import Backend
from claimgraph.queries.tally_store import open_immutable

if TYPE_CHECKING:
    from claimgraph.queries.run import Prepared

logger = logging.getLogger(__name__)

FILE = "ready-answers.sqlite"


def render_json(result: Any) -> bytes:
    """A JSON answer as the API sends it (what Starlette's ``JSONResponse`` writes)."""
    return json.dumps(result, ensure_ascii=False, allow_nan=False, indent=None, separators=(",", ":")).encode("utf-8")


def spec(text: str) -> tuple[str, dict[str, str]]:
    """A ready answer as the setting writes it (:func:`~claimgraph.queries.settings.ready_spec`),
    ParameterError when it is not of that form."""
    try:
        return ready_spec(text)
    except ValueError as exc:
        raise ParameterError(str(exc)) from None


def key(prepared: Prepared) -> str:
    """What names an answer: the question and the value of each of its parameters, the default
    where none is given, as the question reads them."""
    question = prepared.question
    values = {p.name: prepared.params.get(p.name, p.default) for p in question.all_params}
    values.update(limit=prepared.limit, offset=prepared.offset)
    return json.dumps([question.name, sorted((k, str(v)) for k, v in values.items() if v is not None)],
                      ensure_ascii=False)


def _rest(result: dict[str, Any]) -> bytes:
    """The answer's JSON without its first two members, ``question`` and ``params``: ``{...}``."""
    if list(result)[:2] != ["question", "params"]:
        raise ValueError("an answer starts with its question and parameters")
    return render_json({k: v for k, v in result.items() if k not in ("question", "params")})


def _whole(prepared: Prepared, rest: bytes) -> bytes:
    """The answer as :func:`render_json` writes it, from the kept rest and this request."""
    head = render_json({"question": prepared.question.name, "params": prepared.params})
    return head[:-1] + (b"," + rest[1:] if rest != b"{}" else b"}")


def make(specs: Iterable[str], backend: Backend, meta: Path, *,
         progress: Callable[[str], None] = logger.info) -> int:
    """Build the answers of ``specs`` on ``backend`` (a version not yet linked, with its record
    folder ``meta``) and write them to ``meta``/:data:`FILE`, replacing any file there (one shared
    with the version this one is made from is not written to). A spec that names no question, a
    parameter the question does not take, or an entity the store does not hold is left out, with
    a warning: the answer is then built when asked, as for any other. Returns how many were kept."""
    from claimgraph.queries.run import prepare, run
    answers: dict[str, bytes] = {}
    for text in specs:
        try:
            name, params = spec(text)
            prepared = prepare(name, params, backend)
            answers[key(prepared)] = _rest(run(prepared, backend).as_json())
        except ClaimgraphError as exc:
            logger.warning("ready answer %r left out: %s", text, exc)
    path = meta / FILE
    fresh = path.with_name(path.name + ".new")
    fresh.unlink(missing_ok=True)
    db = sqlite3.connect(fresh, isolation_level=None)
    try:
        db.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;"
                         "CREATE TABLE answers (key TEXT PRIMARY KEY, body BLOB NOT NULL) WITHOUT ROWID;")
        db.executemany("INSERT INTO answers VALUES (?, ?)", sorted(answers.items()))
    finally:
        db.close()
    os.replace(fresh, path)  # a new file: one linked from the base version is left as it was
    if answers:
        progress(f"made {len(answers)} ready answer(s) ({sum(map(len, answers.values())):,} bytes)")
    return len(answers)


def ready_answer(prepared: Prepared, backend: Backend) -> bytes | None:
    """The JSON answer kept ready for this question and these parameters in the version the
    backend answers from, or None (not kept, or no such file)."""
    path = backend.side_file(FILE)
    if path is None:
        return None
    try:
        db = open_immutable(path)
        try:
            found = db.execute("SELECT body FROM answers WHERE key = ?", (key(prepared),)).fetchone()
        finally:
            db.close()
    except (sqlite3.Error, OSError, ValueError) as exc:  # e.g. a version pruned under us: build the answer instead
        logger.warning("ready answers of %s unreadable (%s): building the answer", path.parent.name, exc)
        return None
    return None if found is None else _whole(prepared, bytes(found[0]))


__all__ = ["FILE", "key", "make", "ready_answer", "render_json", "spec"]
