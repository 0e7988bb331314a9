"""Benchmarks: ingest throughput, publish time and question latency on synthetic corpora (``make bench``).

    python -m tools.bench [--sizes 10000 100000] [--repeat 30] [--out docs/benchmarks.md]
        [--backends embedded oxigraph-server virtuoso] [--workdir DIR] [--questions NAME ...]

For each size, a synthetic corpus (:mod:`tools.synthetic`) goes through the real
ingestion path into an embedded store. With ``--workdir``, a corpus and store already built
there for the same size and seed, by the same ingestion code, are reused (the ingest figures are
then those measured when it was built). The store is then published to each real server
(started by :mod:`tools.servers` in a fresh folder; Virtuoso through its bulk
loader), and every named question is asked ``--repeat`` times on every backend: the median and
95th percentile are reported for the engine alone (:func:`claimgraph.queries.run.fetch`: every
SPARQL query the question needs, rows not laid out) and for the product path (parameter checks,
binding, the layout and JSON encoding, as the API does). A question that fails or times out on a
backend is reported as such in its cell. The headline is also measured over HTTP against a
real uvicorn server on the embedded store, and so is each question's first page, cold and
repeated, beside the minimal engine query (:mod:`tools.bench_pages`; ``--http-only``: that alone).
This is a benchmark, not a test: it asserts nothing and prints figures.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import hashlib
import json
import logging
import os
import platform
import re
import resource
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

from claimgraph.queries import run as runner
from claimgraph.queries.catalog import Question, catalog
from claimgraph.queries.run import ask, prepare
from claimgraph.queries.store import Backend, EmbeddedBackend, RemoteBackend
from tools import bench_pages
from tools.bench_pages import measure_http_pages

Opener = Callable[[], Backend]

SYNTHETIC_VALUES = {"event": "azal-crash", "actor": "russia", "place": "aktau", "article": "synthetic-000000",
                    "text": "state 1"}
BACKENDS = ("embedded", "oxigraph-server", "virtuoso")
HEADLINE = "attributions"
#: Time limit per question run (seconds), on every backend (``--timeout``).
QUERY_TIMEOUT_S = 60.0
#: Time spent at most on one measurement (one question, engine or product, one backend); a slower
#: question gets fewer runs, and its cell says how many.
BUDGET_S = 90.0
#: Virtuoso's buffers in the benchmark: about 2.6 GiB (its ini's advice for 4 GiB to spare).
VIRTUOSO_BUFFERS = 340_000


def server_settings(name: str, timeout_s: float) -> dict[str, Any]:
    """How the benchmark runs each server: the same time limit as the client's (the Oxigraph
    server would otherwise run an abandoned query on); Virtuoso with more buffers and no
    10,000-row cap (the shipped default cuts the larger answers, which RemoteBackend reports
    as an error)."""
    if name == "oxigraph-server":
        return {"timeout_s": timeout_s}
    if name == "virtuoso":
        return {"buffers": VIRTUOSO_BUFFERS, "dirty_buffers": VIRTUOSO_BUFFERS * 3 // 4, "max_rows": 10_000_000,
                "query_timeout_s": max(1, int(timeout_s))}
    return {}


logger = logging.getLogger(__name__)


def log(message: str) -> None:
    logger.info(message)


# What an analyst asks of the questions whose parameters are all optional: one actor's charges,
# one event's corroboration, one year of the timeline. (contradictions and network have no such
# parameter: they are measured over the whole corpus, and grow with it.)
ANALYST_VALUES = {"accusations": {"accused": "russia"}, "corroboration": {"event": "azal-crash"},
                  "timeline": {"since": "2022-01-01", "until": "2022-12-31"}}


def params_for(question: Question) -> dict[str, str]:
    """Parameter values that exist in every synthetic corpus: the required parameters, and the
    optional ones of :data:`ANALYST_VALUES`."""
    values = dict(ANALYST_VALUES.get(question.name, {}))
    for p in question.params:
        if not p.required:
            continue
        if "outlet" in p.name or p.type == "outlet":
            values[p.name] = "outlet-0"
        elif p.type in SYNTHETIC_VALUES:
            values[p.name] = SYNTHETIC_VALUES[p.type]
        elif p.example is not None:
            values[p.name] = str(p.example)
    return values


def timed(fn: Callable[[], Any], repeat: int, warmup: int = 3, budget_s: float = BUDGET_S,
          each: Callable[[float], None] | None = None) -> list[float]:
    """Milliseconds per run of ``fn``, after warm-up; fewer runs when ``budget_s`` is spent
    (at least one). ``each`` is called with every run's time, warm-ups included."""
    started = time.perf_counter()
    for _ in range(warmup):
        t = time.perf_counter()
        fn()
        took = time.perf_counter() - t
        if each is not None:
            each(took * 1000)
        if took * (warmup + repeat) > budget_s:
            break  # slow: one warm-up is enough
    out: list[float] = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
        if each is not None:
            each(out[-1])
        if time.perf_counter() - started > budget_s:
            break
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


def _reason(exc: BaseException) -> str:
    text = re.sub(r"https?://127\.0\.0\.1:\d+/\S*", "the server", " ".join(str(exc).split()))
    return f"{type(exc).__name__}: {text[:200]}"


def engine_call(question: Question, params: dict[str, str], backend: Backend) -> Callable[[], Any]:
    """What the engine does for the question: every SPARQL query it needs, rows not laid out."""
    prepared = prepare(question, params, backend)
    fetch = getattr(runner, "fetch", None)
    if fetch is not None:
        return lambda: fetch(prepared, backend)
    return lambda: backend.select(prepared.query, prepared.bindings)


def _measure_in_child(conn: Any, opener: Opener, name: str, params: dict[str, str], part: str,
                      repeat: int, timeout_s: float) -> None:
    try:
        backend = opener()
        question = catalog()[name]
        last: list[Any] = []
        if part == "engine":
            fn = engine_call(question, params, backend)
        else:
            def fn() -> None:
                answer = ask(name, params, backend)
                last[:] = [answer, json.dumps(answer.as_json())]
        runs = timed(fn, repeat, each=lambda ms: conn.send(("run", ms)))
        median, p95 = summary(runs)
        result: dict[str, Any] = {"median": median, "p95": p95, "runs": len(runs)}
        if max(runs) > timeout_s * 1000:  # the embedded store has no time limit of its own
            result = {"error": f"QueryTimeout: a run took {max(runs) / 1000:.0f} s, over the {timeout_s:g} s limit"}
        elif last:
            answer = last[0]
            document = json.dumps(answer.as_json(), sort_keys=True, default=str)
            result.update(rows=len(answer.rows), total=getattr(answer, "total", None),
                          digest=hashlib.sha256(document.encode()).hexdigest()[:16])
    except Exception as exc:  # noqa: BLE001 - reported in the table
        result = {"error": _reason(exc)}
    conn.send(("done", result))
    conn.close()


def measure(opener: Opener, question: Question, params: dict[str, str], part: str, repeat: int,
            timeout_s: float) -> dict[str, Any]:
    """One measurement (``engine`` or ``product``) in a child process, stopped when a run takes
    longer than ``timeout_s`` (the embedded store cannot stop a query itself):
    ``{"median", "p95", "runs", ...}`` in ms, or ``{"error": reason}``."""
    import multiprocessing
    ctx = multiprocessing.get_context("fork")  # the code of the run (question files are read again)
    parent, child = ctx.Pipe(duplex=False)
    process = ctx.Process(target=_measure_in_child, args=(child, opener, question.name, params, part, repeat, timeout_s),
                          daemon=True)
    process.start()
    child.close()
    try:
        while True:
            if not parent.poll(timeout_s + 10):
                return {"error": f"QueryTimeout: a run took over {timeout_s:g} s (stopped)"}
            what, payload = parent.recv()
            if what == "done":
                return payload
    except EOFError:
        return {"error": f"the measuring process died (exit code {process.exitcode})"}
    finally:
        if process.is_alive():
            process.kill()
        process.join(10)
        parent.close()


def measure_questions(opener: Opener, repeat: int, timeout_s: float,
                      only: list[str] | None = None) -> list[dict[str, Any]]:
    """Every question (or those in ``only``) on the backend ``opener`` opens."""
    rows = []
    for question in catalog().values():
        if only and question.name not in only:
            continue
        params = params_for(question)
        row: dict[str, Any] = {"question": question.name, "params": params}
        row["engine"] = measure(opener, question, params, "engine", repeat, timeout_s)
        if "QueryTimeout" in row["engine"].get("error", ""):
            row["product"] = {"error": "not measured: the engine timed out"}
        else:
            row["product"] = measure(opener, question, params, "product", repeat, timeout_s)
        for key in ("rows", "total", "digest"):
            if key in row["product"]:
                row[key] = row["product"].pop(key)
        rows.append(row)
        log(f"  {question.name:<18} engine {_cell(row['engine']):>22}  product {_cell(row['product']):>22}  "
            f"({row.get('rows', '?')} rows)")
    return rows


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def measure_inline(fn: Callable[[], Any], repeat: int) -> dict[str, Any]:
    try:
        runs = timed(fn, repeat)
    except Exception as exc:  # noqa: BLE001 - reported
        return {"error": _reason(exc)}
    median, p95 = summary(runs)
    return {"median": median, "p95": p95, "runs": len(runs)}


def measure_http_headline(store: Path, repeat: int, timeout_s: float) -> dict[str, Any]:
    """The headline over HTTP from a real uvicorn server on loopback."""
    import httpx
    port = free_port()
    env = {**os.environ, "CLAIMGRAPH_STORE": str(store)}
    server = subprocess.Popen([sys.executable, "-m", "claimgraph.api.cli", "serve", "--port", str(port),
                               "--store", str(store)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}/questions/{HEADLINE}"
        with httpx.Client(timeout=timeout_s) as client:
            for _ in range(300):
                try:
                    client.get(f"http://127.0.0.1:{port}/health")
                    break
                except httpx.TransportError:
                    if server.poll() is not None:
                        return {"error": f"the API server exited with {server.returncode}"}
                    time.sleep(0.1)
            return measure_inline(lambda: client.get(url, params={"event": "azal-crash", "actor": "russia"})
                           .raise_for_status(), repeat)
    finally:
        server.terminate()
        server.wait(timeout=10)


# -- corpus and store, reused across runs -------------------------------------------------------


def ingestion_fingerprint() -> str:
    """A digest of the code and ontology that make a store (a change means re-ingest): the same
    files the corpus digest of ``claimgraph ingest`` covers."""
    from claimgraph.ingest.pipeline import store_builders
    digest = hashlib.sha256()
    for path in store_builders():
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def build_store(size: int, seed: int, workdir: Path, keep: bool = False) -> tuple[Path, dict[str, Any]]:
    """The store for ``size`` claims and ``seed``: built now, or reused from ``workdir`` when it
    was built by the same ingestion code and ontology (or whatever built it, with ``keep``)."""
    from claimgraph.ingest.pipeline import ingest
    from tools.synthetic import write_corpus
    name = f"{size}-seed{seed}"
    # The marker of a store built here, apart from the ingestion benchmark's record (ingest-NAME.json).
    corpus, store, marker = workdir / f"corpus-{name}", workdir / f"store-{name}", workdir / f"store-{name}.json"
    fingerprint = ingestion_fingerprint()
    if marker.exists() and store.is_dir():
        done = json.loads(marker.read_text())
        if keep and done.get("fingerprint") != fingerprint:
            log(f"{size} claims: reusing {store} as asked, although the ingestion code or ontology changed "
                f"since it was built ({done['date']})")
            return store, {**done, "reused": True}
        if done.get("fingerprint") == fingerprint:
            log(f"{size} claims: reusing {store} (built {done['date']}, ingest {done['ingest_s']:.1f} s); "
                "ingest figures are from that run")
            return store, {**done, "reused": True}
        log(f"{size} claims: the ingestion code or ontology changed since {store} was built: ingesting again")
    benched, ingested = workdir / f"ingest-{name}.json", workdir / f"ingest-store-{name}" / "store"
    if benched.exists() and ingested.exists():
        done = json.loads(benched.read_text())
        if done.get("fingerprint") == fingerprint:
            # The ingestion benchmark built the same corpus (same size and seed) with the same code
            # a moment ago, and undid its one-article changes: ask the questions on that store
            # rather than ingest it all again (at 1M claims, a quarter of an hour).
            log(f"{size} claims: the questions run on the ingestion benchmark's store {ingested}")
            import pyoxigraph as ox
            quads = len(ox.Store.read_only(str(ingested)))
            return ingested, {"size": size, "seed": seed, "quads": quads, "ingest_s": done["full"]["seconds"],
                              "claims_per_s": done["full"]["claims_per_s"], "fingerprint": fingerprint,
                              "date": done["date"], "reused": False}
    marker.unlink(missing_ok=True)
    shutil.rmtree(corpus, ignore_errors=True)
    written = write_corpus(corpus, claims=size, seed=seed)
    log(f"{size} claims: ingesting into {store}")
    report = ingest(corpus, store=store, force=True, progress=lambda message: log(f"  {message}"))
    done = {"size": written, "seed": seed, "quads": report.quads, "ingest_s": report.seconds,
            "claims_per_s": written / report.seconds, "fingerprint": fingerprint,
            "date": dt.datetime.now().isoformat(timespec="seconds")}
    marker.write_text(json.dumps(done, indent=1))
    return store, {**done, "reused": False}


def publish_progress(message: str) -> None:
    """Publish progress without the line per article graph."""
    if not message.lstrip().startswith("article/"):
        log(f"    {message}")


def bench_size(size: int, seed: int, repeat: int, workdir: Path, backends: list[str],
               only: list[str] | None = None, timeout_s: float = QUERY_TIMEOUT_S,
               keep_store: bool = False, oxigraph_publish: str = "put", http_only: bool = False,
               asks: list[str] | None = None) -> dict[str, Any]:
    store, built = build_store(size, seed, workdir, keep_store)
    result: dict[str, Any] = {**built, "backends": {}, "publish": {}, "timeout_s": timeout_s}
    if "embedded" in backends:
        log("  each question's first page over HTTP (uvicorn, embedded store), cold and repeated")
        result["http_pages"] = measure_http_pages(store, repeat, timeout_s, only, asks=asks)
    if http_only:
        backends = []
    if "embedded" in backends:
        log("  embedded store:")
        result["backends"]["embedded"] = measure_questions(functools.partial(EmbeddedBackend, store), repeat,
                                                           timeout_s, only)
        log("  the headline over HTTP (uvicorn, embedded store)")
        result["http_headline"] = measure_http_headline(store, repeat, timeout_s)
    servers_wanted = [name for name in backends if name != "embedded"]
    if servers_wanted:
        from tools import servers
        for name in servers_wanted:
            folder = workdir / f"{name}-{size}-seed{seed}"
            shutil.rmtree(folder, ignore_errors=True)  # a fresh database: publish times compare
            try:
                with servers.LAUNCHERS[name](folder, query_timeout=timeout_s,
                                             **server_settings(name, timeout_s)) as remote:
                    log(f"  {name}: publishing")
                    started = time.perf_counter()
                    try:
                        if name == "oxigraph-server" and oxigraph_publish == "load":
                            report = servers.bulk_load_oxigraph(store, remote, progress=publish_progress)
                            how = "`oxigraph load` with the server stopped, benchmark only"
                        else:
                            report = servers.publish_store(store, remote, progress=publish_progress)
                            how = ("bulk loader through isql" if name == "virtuoso"
                                   else "`claimgraph publish`: Graph Store PUT per graph")
                    except Exception as exc:  # noqa: BLE001 - reported, and the server is skipped
                        result["publish"][name] = {"error": _reason(exc)}
                        log(f"  {name}: publish failed: {_reason(exc)}")
                        continue
                    seconds = time.perf_counter() - started
                    result["publish"][name] = {"seconds": seconds, "triples": report.triples,
                                               "graphs": len(report.graphs),
                                               "how": how}
                    log(f"  {name}: published {report.triples:,} triples in {seconds:.1f} s")
                    opener = RemoteBackend(remote.endpoint, kind=remote.kind, timeout=timeout_s).opener()
                    result["backends"][name] = measure_questions(opener, repeat, timeout_s, only)
            except servers.Unavailable as exc:
                result["publish"][name] = {"error": f"skipped: {exc}"}
                log(f"  {name}: skipped ({exc})")
            except Exception as exc:  # noqa: BLE001 - a server that does not start is reported
                result["publish"][name] = {"error": _reason(exc)}
                log(f"  {name}: failed: {_reason(exc)}")
    (workdir / f"results-{size}-seed{seed}.json").write_text(json.dumps(result, indent=1, default=str))
    return result


# -- ingestion -----------------------------------------------------------------------------------


def _tree_rss_kib(pid: int) -> int:
    """The resident memory of a process and all its descendants, KiB (from /proc)."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        child = int(entry.name)
        children.setdefault(int(fields.get("PPid", "0").strip() or 0), []).append(child)
        rss[child] = int(fields.get("VmRSS", "0 kB").split()[0]) if "VmRSS" in fields else 0
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        total += rss.get(current, 0)
        todo.extend(children.get(current, []))
    return total


def _cpu_s(who: int = resource.RUSAGE_SELF) -> float:
    """CPU time so far, in seconds: this process's (every thread), or with ``RUSAGE_CHILDREN`` its
    children's that have ended."""
    used = resource.getrusage(who)
    return used.ru_utime + used.ru_stime


def run_ingest(corpus: Path, store: Path, *extra: str) -> dict[str, Any]:
    """``claimgraph ingest`` as a separate process, as an operator runs it: wall time, CPU time
    (with its worker processes), the peak resident memory of the process tree, what it did."""
    before = _cpu_s(resource.RUSAGE_CHILDREN)
    with tempfile.TemporaryFile("w+") as err_file:
        started = time.perf_counter()
        process = subprocess.Popen([sys.executable, "-m", "claimgraph.api.cli", "ingest", str(corpus), "--store",
                                    str(store), *extra], stdout=subprocess.DEVNULL, stderr=err_file, text=True)
        peak = 0
        while process.poll() is None:
            peak = max(peak, _tree_rss_kib(process.pid))
            time.sleep(0.05)
        seconds = time.perf_counter() - started
        err_file.seek(0)
        err = err_file.read()
    cpu = _cpu_s(resource.RUSAGE_CHILDREN) - before
    if process.returncode != 0:
        raise RuntimeError(f"claimgraph ingest exited {process.returncode}: {err[-500:]}")
    return {"seconds": seconds, "peak_rss_mib": peak / 1024, "cpu_s": cpu,
            "log": err.strip().splitlines()[-1] if err.strip() else ""}




def _floor_bulk_load(store: Path, workdir: Path) -> dict[str, float]:
    """The engine's own time for the same quads: pyoxigraph's bulk loader into an empty store,
    from one N-Quads file of everything the store holds, then its compaction (``optimize``, which a
    full ingest ends with); each in seconds and in CPU-seconds, since on a machine of few cores
    what the loader's own threads take is what the rest of an ingest cannot have."""
    import pyoxigraph as ox
    dump = workdir / "floor.nq"
    EmbeddedBackend(store).dump(dump)
    target = workdir / "floor-store"
    shutil.rmtree(target, ignore_errors=True)
    started, cpu = time.perf_counter(), _cpu_s()
    db = ox.Store(str(target))
    db.bulk_load(path=str(dump), format=ox.RdfFormat.N_QUADS)
    db.flush()
    found = {"load_s": time.perf_counter() - started, "load_cpu_s": _cpu_s() - cpu}
    started, cpu = time.perf_counter(), _cpu_s()
    db.optimize()
    found.update(compact_s=time.perf_counter() - started, compact_cpu_s=_cpu_s() - cpu)
    del db
    shutil.rmtree(target, ignore_errors=True)
    dump.unlink()
    return found


def _startup_floor(repeat: int = 5) -> float:
    """What any `claimgraph` command costs before it does anything: the interpreter and imports."""
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import claimgraph.ingest.pipeline, claimgraph.api.cli"], check=True)
        runs.append(time.perf_counter() - started)
    return statistics.median(runs)


def _evict(paths: list[Path]) -> None:
    """Drop these files (folders: their files) from the page cache, and nothing else on the machine."""
    for top in paths:
        for path in ([top] if top.is_file() else [p for p in top.rglob("*") if p.is_file()]):
            try:
                fd = os.open(path, os.O_RDONLY)
            except OSError:
                continue
            try:
                os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
            finally:
                os.close(fd)


def bench_changes(corpus: Path, store: Path, repeat: int, cold: bool = False) -> dict[str, Any]:
    """One 50-claim article (a copy of the middle one) added, edited and deleted incrementally,
    ``repeat`` times each, each a `claimgraph ingest` process; ``cold``: the corpus, the store's
    current version and its record evicted from the page cache before each (only those files)."""
    articles = sorted((corpus / "articles").glob("*.yaml"))
    source = articles[len(articles) // 2]
    text = source.read_text(encoding="utf-8")
    slug = re.search(r"^\s*slug:\s*(\S+)", text, re.M)[1]
    added = corpus / "articles" / "bench-added.yaml"
    changes: dict[str, list[dict[str, Any]]] = {"add": [], "edit": [], "delete": []}

    def run(kind: str) -> None:
        if cold:
            version = store.resolve()
            _evict([corpus, version, version.with_name(version.name + ".meta")])
        changes[kind].append(run_ingest(corpus, store))

    try:
        for i in range(repeat):
            added.write_text(text.replace(f"slug: {slug}", "slug: bench-added", 1), encoding="utf-8")
            run("add")
            edited = added.read_text(encoding="utf-8").replace("paragraph: 1\n", f"paragraph: {100 + i}\n", 1)
            added.write_text(edited, encoding="utf-8")
            run("edit")
            added.unlink()
            run("delete")
    finally:
        if added.exists():
            added.unlink()
            run_ingest(corpus, store)
    result = {kind: {"median_s": statistics.median(r["seconds"] for r in runs), "max_s": max(r["seconds"] for r in runs),
                     "runs_s": [round(r["seconds"], 3) for r in runs],
                     "peak_rss_mib": max(r["peak_rss_mib"] for r in runs), "log": runs[-1]["log"]}
              for kind, runs in changes.items()}
    for kind, m in result.items():
        log(f"  one article {kind}{' (cold cache)' if cold else ''}: median {m['median_s']:.2f} s "
            f"(max {m['max_s']:.2f}; {', '.join(f'{s:.2f}' for s in m['runs_s'])}), peak RSS {m['peak_rss_mib']:,.0f} MiB")
    return result


def bench_ingest(size: int, seed: int, workdir: Path, repeat: int = 5) -> dict[str, Any]:
    """Full ingest claims/s and peak memory, then one 50-claim article added, edited and deleted
    incrementally (``repeat`` times each), each run as its own `claimgraph ingest` process."""
    from tools.synthetic import write_corpus
    corpus, store = workdir / f"ingest-corpus-{size}-seed{seed}", workdir / f"ingest-store-{size}-seed{seed}" / "store"
    if not (corpus / "articles").is_dir():
        write_corpus(corpus, claims=size, seed=seed)
    for leftover in corpus.glob("articles/bench-*.yaml"):
        leftover.unlink()
    shutil.rmtree(store.parent, ignore_errors=True)
    log(f"{size} claims: full ingest (claimgraph ingest --force, every core)")
    full = run_ingest(corpus, store, "--force")
    full["claims_per_s"] = size / full["seconds"]
    log(f"  {full['seconds']:.1f} s, {full['claims_per_s']:,.0f} claims/s, {full['cpu_s']:.1f} CPU-s, "
        f"peak RSS {full['peak_rss_mib']:,.0f} MiB")
    result: dict[str, Any] = {"size": size, "seed": seed, "full": full, "machine": machine(),
                              "load": os.getloadavg()}
    floor = _floor_bulk_load(store, workdir)
    result["floor_bulk_load_s"], result["floor"] = floor["load_s"], floor
    log(f"  floor: bulk load {floor['load_s']:.1f} s ({floor['load_cpu_s']:.1f} CPU-s), "
        f"compaction {floor['compact_s']:.1f} s ({floor['compact_cpu_s']:.1f} CPU-s)")
    result["startup_s"] = _startup_floor()
    result["change"] = bench_changes(corpus, store, repeat)
    result["fingerprint"] = ingestion_fingerprint()
    result["date"] = dt.datetime.now().isoformat(timespec="seconds")
    (workdir / f"ingest-{size}-seed{seed}.json").write_text(json.dumps(result, indent=1))
    return result


def _floor_cells(result: dict[str, Any]) -> str:
    """The floor's CPU time and its compaction (seconds, CPU-seconds): two cells, dashes for a result
    measured before they were."""
    floor = result.get("floor")
    if floor is None:
        return "– | –"
    return f"{floor['load_cpu_s']:.0f} s | {floor['compact_s']:.1f} s ({floor['compact_cpu_s']:.0f} CPU-s)"


def ingest_markdown(results: list[dict[str, Any]]) -> list[str]:
    """The ingestion section of the report."""
    if not results:
        return []
    lines = ["## Ingestion", "",
             "Each figure is one `claimgraph ingest` process, as an operator runs it (`--force` for the full "
             "ingest, on every core; the changes are incremental). *Floor*: pyoxigraph's bulk loader alone, "
             "loading the same quads from one N-Quads file into an empty store, and its CPU time (the loader "
             "works on several threads; a full ingest also compacts the store it loads, which the floor's "
             "compaction column times); *start-up*: the interpreter "
             "and the imports every `claimgraph` command pays. Peak RSS is the process with its workers. "
             f"Load average of the machine when measured (other work running): "
             + ", ".join(f"{r['size']:,}: {r['load'][0]:.1f}" for r in results) + ".", "",
             "| claims | full ingest | claims/s | CPU time | peak RSS | floor (bulk load) | floor's CPU time | "
             "floor's compaction | add one 50-claim article | edit it | delete it | peak RSS (change) | start-up |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for r in results:
        c = r["change"]
        lines.append(
            f"| {r['size']:,} | {r['full']['seconds']:.1f} s | {r['full']['claims_per_s']:,.0f} | "
            f"{r['full']['cpu_s']:.0f} s | "
            f"{r['full']['peak_rss_mib']:,.0f} MiB | {r['floor_bulk_load_s']:.1f} s | {_floor_cells(r)} | "
            f"{c['add']['median_s']:.2f} s | {c['edit']['median_s']:.2f} s | {c['delete']['median_s']:.2f} s | "
            f"{max(m['peak_rss_mib'] for m in c.values()):,.0f} MiB | {r['startup_s']:.2f} s |")
    lines.append("")
    return lines


# -- the report ---------------------------------------------------------------------------------


def _cell(m: dict[str, Any] | None) -> str:
    if m is None:
        return "–"
    if "error" in m:
        reason = m["error"]
        if reason.startswith("QueryTimeout"):
            return "timeout"
        if reason.startswith("not measured"):
            return "not run (engine timed out)"
        return "error: " + reason[:100].replace("|", "\\|")
    return f"{m['median']:.2f} / {m['p95']:.2f}"


def markdown(results: list[dict[str, Any]], repeat: int, timeout_s: float = QUERY_TIMEOUT_S,
             ingests: list[dict[str, Any]] | None = None) -> str:
    lines = [
        "# Benchmarks",
        "",
        f"Generated by `make bench` on {dt.date.today().isoformat()}. Machine: {machine()}.",
        f"Each question is asked {repeat} times after up to 3 warm-up runs (fewer when one measurement "
        f"would take over {BUDGET_S:.0f} s: the cell then says how many); figures are median / p95 in ms.",
        "*Engine* is the store's own time for every SPARQL query the question needs, rows not laid out "
        "(`claimgraph.queries.run.fetch`); *product* adds parameter checks, binding, the layout and JSON "
        "encoding, as the API does per request (`json.dumps(ask(...).as_json())`).",
        "*embedded* is pyoxigraph in-process; *oxigraph-server* and *virtuoso* are the real servers on "
        f"loopback, queried over HTTP. A run over {timeout_s:g} s counts as a timeout on every backend. "
        f"Virtuoso runs with {VIRTUOSO_BUFFERS:,} buffers and no 10,000-row cap. A cell marked ≠ "
        "holds an answer that differs from the embedded store's.",
        "*First page over HTTP* (`tools/bench_pages.py`): each question's first page from a real uvicorn server; "
        "*first* the first request after the server started, *cold* requests the answer cache has not seen "
        "(each with its own `Accept`), *repeated* the same request answered from the answer cache (read with httpx, "
        "and with the standard library's `http.client`, which leaves out httpx's parsing of the body), *floor* the "
        "minimal engine query for the same first page in process on the same store (`floor_query`), *peak RSS* "
        "the server's `VmHWM`.",
        "",
    ]
    lines += ingest_markdown(ingests or [])
    for r in results:
        lines += [f"## {r['size']:,} claims ({r['quads']:,} quads)", ""]
        reused = f" (store reused from {r['date']})" if r.get("reused") else ""
        lines.append(f"Ingest through the real path (parse, validate, resolve, build, SHACL, write): "
                     f"{r['ingest_s']:.1f} s, {r['claims_per_s']:.0f} claims/s{reused}.")
        for name, p in r.get("publish", {}).items():
            if "error" in p:
                lines.append(f"Publish to {name}: {p['error']}.")
            else:
                lines.append(f"Publish to {name} ({p['how']}, a fresh database): {p['seconds']:.1f} s for "
                             f"{p['graphs']:,} graphs, {p['triples']:,} triples "
                             f"({p['triples'] / p['seconds']:,.0f} triples/s).")
        lines.append("")
        if r.get("http_pages"):
            lines += bench_pages.markdown(r["size"], r["http_pages"])
        names = list(r["backends"])
        if not names:
            continue
        by_name = {n: {row["question"]: row for row in r["backends"][n]} for n in names}
        first = by_name[names[0]]
        head = "| question | rows | " + " | ".join(f"{n} engine | {n} product" for n in names) + " |"
        lines += [head, "|" + " --- |" * (2 + 2 * len(names))]
        for q in first:
            cells = []
            for n in names:
                row = by_name[n].get(q)
                if row is None:
                    cells += ["–", "–"]
                    continue
                differs = ("digest" in row and "digest" in first[q] and row["digest"] != first[q]["digest"])
                mark = f" ≠ ({row.get('rows')} rows)" if differs else ""
                for part in ("engine", "product"):
                    m = row[part]
                    text = _cell(m)
                    if "error" not in m and m["runs"] < repeat:
                        text += f" (n={m['runs']})"
                    cells.append(text + (mark if part == "product" else ""))
            counts = [by_name[n][q]["rows"] for n in names if "rows" in by_name[n].get(q, {})]
            lines.append(f"| {q} | {counts[0] if counts else '–'} | " + " | ".join(cells) + " |")
        lines.append("")
        overheads = []
        for n in names:
            h = by_name[n].get(HEADLINE)
            if h and "error" not in h["engine"] and "error" not in h["product"]:
                e, p = h["engine"]["median"], h["product"]["median"]
                overheads.append(f"{n} engine {e:.2f} ms, product {p:.2f} ms ({100 * (p / e - 1):+.0f}%)")
            elif h:
                overheads.append(f"{n} failed")
        http = r.get("http_headline")
        http_text = ""
        if http and "error" not in http:
            http_text = f"; over HTTP from uvicorn on the embedded store {http['median']:.2f} ms median, {http['p95']:.2f} ms p95"
        elif http:
            http_text = f"; over HTTP: {http['error']}"
        lines += [f"Headline (`{HEADLINE}`, azal-crash, russia): " + "; ".join(overheads) + http_text + ".", ""]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--seed", type=int, help="the synthetic corpus's seed (default: its size)")
    parser.add_argument("--out", type=Path, default=Path("docs/benchmarks.md"))
    parser.add_argument("--workdir", type=Path,
                        help="where corpora, stores and server folders go, kept for the next run "
                             "(default: a temporary folder, removed after)")
    parser.add_argument("--backends", nargs="+", choices=BACKENDS, default=list(BACKENDS))
    parser.add_argument("--questions", nargs="+", help="only these questions (default: all)")
    parser.add_argument("--timeout", type=float, default=QUERY_TIMEOUT_S,
                        help=f"time limit per question run, seconds (default {QUERY_TIMEOUT_S:g})")
    parser.add_argument("--oxigraph-publish", choices=("put", "load"), default="put",
                        help="load the Oxigraph server by `claimgraph publish` (Graph Store PUT per graph, the "
                             "default) or by `oxigraph load` with the server stopped (faster)")
    parser.add_argument("--keep-store", action="store_true",
                        help="reuse a store in --workdir even if the ingestion code or ontology changed since")
    parser.add_argument("--ingest-only", action="store_true",
                        help="only the ingestion benchmark (full ingest, one-article changes, peak memory)")
    parser.add_argument("--no-ingest", action="store_true", help="skip the ingestion benchmark")
    parser.add_argument("--http-only", action="store_true",
                        help="of the question benchmarks, only each question's first page over HTTP "
                             "(cold, repeated, floor, peak RSS): no per-backend engine and product runs")
    parser.add_argument("--changes-only", action="store_true",
                        help="only the one-article changes, on the corpus and store a previous ingestion "
                             "benchmark left in --workdir (no full ingest)")
    parser.add_argument("--cold", action="store_true",
                        help="with --changes-only: evict the corpus and the store's current version from the "
                             "page cache before each change (those files only)")
    parser.add_argument("--asks", nargs="+", metavar="QUESTION?NAME=VALUE&...",
                        help="with --http-only: ask these questions with these parameters (as the setting "
                             "CLAIMGRAPH_READY_ANSWERS writes them) instead of each question with its usual ones")
    parser.add_argument("--changes", type=int, default=5,
                        help="times each one-article change (add, edit, delete) is measured (default 5)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="claimgraph-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    workdir = workdir.resolve()
    if args.changes_only:
        for size in args.sizes:
            seed = size if args.seed is None else args.seed
            corpus = workdir / f"ingest-corpus-{size}-seed{seed}"
            store = workdir / f"ingest-store-{size}-seed{seed}" / "store"
            log(f"{size} claims: one-article changes on {store} (load {os.getloadavg()[0]:.2f})")
            print(json.dumps({"size": size, "load": os.getloadavg(), "cold": args.cold,
                              "change": bench_changes(corpus, store, args.changes, args.cold)}, indent=1))
        return 0
    backends = [name for name in BACKENDS if name in args.backends]
    try:
        ingests = [] if args.no_ingest else [
            bench_ingest(size, size if args.seed is None else args.seed, workdir, args.changes) for size in args.sizes]
        results = [] if args.ingest_only else [
            bench_size(size, size if args.seed is None else args.seed, args.repeat, workdir, backends,
                       args.questions, args.timeout, args.keep_store, args.oxigraph_publish, args.http_only,
                       args.asks)
            for size in args.sizes]
    finally:
        if args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)
    from tools.load import keep_section
    text = markdown(results, args.repeat, args.timeout, ingests)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(keep_section(args.out, text), encoding="utf-8")  # tools/load.py writes its own section
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
