"""Compile many articles on every core: a pool of worker processes, each with its own registry
and shape checker, fed files in order and giving their units back in order, with a bounded
number in flight (so that memory stays bounded however large the corpus).

Workers are started with ``spawn``: they inherit nothing from the ingest process (not its lock on
the store, not an open store). Each reads the registry from the bytes the ingest read, so every
article is built against the same registry the ingest records.
"""

from __future__ import annotations

import gc
import itertools
import multiprocessing
import os
from collections import deque
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from collections.abc import Callable, Iterator
from pathlib import Path

from claimgraph.ingest.files import display, read_bytes
from claimgraph.ingest.units import ArticleUnit, UnitContext, compile_article, relative
from claimgraph.ontology.errors import BackendError, CorpusError
from claimgraph.queries.settings import get_settings

#: Articles per task sent to a worker.
CHUNK = 8
#: Below this many articles, compiling in the ingest process is faster than starting workers.
SMALL = 64

_context: UnitContext | None = None


def default_workers() -> int:
    """Every core this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def _start(root: Path, registry: dict[Path, bytes]) -> None:
    global _context
    _context = UnitContext.from_corpus(root, registry)
    # The context (the registry, its graph and index, the compiled shapes, the ontology) lives as
    # long as the worker: moved out of the collector's sight, it is no longer walked again by the
    # collections that every article's garbage sets off (about a tenth of a worker's CPU).
    gc.freeze()


def _compile(root: Path, paths: list[Path]) -> list[ArticleUnit]:
    assert _context is not None
    return [_one(_context, root, path) for path in paths]


def _one(context: UnitContext, root: Path, path: Path) -> ArticleUnit:
    try:
        data = read_bytes(path, display(path, root), max_bytes=get_settings().corpus_max_file_bytes)
    except CorpusError as exc:
        unit = ArticleUnit(relative(path, root), "", display(path, root))
        unit.problems.extend(exc.problems)
        return unit
    return compile_article(context, path, root, data)


def compile_articles(root: Path, paths: list[Path], registry: dict[Path, bytes], *, workers: int | None = None,
                     context: UnitContext | None = None, meanwhile: Callable[[], None] | None = None
                     ) -> Iterator[ArticleUnit]:
    """Every article of ``paths`` compiled, in order: over ``workers`` processes (every core by
    default), or in this process for a few articles or one worker (with ``context`` if given).
    ``meanwhile`` is called once, before the first article is given: while the workers start, when
    there are any."""
    workers = default_workers() if workers is None else workers
    if workers <= 1 or len(paths) < SMALL:
        if meanwhile is not None:
            meanwhile()
        context = context or UnitContext.from_corpus(root, registry)
        for path in paths:
            yield _one(context, root, path)
        return
    chunks = [paths[i:i + CHUNK] for i in range(0, len(paths), CHUNK)]
    # concurrent.futures, not multiprocessing.Pool: a worker that dies breaks the pool with an
    # error instead of leaving the ingest waiting forever.
    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"), initializer=_start,
                               initargs=(root, registry))
    try:
        pending: deque = deque()
        todo = iter(chunks)
        for chunk in itertools.islice(todo, 3 * workers):
            pending.append(pool.submit(_compile, root, chunk))
        if meanwhile is not None:
            meanwhile()
        while pending:
            units = pending.popleft().result()
            next_chunk = next(todo, None)
            if next_chunk is not None:
                pending.append(pool.submit(_compile, root, next_chunk))
            yield from units
    except BrokenProcessPool as exc:
        raise BackendError(f"a worker compiling articles died: {exc}") from exc
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
