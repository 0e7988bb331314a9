"""The ``claimgraph`` command.

Exit codes (``docs/decisions/0010-exit-codes.md``): 0 success, 1 invalid input (a corpus error, a bad parameter, an
unknown slug), 2 any other error (the store is missing or failing).

    claimgraph ingest [CORPUS_DIR] [--store DIR] [--dry-run] [--force] [--workers N]
    claimgraph questions
    claimgraph check [--store DIR | CORPUS_DIR] [--quality]
    claimgraph ask NAME [--PARAM VALUE ...] [--format table|json|csv] [--store DIR | --endpoint URL]
    claimgraph serve [--host H] [--port P] [--store DIR | --endpoint URL]
    claimgraph publish [--endpoint URL] [--store DIR | CORPUS_DIR] [--kind auto|oxigraph|virtuoso]
    claimgraph export [--format trig|nquads|jsonld|schema] [--out FILE] [--store DIR]
    claimgraph docs [--store DIR] [--out DIR]

Only this command prints: its results on stdout, and the progress that the library logs
(``logging.getLogger(__name__)`` in each module) on stderr, through :func:`log_progress`.
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
import os
import sys
import textwrap
import traceback
from pathlib import Path
from typing import Any

from claimgraph.ontology.errors import ClaimgraphError, CorpusError, ParameterError
from claimgraph.queries.settings import KINDS, Settings, get_settings
from claimgraph.queries.store import Backend, EmbeddedBackend, open_backend


def _table(rows: list[dict[str, Any]], width: int) -> str:
    if not rows:
        return "(no results)"
    columns = list(dict.fromkeys(k for row in rows for k in row))
    cells = [[("" if row.get(c) is None else str(row.get(c))) for c in columns] for row in rows]
    widths = [max(len(c), *(len(r[i]) for r in cells)) for i, c in enumerate(columns)]
    budget = max(width - 3 * (len(columns) - 1), 20 * len(columns))
    while sum(widths) > budget and max(widths) > 12:
        widths[widths.index(max(widths))] -= 1
    clip = lambda s, w: s if len(s) <= w else s[: w - 1] + "…"  # noqa: E731
    line = lambda vals: " | ".join(clip(v, w).ljust(w) for v, w in zip(vals, widths)).rstrip()  # noqa: E731
    return "\n".join([line(columns), "-+-".join("-" * w for w in widths), *(line(r) for r in cells)])


def cmd_ingest(args: argparse.Namespace) -> int:
    from claimgraph.ingest.pipeline import ingest
    store = None if args.dry_run else (args.store or get_settings().store)
    ingest(Path(args.corpus), store=store, force=args.force, workers=args.workers,
           meter=_ProgressBar() if sys.stderr.isatty() else None)
    return 0


class _ProgressBar:
    """A long ingest's progress on a terminal: articles done, claims a second, time left (tqdm).
    Not shown when stderr is not a terminal (pipes, CI): the log lines say what was done."""

    def __init__(self) -> None:
        self.bar: Any = None
        self.claims = 0

    def start(self, articles: int) -> None:
        from tqdm import tqdm
        self.bar = tqdm(total=articles, unit="article", file=sys.stderr, leave=False, dynamic_ncols=True,
                        mininterval=0.5, desc="compiling")

    def advance(self, articles: int, claims: int) -> None:
        self.claims += claims
        if self.bar is not None:
            self.bar.update(articles)
            elapsed = self.bar.format_dict["elapsed"]
            if elapsed > 0:
                self.bar.set_postfix_str(f"{self.claims / elapsed:,.0f} claims/s", refresh=False)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def cmd_questions(args: argparse.Namespace) -> int:
    from claimgraph.queries.catalog import catalog
    for q in catalog().values():
        kinds = {p.name: "|".join(p.choices) if p.choices else p.type.upper() for p in q.all_params}
        params = " ".join(f"{p.option} {kinds[p.name]}" if p.required else f"[{p.option} {kinds[p.name]}]"
                          for p in q.all_params)
        print(f"{q.name} {params}\n    {q.summary}")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    """HermiT over the ontology and the data (exit 1 if inconsistent), or --quality: the SPARQL checks."""
    from claimgraph.ingest.pipeline import corpus_quads
    from claimgraph.ontology import checks, reasoning
    from claimgraph.ontology.data import data_graph
    if args.corpus and args.store:
        raise ParameterError("check either a corpus folder or --store DIR, not both")
    source = Path(args.corpus) if args.corpus else (args.store or get_settings().store)
    quads = corpus_quads(source) if args.corpus else list(EmbeddedBackend(source).quads())
    if args.quality:
        print(f"quality checks on the ontology, the shapes and {source}", file=sys.stderr)
        lines, found = checks.report(checks.run_checks(checks.build_store(quads), checks.load_checks(),
                                                       with_data=True), checks.load_checks())
        print("\n".join(lines))
        return 1 if found else 0
    reasoning.require_java()
    data = data_graph(quads)
    print(f"HermiT on the ontology and {len(data)} triples of {source}", file=sys.stderr)
    report = reasoning.check_data(data)
    print(report.text)
    return 0 if report.ok else 1


def cmd_ask(args: argparse.Namespace) -> int:
    from claimgraph.queries.catalog import get
    from claimgraph.queries.run import ask
    question = get(args.question)
    params = {p.name: getattr(args, p.name) for p in question.all_params}
    backend = _backend(args)
    answer = ask(question.name, {k: v for k, v in params.items() if v is not None}, backend)
    if args.format == "json":
        json.dump(answer.as_json(), sys.stdout, indent=2, ensure_ascii=False)
        print()
    else:
        rows = answer.flat()
        if args.format == "csv":
            writer = csv.DictWriter(sys.stdout, fieldnames=list(dict.fromkeys(k for r in rows for k in r)),
                                    lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
        else:
            width = int(os.environ.get("COLUMNS", 0)) or os.get_terminal_size(sys.stdout.fileno()).columns \
                if sys.stdout.isatty() else int(os.environ.get("COLUMNS", 160))
            print(_table(rows, width))
            for line in _summaries(answer.extra):
                print(line)
            shown = f"{len(answer.page)}" if answer.total == len(answer.page) and not answer.offset else \
                f"{len(answer.page)} of {answer.total} (from {answer.offset + 1})"
            print(f"\n{shown} result(s) for {question.name}"
                  + "".join(f" {question.param(k).option} {v}" for k, v in answer.params.items()))
    return 0


def _summaries(extra: dict[str, Any]) -> list[str]:
    """The summaries of an answer (counts by stance, whom an outlet quotes ...) as short lines."""
    def name(item: Any) -> str:
        if isinstance(item, dict):
            entity = next((v for v in item.values() if isinstance(v, dict) and "slug" in v), None)
            return entity["slug"] if entity else str(item.get("id") or item.get("slug") or "")
        return str(item)

    lines = []
    for key, value in extra.items():
        if key == "nodes" or not value:
            continue
        if isinstance(value, dict) and all(isinstance(v, int | str | bool | None) for v in value.values()):
            text = ", ".join(f"{k} {v}" for k, v in value.items())
        elif isinstance(value, list):
            counts = [f"{name(i)} {i.get('count', i.get('claims', ''))}".strip() if isinstance(i, dict) else str(i)
                      for i in value[:8]]
            text = ", ".join(counts) + (f", ... ({len(value)} in all)" if len(value) > 8 else "")
        else:
            text = str(value)
        lines.append(f"{key.replace('_', ' ')}: {text}")
    return ["", *lines] if lines else []


def _settings(args: argparse.Namespace) -> Settings:
    """The settings with the command's --store and --endpoint applied: an explicit --store wins
    over $CLAIMGRAPH_ENDPOINT."""
    settings = get_settings().with_(store=getattr(args, "store", None), endpoint=getattr(args, "endpoint", None))
    if getattr(args, "store", None) and not getattr(args, "endpoint", None):
        settings = settings.model_copy(update={"endpoint": None})
    return settings


def _backend(args: argparse.Namespace) -> Backend:
    """The remote server of --endpoint (or $CLAIMGRAPH_ENDPOINT), else the embedded store."""
    return open_backend(_settings(args))


def cmd_publish(args: argparse.Namespace) -> int:
    from claimgraph.ingest.pipeline import compile_corpus
    from claimgraph.queries.publish import graphs_from_dataset, graphs_from_store, publish
    endpoint = args.endpoint or get_settings().endpoint
    if not endpoint:
        raise ParameterError("publish needs --endpoint URL (or CLAIMGRAPH_ENDPOINT)")
    if args.corpus and args.store:
        raise ParameterError("publish either a corpus folder or --store DIR, not both")
    graphs = (graphs_from_dataset(compile_corpus(Path(args.corpus)).dataset) if args.corpus
              else graphs_from_store(args.store or get_settings().store))
    report = publish(endpoint, graphs, kind=args.kind, timeout=args.timeout)
    return 2 if report.mismatched else 0


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from claimgraph.api.app import create_app
    settings = _settings(args)
    where = settings.endpoint or settings.store
    print(f"serving {where} on http://{args.host}:{args.port} (docs at /docs)", file=sys.stderr)
    uvicorn.run(create_app(settings, freeze=True), host=args.host, port=args.port, log_level="info")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from claimgraph.queries.export import get_format
    chosen = get_format(args.format)  # an unknown format lists the formats (exit 1)
    backend = _backend(args)
    if args.out is None:
        chosen.exporter.dump(backend, sys.stdout.buffer)
        sys.stdout.buffer.flush()
        return 0
    partial = args.out.with_name(f".{args.out.name}.partial-{os.getpid()}")
    try:
        with open(partial, "wb") as out:
            chosen.exporter.dump(backend, out)
        os.replace(partial, args.out)
    finally:
        partial.unlink(missing_ok=True)
    print(f"wrote {args.out} ({chosen.name}, {args.out.stat().st_size} bytes)", file=sys.stderr)
    return 0


def cmd_docs(args: argparse.Namespace) -> int:
    """``make docs``: the ontology documentation, with examples from the store."""
    from claimgraph.ontology import docs
    for path in docs.write(args.out or get_settings().docs_dir, _backend(args)):
        print(f"wrote {path}", file=sys.stderr)
    return 0


def parser() -> argparse.ArgumentParser:
    from claimgraph.queries.catalog import catalog
    top = argparse.ArgumentParser(prog="claimgraph", description=__doc__.split("\n\n")[0],
                                  formatter_class=argparse.RawDescriptionHelpFormatter,
                                  epilog="exit codes: 0 ok, 1 invalid input, 2 error")
    sub = top.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("ingest", help="validate the corpus and load it into the store")
    p.add_argument("corpus", nargs="?", default="corpus", help="the corpus folder (default: corpus)")
    p.add_argument("--store", type=Path, help="the store folder (default: $CLAIMGRAPH_STORE or data/store)")
    p.add_argument("--dry-run", action="store_true", help="validate only; write nothing")
    p.add_argument("--force", action="store_true", help="rebuild everything, even if the store is up to date")
    p.add_argument("--workers", type=int, help="processes for a full build (default: every core)")
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("questions", help="list the named questions and their parameters")
    p.set_defaults(func=cmd_questions)

    p = sub.add_parser("check", help="reason over the ontology and the data with HermiT (exit 1 if inconsistent)",
                       description="Load the ontology and the ingested data into owlready2 and run HermiT; "
                                   "name the offending individuals if inconsistent. With --quality, run the "
                                   "SPARQL quality checks of ontology/checks/ instead. Exit 1 on any finding.")
    p.add_argument("corpus", nargs="?", help="compile this corpus folder (in memory) instead of reading the store")
    p.add_argument("--store", type=Path, help="the ingested store (default: $CLAIMGRAPH_STORE or data/store)")
    p.add_argument("--quality", action="store_true", help="run the SPARQL quality checks instead of the reasoner")
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("ask", help="answer a named question")
    qs = p.add_subparsers(dest="question", required=True, metavar="QUESTION")
    for q in catalog().values():
        qp = qs.add_parser(q.name, help=q.summary, description=textwrap.fill(q.description))
        for param in q.all_params:
            names = list(dict.fromkeys([param.option, f"--{param.name}"]))
            extra: dict[str, Any] = {"nargs": "?", "const": "true"} if param.type == "boolean" else {}
            if param.choices:
                extra["choices"] = param.choices
            qp.add_argument(*names, dest=param.name, required=param.required, **extra,
                            help=param.description + (f" (e.g. {param.example})" if param.example else "")
                            + (f" (default {param.default})" if param.default is not None else ""))
        qp.add_argument("--format", choices=("table", "json", "csv"), default="table")
        qp.add_argument("--store", type=Path, help="the store folder")
        qp.add_argument("--endpoint", help="ask a SPARQL server instead (its query URL)")
        qp.set_defaults(func=cmd_ask)

    p = sub.add_parser("serve", help="serve the API")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=int(os.environ.get("PORT", 8000)))
    p.add_argument("--store", type=Path)
    p.add_argument("--endpoint", help="serve from a SPARQL server (its query URL) instead of the store")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("publish", help="load the ingested graphs into a SPARQL server, replacing them there")
    p.add_argument("corpus", nargs="?", help="compile this corpus folder instead of reading the store")
    p.add_argument("--endpoint", help="the server's query URL, e.g. http://127.0.0.1:7878/query (Oxigraph) "
                                      "or http://127.0.0.1:8890/sparql (Virtuoso); default $CLAIMGRAPH_ENDPOINT")
    p.add_argument("--store", type=Path, help="the ingested store to read (default: $CLAIMGRAPH_STORE or data/store)")
    p.add_argument("--kind", choices=KINDS, default="auto",
                   help="which server it is (default: ask it)")
    p.add_argument("--timeout", type=float, help="seconds per request (default: $CLAIMGRAPH_PUBLISH_TIMEOUT or 120)")
    p.set_defaults(func=cmd_publish)

    p = sub.add_parser("export", help="write the whole graph as TriG, N-Quads, JSON-LD or schema.org Claims")
    p.add_argument("--format", default="trig", metavar="{trig,nquads,jsonld,schema}",
                   help="trig (default): one named graph per article; nquads; jsonld: with the published "
                        "context; schema: schema.org Claim JSON-LD for fact-checking tools")
    p.add_argument("--out", type=Path, help="the file to write (default: standard output)")
    p.add_argument("--store", type=Path, help="the store folder")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("docs", help="write the ontology documentation, with examples from the store (make docs)")
    p.add_argument("--store", type=Path, help="the store to take examples from (default: $CLAIMGRAPH_STORE or data/store)")
    p.add_argument("--out", type=Path, help="the folder to write (default: $CLAIMGRAPH_DOCS_DIR or build/docs)")
    p.set_defaults(func=cmd_docs)
    return top


class _Stderr(logging.Handler):
    """Progress of the library's loggers, to whatever ``sys.stderr`` is when it is written."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            sys.stderr.write(self.format(record) + "\n")
            sys.stderr.flush()
        except (OSError, ValueError):  # a closed or broken stderr: nothing to tell
            pass


def log_progress() -> None:
    """Show claimgraph's progress messages (INFO and above) on stderr, once per process."""
    logger = logging.getLogger("claimgraph")
    if not any(isinstance(h, _Stderr) for h in logger.handlers):
        logger.addHandler(_Stderr())
        logger.setLevel(logging.INFO)


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    log_progress()
    try:
        return args.func(args)
    except CorpusError as exc:
        count = len(exc.problems)
        print(f"claimgraph: the corpus has {count} problem(s); nothing was written:", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return exc.exit_code
    except ClaimgraphError as exc:
        print(f"claimgraph: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 2
    except BrokenPipeError:  # `claimgraph ask ... | head`: the reader has seen enough
        sys.stderr.close()
        return 0
    except Exception as exc:  # a bug, not the user's input: exit 2, with the trace where it can be read
        logging.getLogger(__name__).debug("unexpected error", exc_info=True)
        print(f"claimgraph: internal error ({type(exc).__name__}: {exc}); this is a bug in claimgraph, "
              "not in your input. Run with CLAIMGRAPH_DEBUG=1 for the traceback.", file=sys.stderr)
        if os.environ.get("CLAIMGRAPH_DEBUG"):
            traceback.print_exc()
        return 2


if __name__ == "__main__":
    sys.exit(main())
