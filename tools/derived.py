"""What the derived facts cost at ingestion and save at question time (``docs/benchmarks-derived.md``).

    python -m tools.derived --store DIR --corpus DIR [--base model] [--repeat 7] [--questions NAME ...]

On one store built by the current code (it holds the raw triples and the derived graphs, so both
the questions as they were at git revision ``--base`` and as they are now can be asked of it):

* each question's own query (which claims, or the aggregate rows), old and new, and the full
  engine share (:func:`claimgraph.queries.run.fetch`: the query, the claims' details, the actor
  cards), old and new, medians over ``--repeat`` runs; beside them the minimal query for the same
  rows on the same store (the floor);
* with ``--corpus``: the CPU time of compiling every article of the corpus in one process with
  and without the rules (``ingest/derive.py``), per claim.

A benchmark, not a test: it asserts nothing but that old and new queries give the same rows.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from claimgraph.queries.catalog import catalog, parse_question
from claimgraph.queries.run import fetch, prepare
from claimgraph.queries.store import EmbeddedBackend

from tools.bench import machine, params_for

P = "PREFIX cg: <https://w3id.org/claimgraph/ontology#>\n"
ID = "https://w3id.org/claimgraph/id/"
#: The least query that gives the same rows (claims, pairs, or grouped rows), on the derived facts.
MINIMAL = {
    "event-claims": P + f"SELECT ?claim WHERE {{ ?claim cg:concernsEvent <{ID}event/azal-crash> }}",
    "speaker": P + f"SELECT ?claim WHERE {{ ?claim cg:speaksFor <{ID}actor/russia> }}",
    "outlet": P + f"SELECT ?claim WHERE {{ ?claim cg:claimOutlet <{ID}actor/outlet-0> }}",
    "timeline": P + "SELECT ?e (COUNT(?c) AS ?n) WHERE { ?e cg:eventType ?type ; cg:earliest ?first ; cg:latest ?last . "
                    "FILTER(?last >= '2022-01-01'^^<http://www.w3.org/2001/XMLSchema#date> && "
                    "?first <= '2022-12-31'^^<http://www.w3.org/2001/XMLSchema#date>) "
                    "OPTIONAL { ?c cg:concernsEvent ?e } } GROUP BY ?e",
    "contradictions": P + "SELECT DISTINCT ?a ?b WHERE { { ?b cg:deniesCore ?c . ?a cg:affirmsCore ?c } UNION "
                          "{ ?a cg:contradicts ?b } }",
    "network": P + "SELECT ?s ?t (COUNT(*) AS ?n) WHERE { { ?c cg:accuses ?t ; cg:speaker ?s } UNION "
                   "{ ?c cg:reportedIn ?up ; cg:speaker ?s ; cg:claimOutlet ?t } } GROUP BY ?s ?t",
}
CHANGED = ("event-claims", "speaker", "outlet", "timeline", "contradictions", "network")


def median_ms(fn: Callable[[], object], repeat: int) -> float:
    fn()  # warm
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        runs.append((time.perf_counter() - started) * 1000)
    return statistics.median(runs)


def _rows(rows: list[dict]) -> list[str]:
    """Rows compared as sets of values, a GROUP_CONCAT's items in any order."""
    return sorted(str(sorted((k, " ".join(sorted(getattr(v, "value", str(v)).split(" ")))) for k, v in row.items()))
                  for row in rows)


def old_question(name: str, base: str, folder: Path):  # type: ignore[no-untyped-def]
    text = subprocess.run(["git", "show", f"{base}:queries/questions/{name}.rq"], check=True,
                          capture_output=True, text=True).stdout
    path = folder / f"{name}.rq"
    path.write_text(text, encoding="utf-8")
    return parse_question(path)


def questions(store: Path, names: list[str], base: str, repeat: int) -> list[str]:
    backend = EmbeddedBackend(store)
    lines = ["| question | rows | query, before | query, now | engine, before | engine, now | minimal query (rows) |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    with tempfile.TemporaryDirectory() as folder:
        for name in names:
            new = catalog()[name]
            old = old_question(name, base, Path(folder))
            params = params_for(new)
            cells: dict[str, float] = {}
            rows: dict[str, list] = {}
            for label, question in (("old", old), ("new", new)):
                prepared = prepare(question, params, backend)
                rows[label] = backend.select(prepared.query, prepared.bindings)[1]
                cells[label] = median_ms(lambda: backend.select(prepared.query, prepared.bindings), repeat)
                cells[label + "-engine"] = median_ms(lambda: fetch(prepared, backend), max(3, repeat // 2))
            if _rows(rows["old"]) != _rows(rows["new"]):
                raise SystemExit(f"{name}: the rows differ before and after")
            minimal = ""
            if name in MINIMAL:
                count = len(backend.select(MINIMAL[name], {})[1])
                minimal = f"{median_ms(lambda: backend.select(MINIMAL[name], {}), repeat):,.1f} ms ({count})"
            shown = ", ".join(f"{k}={v}" for k, v in params.items())
            lines.append(f"| {name}{f' ({shown})' if shown else ''} | {len(rows['new'])} | {cells['old']:,.1f} ms | "
                         f"{cells['new']:,.1f} ms | {cells['old-engine']:,.0f} ms | {cells['new-engine']:,.0f} ms | "
                         f"{minimal} |")
            print(lines[-1], file=sys.stderr, flush=True)
    return lines


def ingest_cost(corpus: Path) -> list[str]:
    from claimgraph.ingest.units import UnitContext, compile_article

    class NoRules:
        def derive(self, slug: str, data: bytes) -> bytes:
            return b""

    context = UnitContext.from_corpus(corpus)
    rules = context.deriver
    paths = sorted((corpus / "articles").glob("*.yaml"))
    data = {path: path.read_bytes() for path in paths}

    def run(deriver: object) -> tuple[float, int]:
        context.__dict__["_deriver"] = deriver
        claims, started = 0, time.process_time()
        for path in paths:
            claims += compile_article(context, path, corpus, data[path]).claims
        return time.process_time() - started, claims

    without, with_rules = [], []
    for _ in range(2):
        without.append(run(NoRules())[0])
        seconds, claims = run(rules)
        with_rules.append(seconds)
    a, b = min(without), min(with_rules)
    return [f"Compiling {claims:,} claims ({len(paths)} articles) in one process, CPU time, best of two: "
            f"{a:.2f} s without the rules, {b:.2f} s with them: the rules cost {(b - a) / claims * 1000:.2f} ms "
            f"a claim ({100 * (b - a) / a:.0f}% of compiling)."]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.derived", description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", type=Path, required=True, help="a store built by the current code")
    parser.add_argument("--corpus", type=Path, help="also measure the rules' cost at ingestion on this corpus")
    parser.add_argument("--base", default="model", help="the git revision of the questions before (default: model)")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--questions", nargs="+", default=list(CHANGED))
    args = parser.parse_args(argv)
    lines = [f"Machine: {machine()}.", ""]
    if args.corpus:
        lines += ingest_cost(args.corpus) + [""]
    lines += questions(args.store, args.questions, args.base, args.repeat)
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
