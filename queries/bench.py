"""Benchmarks: ingest throughput and question latency on synthetic corpora (``make bench``).

    python -m claimgraph.queries.bench [--sizes 10000 100000] [--repeat 30] [--out docs/benchmarks.md]

For each size, a synthetic corpus (:mod:`claimgraph.ingest.synthetic`) goes through the real
ingestion path into an embedded store; then every named question is asked ``--repeat`` times
and the median and 95th percentile are reported, both for the engine alone (``Backend.select``)
and for the product path (parameter checks, binding, shaping and JSON encoding, as the API does).
The headline is also measured over HTTP against a real uvicorn server. Servers (Oxigraph
server, Virtuoso) are measured too when ``claimgraph.queries.servers`` can start them.
This is a benchmark, not a test: it asserts nothing and prints figures.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from claimgraph.queries.backends import Backend, EmbeddedBackend
from claimgraph.queries.catalog import Question, catalog
from claimgraph.queries.run import ask, bind

SYNTHETIC_VALUES = {"event": "azal-crash", "actor": "russia", "place": "aktau", "article": "synthetic-000000",
                    "text": "state 1"}


def params_for(question: Question) -> dict[str, str]:
    """Parameter values that exist in every synthetic corpus (required parameters only)."""
    values = {}
    for p in question.params:
        if not p.required:
            continue
        if "outlet" in p.name:
            values[p.name] = "outlet-0"
        elif p.type in SYNTHETIC_VALUES:
            values[p.name] = SYNTHETIC_VALUES[p.type]
        elif p.example is not None:
            values[p.name] = str(p.example)
    return values


def timed(fn: Callable[[], Any], repeat: int, warmup: int = 3) -> list[float]:
    for _ in range(warmup):
        fn()
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def summary(ms: list[float]) -> tuple[float, float]:
    ordered = sorted(ms)
    p95 = ordered[min(len(ordered) - 1, max(0, round(0.95 * len(ordered)) - 1))]
    return statistics.median(ordered), p95


def machine() -> str:
    cpu = "unknown CPU"
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                   if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    mem = ""
    try:
        kb = int(next(line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines()
                      if line.startswith("MemTotal")))
        mem = f", {kb / 1024 / 1024:.0f} GiB"
    except (OSError, StopIteration):
        pass
    return f"{cpu}, {os.cpu_count()} cores{mem}, {platform.system()} {platform.release()}, Python {platform.python_version()}"


def measure_questions(backend: Backend, repeat: int) -> list[dict[str, Any]]:
    rows = []
    for question in catalog().values():
        params = params_for(question)
        bound = bind(question, params, backend)
        engine = summary(timed(lambda: backend.select(question.sparql, bound), repeat))
        product = summary(timed(lambda: json.dumps(ask(question.name, params, backend).as_json()), repeat))
        count = len(ask(question.name, params, backend).rows)
        rows.append({"question": question.name, "params": params, "rows": count,
                     "engine": engine, "product": product})
        print(f"  {question.name:<18} engine {engine[0]:8.2f} ms  product {product[0]:8.2f} ms  ({count} rows)",
              file=sys.stderr, flush=True)
    return rows


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def measure_http_headline(store: Path, repeat: int) -> tuple[float, float]:
    """The headline over HTTP from a real uvicorn server on loopback."""
    import httpx
    port = free_port()
    env = {**os.environ, "CLAIMGRAPH_STORE": str(store)}
    server = subprocess.Popen([sys.executable, "-m", "claimgraph.api.cli", "serve", "--port", str(port),
                               "--store", str(store)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}/questions/attributions"
        with httpx.Client(timeout=30) as client:
            for _ in range(100):
                try:
                    client.get(f"http://127.0.0.1:{port}/health")
                    break
                except httpx.TransportError:
                    time.sleep(0.1)
            return summary(timed(lambda: client.get(url, params={"event": "azal-crash", "actor": "russia"})
                                 .raise_for_status(), repeat))
    finally:
        server.terminate()
        server.wait(timeout=10)


def bench_size(size: int, repeat: int, workdir: Path) -> dict[str, Any]:
    from claimgraph.ingest.pipeline import ingest
    from claimgraph.ingest.synthetic import write_corpus
    corpus, store = workdir / f"corpus-{size}", workdir / f"store-{size}"
    shutil.rmtree(corpus, ignore_errors=True)
    written = write_corpus(corpus, claims=size, seed=size)
    print(f"{size} claims: ingesting", file=sys.stderr, flush=True)
    report = ingest(corpus, store=store, force=True,
                    progress=lambda message: print(f"  {message}", file=sys.stderr, flush=True))
    result: dict[str, Any] = {"size": written, "quads": report.quads, "ingest_s": report.seconds,
                              "claims_per_s": written / report.seconds, "backends": {}}
    backend = EmbeddedBackend(store)
    print("  embedded store:", file=sys.stderr)
    result["backends"]["embedded"] = measure_questions(backend, repeat)
    result["http_headline"] = measure_http_headline(store, repeat)
    backend.close()
    try:
        from claimgraph.queries import servers  # started only when the server code is present
    except ImportError:
        servers = None
    if servers is not None:
        for name, launcher in servers.LAUNCHERS.items():
            try:
                with launcher(workdir / f"{name}-{size}") as remote:
                    servers.publish_store(store, remote)
                    print(f"  {name}:", file=sys.stderr)
                    result["backends"][name] = measure_questions(remote, repeat)
            except servers.Unavailable as exc:
                print(f"  {name}: skipped ({exc})", file=sys.stderr)
    return result


def markdown(results: list[dict[str, Any]], repeat: int) -> str:
    lines = [
        "# Benchmarks",
        "",
        f"Generated by `make bench` on {dt.date.today().isoformat()}. Machine: {machine()}.",
        f"Each question is asked {repeat} times after 3 warm-up runs; figures are median / p95 in ms.",
        "*Engine* is the store's own time for the question's SPARQL (`Backend.select`); *product* adds",
        "parameter checks, binding, shaping and JSON encoding, as the API does per request.",
        "",
    ]
    for r in results:
        lines += [f"## {r['size']:,} claims ({r['quads']:,} quads)", "",
                  f"Ingest through the real path (parse, validate, resolve, build, SHACL, write): "
                  f"{r['ingest_s']:.1f} s, {r['claims_per_s']:.0f} claims/s.", ""]
        names = list(r["backends"])
        head = "| question | rows | " + " | ".join(f"{n} engine | {n} product" for n in names) + " |"
        lines += [head, "|" + " --- |" * (2 + 2 * len(names))]
        by_name = {n: {row["question"]: row for row in r["backends"][n]} for n in names}
        for q in by_name[names[0]]:
            cells = []
            for n in names:
                row = by_name[n].get(q)
                cells += ([f"{row['engine'][0]:.2f} / {row['engine'][1]:.2f}",
                           f"{row['product'][0]:.2f} / {row['product'][1]:.2f}"] if row else ["–", "–"])
            lines.append(f"| {q} | {by_name[names[0]][q]['rows']} | " + " | ".join(cells) + " |")
        embedded = by_name["embedded"]["attributions"]
        http = r["http_headline"]
        lines += ["", f"Headline (`attributions`, azal-crash, russia) on the embedded store: engine "
                      f"{embedded['engine'][0]:.2f} ms, product {embedded['product'][0]:.2f} ms "
                      f"(+{100 * (embedded['product'][0] / embedded['engine'][0] - 1):.0f}%), over HTTP from uvicorn "
                      f"{http[0]:.2f} ms median, {http[1]:.2f} ms p95.", ""]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m claimgraph.queries.bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--out", type=Path, default=Path("docs/benchmarks.md"))
    parser.add_argument("--workdir", type=Path, help="where corpora and stores go (default: a temporary folder)")
    args = parser.parse_args(argv)
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="claimgraph-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    results = [bench_size(size, args.repeat, workdir) for size in args.sizes]
    text = markdown(results, args.repeat)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print(text)
    if args.workdir is None:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
