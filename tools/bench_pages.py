"""Each question's first page over HTTP, cold and repeated, beside the minimal engine query.

Part of ``make bench`` (:mod:`tools.bench`), on the embedded store of each size. A real uvicorn
server (``claimgraph serve``, :mod:`tools.live_server`) answers; per question, with the
benchmark's parameters (:func:`tools.bench.params_for`) and its first page (``limit=100``):

- **first**: the very first request for it after the server started;
- **cold**: requests the answer cache has not seen (each carries an ``Accept`` header of its own,
  which the key holds and the question ignores), so the answer is computed each time; the
  store's own caches are warm;
- **repeated**: the same request again, answered from the answer cache (``X-Answer-Cache: hit``
  is checked on every one);
- **repeated, stdlib**: the same repeats read with the standard library's ``http.client`` on one
  kept-alive connection. httpx, the client of the other columns, parses a body in Python as it
  comes: about 1.6 ms more for a 1 MB answer, which this column leaves out (the server's part);
- **floor**: the minimal engine query, in process on pyoxigraph over the same store
  (:func:`floor_query`): for a question that pages claims, the page's claims in the answer's
  order, sorted and cut by the engine; for one whose ``.rq`` orders its rows, those rows with
  ``LIMIT 100``; for the others (their layout groups every row), all their rows; never any
  details. The cold figure is also given as a ratio to it;
- **peak RSS**: the server process's peak resident memory (``VmHWM``) after every question.

This is a benchmark, not a test: it asserts nothing but that the repeats were cache hits.
"""

from __future__ import annotations

import http.client
import logging
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from claimgraph.queries.catalog import Question, catalog, get
from claimgraph.queries.run import prepare
from claimgraph.queries.store import EmbeddedBackend

logger = logging.getLogger(__name__)

PAGE = 100


def peak_rss_mib(pid: int) -> float:
    """A process's peak resident memory (``VmHWM``), MiB."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except (OSError, ValueError):
        pass
    return 0.0


#: For the layouts that page claims, the engine's own way to the page's claims in the answer's
#: order: the question's patterns, then the claim's time (derived: when it was said) and its
#: article's date and slug, sorted by the engine (the paragraph, which breaks ties within an
#: article, is left out: the floor is a lower bound).
_BY_WHEN = ("?claim cg:saidEarliest ?saidEarliest ; cg:saidLatest ?saidLatest ; cg:inArticle ?floorArticle .\n"
            "  ?floorArticle cg:earliest ?floorPublished ; cg:slug ?floorSlug .",
            "ORDER BY ?saidEarliest ?saidLatest ?floorPublished ?floorSlug ?claim")
_BY_ARTICLE = ("?claim cg:inArticle ?floorArticle .\n  ?floorArticle cg:earliest ?floorPublished ; cg:slug ?floorSlug .",
               "ORDER BY ?floorPublished ?floorSlug ?claim")
FLOOR_ORDERS = {"event-claims": _BY_WHEN, "speaker": _BY_WHEN, "claims": _BY_ARTICLE, "outlet": _BY_ARTICLE}


def floor_query(question: Question, params: dict[str, str], backend: EmbeddedBackend) -> tuple[str, dict[str, Any]]:
    """The minimal engine query for the first page, as the API binds the question:

    - a question that pages claims (:data:`FLOOR_ORDERS`): the page's claims, in the answer's
      order, sorted and cut by the engine (no details, no summaries);
    - a question whose ``.rq`` orders its rows: its rows, limited to one page;
    - any other (its layout groups every row: attributions by outlet): all its rows.

    A question that reads the store's tallies is measured against its own query whole (what the
    engine needs for the same answer without them)."""
    prepared = prepare(question, params, backend, tallies=False)
    query = prepared.query.rstrip()
    order = FLOOR_ORDERS.get(question.layout)
    if order is not None and question.details == "claims":
        select, where = query.index("SELECT"), query.index("WHERE")
        if not query.endswith("}"):
            raise ValueError(f"{question.name}: its query does not end with its WHERE block")
        projected = " ".join(f"?{name}" for name in prepared.bindings)  # bound variables stay projected
        patterns, ordering = order
        body = query[where:-1]
        # Before the question's OPTIONALs, if any: after them, Oxigraph plans the join badly.
        cut = body.find("OPTIONAL") if "OPTIONAL" in body else len(body)
        return (query[:select] + f"SELECT DISTINCT ?claim {projected}\n" + body[:cut] + patterns + "\n  "
                + body[cut:] + "\n}\n" + ordering + f"\nLIMIT {PAGE}\n"), prepared.bindings
    if "ORDER BY" not in query:
        return query + "\n", prepared.bindings
    return query + f"\nLIMIT {PAGE}\n", prepared.bindings


def _median(runs: list[float]) -> float:
    ordered = sorted(runs)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def _timed_ms(fn: Any) -> float:
    started = time.perf_counter()
    fn()
    return (time.perf_counter() - started) * 1000


def measure_floor(question: Question, params: dict[str, str], store: Path, repeat: int,
                  budget_s: float = float("inf")) -> dict[str, Any]:
    """The floor's median over ``repeat`` runs after a warm one; fewer runs (at least one) once
    the runs have taken ``budget_s`` in all (an engine query in process cannot be stopped: at 1M
    claims a whole-corpus floor takes a minute a run)."""
    backend = EmbeddedBackend(store)
    try:
        query, bindings = floor_query(question, params, backend)
        warm = _timed_ms(lambda: backend.select(query, bindings))  # warm, as the cold HTTP runs are
        runs: list[float] = []
        while len(runs) < repeat and (not runs or (warm + sum(runs)) / 1000 < budget_s):
            runs.append(_timed_ms(lambda: backend.select(query, bindings)))
        return {"median": _median(runs), "runs": len(runs)}
    except Exception as exc:  # noqa: BLE001 - reported in the table
        return {"error": f"{type(exc).__name__}: {str(exc)[:120]}"}
    finally:
        backend.close()


def _repeats_stdlib(base: str, target: str, repeat: int) -> dict[str, Any]:
    """``repeat`` repeats of a request, each read whole with ``http.client`` on one kept-alive
    connection from 127.0.0.1, after a first one that the answer cache keeps (its key holds the
    request's own query string and ``Accept``, written otherwise by httpx); the median."""
    host, port = base.split("//", 1)[1].rstrip("/").rsplit(":", 1)
    connection = http.client.HTTPConnection(host, int(port), source_address=("127.0.0.1", 0))
    try:
        connection.request("GET", target, headers={"Accept": "application/json"})
        connection.getresponse().read()
        hits = []
        for _ in range(repeat):
            started = time.perf_counter()
            connection.request("GET", target, headers={"Accept": "application/json"})
            response = connection.getresponse()
            response.read()
            hits.append((time.perf_counter() - started) * 1000)
            if response.status != 200 or response.getheader("x-answer-cache") != "hit":
                raise RuntimeError(f"a repeat was not answered from the answer cache (HTTP {response.status})")
        return {"median": _median(hits), "runs": len(hits)}
    finally:
        connection.close()


def measure_http_pages(store: Path, repeat: int, timeout_s: float, only: list[str] | None = None,
                       params_for: Any = None, asks: list[str] | None = None) -> dict[str, Any]:
    """Per question: first, cold and repeated latency (ms, medians) of its first page over HTTP,
    the floor, and the server's peak RSS; ``{"questions": [...], "peak_rss_mib": ...}``."""
    from tools.bench import params_for as default_params
    from tools.live_server import live_server
    params_for = params_for or default_params
    rows: list[dict[str, Any]] = []
    peak = 0.0
    with tempfile.TemporaryDirectory(prefix="claimgraph-bench-http-") as folder, \
            live_server(store, Path(folder), env={"CLAIMGRAPH_SPARQL_WORKERS": "1"}) as server, \
            server.client(timeout=timeout_s) as client:
        for question, given in _asked(only, asks, params_for):
            params = {**given, "limit": str(PAGE)}
            url = f"/questions/{question.name}"
            label = question.name if asks is None else f"{question.name}?{urlencode(given)}"
            row: dict[str, Any] = {"question": label, "params": params}
            try:
                started = time.perf_counter()
                first = client.get(url, params=params)
                row["first"] = (time.perf_counter() - started) * 1000
                if first.status_code != 200:
                    raise RuntimeError(f"HTTP {first.status_code}: {first.text[:120]}")
                row["total"] = first.json().get("total")
                cold = []
                for n in range(max(1, repeat // 3)):  # cold runs cost the whole answer each: fewer
                    took = _timed_ms(lambda: client.get(url, params=params,
                                                        headers={"Accept": f"application/json, text/x-run-{n};q=0.1"}
                                                        ).raise_for_status())
                    cold.append(took)
                    if sum(cold) > timeout_s * 3:
                        break
                row["cold"] = {"median": _median(cold), "runs": len(cold)}
                hits = []
                for _ in range(repeat):
                    started = time.perf_counter()
                    again = client.get(url, params=params)
                    hits.append((time.perf_counter() - started) * 1000)
                    if again.headers.get("x-answer-cache") != "hit":
                        raise RuntimeError("a repeat was not answered from the answer cache")
                row["repeated"] = {"median": _median(hits), "runs": len(hits)}
                row["repeated_stdlib"] = _repeats_stdlib(server.url, f"{url}?{urlencode(params)}", repeat)
            except Exception as exc:  # noqa: BLE001 - reported in the table
                row["error"] = f"{type(exc).__name__}: {str(exc)[:160]}"
            row["floor"] = measure_floor(question, {k: v for k, v in params.items() if k != "limit"}, store,
                                         max(3, repeat // 3), budget_s=timeout_s * 3)
            peak = max(peak, peak_rss_mib(server.process.pid))
            row["peak_rss_mib"] = peak
            rows.append(row)
            logger.info("  %-18s %s", question.name, cells(row))
    return {"questions": rows, "peak_rss_mib": peak, "page": PAGE}


def _asked(only: list[str] | None, asks: list[str] | None, params_for: Any) -> list[tuple[Question, dict[str, str]]]:
    """The questions to ask, each with its parameters: those of ``asks`` as written
    (``question?name=value&...``), else every question (of ``only``) with ``params_for``'s."""
    if asks is not None:
        from claimgraph.queries.settings import ready_spec
        return [(get(name), params) for name, params in map(ready_spec, asks)]
    return [(question, params_for(question)) for question in catalog().values() if not only or question.name in only]


def _ms(m: dict[str, Any] | None) -> str:
    if not m:
        return "–"
    return f"{m['median']:.1f}" if "median" in m else "error"


def cells(row: dict[str, Any]) -> str:
    """One question's cells: total, first, cold, repeated (httpx, stdlib), floor, cold / floor, peak RSS."""
    if "error" in row:
        return f"| {row['question']} | – | error: {row['error'][:80]} | | | | {_ms(row.get('floor'))} | | |"
    floor = row["floor"]
    ratio = (f"{row['cold']['median'] / floor['median']:.1f}×" if "median" in floor and floor["median"] > 0
             else "–")
    return (f"| {row['question']} | {row['total']} | {row['first']:.1f} | {_ms(row['cold'])} | "
            f"{_ms(row['repeated'])} | {_ms(row.get('repeated_stdlib'))} | {_ms(floor)} | {ratio} | "
            f"{row['peak_rss_mib']:.0f} |")


def markdown(size: int, result: dict[str, Any]) -> list[str]:
    """The table of one size."""
    lines = [f"First page of {result['page']} over HTTP (uvicorn, embedded store, {size:,} claims): ms, medians; "
             "*cold* not in the answer cache, *repeated* from it (httpx; *stdlib*: read with `http.client`, "
             "which does not parse the body in Python as it comes), *floor* the minimal engine query in process "
             "(a question that pages claims: the page's claims in the answer's order, sorted and cut by the engine; "
             f"one whose query orders its rows: its first {result['page']} rows; any other: all its rows; never "
             "details); peak RSS of the server so far, MiB.", "",
             "| question | total | first | cold | repeated | repeated, stdlib | floor | cold / floor | peak RSS |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    lines += [cells(row) for row in result["questions"]]
    return [*lines, ""]


__all__ = ["PAGE", "floor_query", "markdown", "measure_http_pages", "peak_rss_mib"]
