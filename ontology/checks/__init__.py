"""Quality checks: SPARQL queries whose rows are violations, over the ontology and the data.

Each ``*.rq`` file in this folder is a SELECT with two header lines::

    #+ summary: what a row means
    #+ scope: ontology | data

and selects ``?node`` (the offending node) and ``?message``. Checks of scope ``ontology`` run on
the ontology alone (``python -m claimgraph.ontology.checks``) and with the data; checks of scope
``data`` need ingested data. The queries run with pyoxigraph on one in-memory store whose
default graph is the union of:

- the ontology (from the data's ontology graph, else ``claimgraph.ttl``),
- the data shapes (``shapes.ttl``, in the graph ``<https://w3id.org/claimgraph/graph/shapes>``),
- the data, as quads handed to :func:`build_store`: RDF files (``--data``) here; the ingested
  store or a corpus compiled in memory through ``claimgraph check --quality [--store DIR |
  CORPUS]``, since reading a store or compiling a corpus belongs to the layers above.

Usage::

    python -m claimgraph.ontology.checks                      # the ontology and shapes only
    python -m claimgraph.ontology.checks --data fixture.ttl   # plus RDF files
    claimgraph check --quality [--store DIR | CORPUS]         # plus the ingested corpus

Prints the violations of each check and exits 1 if there is any, 0 otherwise, 2 on an error.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from .. import SHAPES, SOURCE, iris
from ..data import ONTOLOGY_GRAPH, file_quads, has_ontology_graph

__all__ = ["Check", "Violation", "build_store", "load_checks", "main", "report", "run_check", "run_checks"]

CHECKS_DIR = Path(__file__).resolve().parent
SHAPES_GRAPH = iris.GRAPH + "shapes"
SCOPES = ("ontology", "data")
COMMAND = "python -m claimgraph.ontology.checks"


@dataclass(frozen=True)
class Check:
    """One quality check: a SELECT of ``?node`` and ``?message``."""

    name: str
    summary: str
    scope: str
    query: str
    path: Path


@dataclass(frozen=True)
class Violation:
    """One row of a check."""

    check: str
    node: str
    message: str

    def __str__(self) -> str:
        return f"{self.node}  {self.message}"


def _header(text: str, key: str, path: Path) -> str:
    match = re.search(rf"^#\+ {key}:\s*(.+?)\s*$", text, re.MULTILINE)
    if match is None:
        raise ValueError(f"{path.name}: no '#+ {key}:' header line")
    return match.group(1)


def load_checks(folder: Path = CHECKS_DIR) -> list[Check]:
    """Every check of ``folder``, sorted by name."""
    checks = []
    for path in sorted(folder.glob("*.rq")):
        text = path.read_text("utf-8")
        scope = _header(text, "scope", path)
        if scope not in SCOPES:
            raise ValueError(f"{path.name}: scope must be one of {SCOPES}, not {scope!r}")
        checks.append(Check(path.stem, _header(text, "summary", path), scope, text, path))
    return checks


def _node_text(term: ox.NamedNode | ox.BlankNode | ox.Literal | None) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        return f"<{term.value}>"
    return str(term)


def build_store(data: Iterable[ox.Quad] = ()) -> ox.Store:
    """An in-memory store with ``data``, the shapes and (unless ``data`` has it) the ontology."""
    quads = list(data)
    store = ox.Store()
    store.extend(quads)
    if not has_ontology_graph(quads):
        store.load(path=str(SOURCE), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(ONTOLOGY_GRAPH))
    store.load(path=str(SHAPES), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(SHAPES_GRAPH))
    return store


def run_check(store: ox.Store, check: Check) -> list[Violation]:
    """The rows of ``check`` on ``store`` (union default graph)."""
    rows = store.query(check.query, use_default_graph_as_union=True)
    return [Violation(check.name, _node_text(row["node"]), str(row["message"].value if row["message"] else ""))
            for row in rows]


def run_checks(store: ox.Store, checks: Sequence[Check], *, with_data: bool) -> dict[str, list[Violation]]:
    """Every applicable check's violations, by check name (data checks only ``with_data``)."""
    return {c.name: run_check(store, c) for c in checks if with_data or c.scope == "ontology"}


def report(results: dict[str, list[Violation]], checks: Sequence[Check]) -> tuple[list[str], int]:
    """The results as lines for a command to print, and the number of violations."""
    by_name = {c.name: c for c in checks}
    lines, total = [], 0
    for name, violations in results.items():
        mark = "ok  " if not violations else "FAIL"
        lines.append(f"{mark} {name} ({by_name[name].scope}): {len(violations)} violation(s). "
                     f"{by_name[name].summary}")
        lines.extend(f"       {v}" for v in violations)
        total += len(violations)
    lines.append(f"{len(results)} check(s), {total} violation(s)")
    return lines, total


def main(argv: Sequence[str] | None = None) -> int:
    """Run the checks; return the exit code (0 no violation, 1 violations, 2 error)."""
    parser = argparse.ArgumentParser(prog=COMMAND, description=__doc__.splitlines()[0],
                                     epilog="the ingested corpus: claimgraph check --quality [--store DIR | CORPUS]")
    parser.add_argument("--data", type=Path, nargs="+", default=[], help="RDF files (Turtle, TriG, N-Quads ...)")
    parser.add_argument("--only", nargs="+", metavar="CHECK", help="run only these checks")
    args = parser.parse_args(argv)
    checks = load_checks()
    if args.only:
        unknown = set(args.only) - {c.name for c in checks}
        if unknown:
            parser.error(f"unknown check(s): {', '.join(sorted(unknown))}")
        checks = [c for c in checks if c.name in args.only]
    try:
        quads = [q for path in args.data for q in file_quads(path)]
    except (OSError, SyntaxError, ValueError) as err:
        print(f"{COMMAND}: {err}", file=sys.stderr)
        return 2
    lines, total = report(run_checks(build_store(quads), checks, with_data=bool(args.data)), checks)
    print("\n".join(lines))
    return 1 if total else 0
