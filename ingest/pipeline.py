"""Ingestion end to end: read, validate, resolve, build, check shapes, write.

A dry run (``store=None``) validates everything and writes nothing:

>>> from pathlib import Path
>>> report = ingest(Path("corpus"), store=None, progress=lambda message: None)
>>> report.articles, report.written
(5, False)
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph

from claimgraph import ontology
from claimgraph.ontology import iris
from claimgraph.ingest.build import Built, build
from claimgraph.ingest.load import read_articles, read_registry
from claimgraph.ingest.shapes import check
from claimgraph.ontology.data import dataset_quads
from claimgraph.queries.settings import get_settings
from claimgraph.queries.store.versions import VersionWriter, is_current
from claimgraph.ontology.errors import CorpusError, Problem, ShapeViolation

logger = logging.getLogger(__name__)

Progress = Callable[[str], None]


@dataclass(frozen=True)
class IngestReport:
    articles: int
    claims: int
    quads: int
    digest: str
    written: bool
    seconds: float


#: The code outside this folder that decides what the store holds (minted IRIs, search keys, SHACL).
BUILDERS = tuple(Path(ontology.__file__).parent / name for name in ("iris.py", "folding.py", "validation.py"))


def store_builders() -> list[Path]:
    """Every file besides the corpus that decides what the store holds: the ontology and its
    shapes, the ingestion code, and the naming and validation code it uses. Exporting,
    publishing and tooling are not among them: changing them does not mean re-ingesting."""
    return [ontology.SOURCE, ontology.SHAPES, *BUILDERS, *sorted(Path(__file__).parent.glob("*.py"))]


def corpus_digest(corpus: Path) -> str:
    """A digest of everything the store is built from: corpus files, :func:`store_builders`, the
    package version."""
    from importlib.metadata import version
    h = hashlib.sha256(version("claimgraph").encode())
    files = sorted(p for p in corpus.rglob("*.yaml") if p.is_file())
    for path in [*files, *store_builders()]:
        h.update(str(path.relative_to(path.parent.parent)).encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


def compile_corpus(corpus: Path, *, progress: Progress = logger.info) -> Built:
    """Read and validate the corpus into an RDF dataset; raise CorpusError listing every problem."""
    if not corpus.is_dir():
        raise CorpusError(f"no corpus folder at {corpus}")
    problems: list[Problem] = []
    registry = read_registry(corpus, problems)
    articles = read_articles(corpus, problems)
    progress(f"read {len(registry.entries)} registry entries and {len(articles)} article files")
    built = build(registry, articles)
    problems.extend(built.problems)
    if problems:
        raise CorpusError(problems=problems)
    progress(f"built {built.claim_count} claims in {built.article_count} article graphs; checking shapes")
    violations = check(built.dataset, built.origins)
    if violations:
        raise ShapeViolation(problems=violations)
    onto = built.dataset.graph(iris.ONTOLOGY_GRAPH)
    for triple in _skolemized(Graph().parse(ontology.SOURCE, format="turtle")):
        onto.add(triple)
    return built


def corpus_quads(corpus: Path) -> list[ox.Quad]:
    """The quads that ``claimgraph ingest`` would write for ``corpus`` (validated, not written).

    Raises CorpusError (exit 1) when the corpus is invalid.
    """
    return dataset_quads(compile_corpus(Path(corpus), progress=lambda message: None).dataset)


def _skolemized(graph: Graph):
    """The ontology's triples with blank nodes replaced by stable IRIs (canonical labelling),
    so that ingesting the same ontology twice gives the same quads."""
    from rdflib import BNode, URIRef
    from rdflib.compare import to_canonical_graph

    def skolem(term):
        return URIRef(f"{iris.BASE}.well-known/genid/{term}") if isinstance(term, BNode) else term
    for s, p, o in to_canonical_graph(graph):
        yield skolem(s), p, skolem(o)


def ingest(corpus: Path, *, store: Path | None, force: bool = False, progress: Progress = logger.info,
           lock_timeout: float | None = None) -> IngestReport:
    """Validate the corpus and, unless ``store`` is None (a dry run), replace the store with it.

    Nothing is written unless every file, reference and shape is valid; the previous store
    stays exactly as it was on any error. One ingest writes a store at a time: another one waits
    for it at most ``lock_timeout`` seconds (``CLAIMGRAPH_INGEST_LOCK_TIMEOUT``), then fails with
    StoreBusy (exit 2).
    """
    started = time.perf_counter()
    digest = corpus_digest(corpus) if corpus.is_dir() else ""
    if store is None:
        built = compile_corpus(corpus, progress=progress)
        return _report(built, len(built.dataset), digest, False, started, progress)
    timeout = get_settings().ingest_lock_timeout if lock_timeout is None else lock_timeout
    with VersionWriter(store, lock_timeout=timeout, progress=progress) as writer:
        if not force and is_current(store, digest):
            writer.prune()
            progress(f"store {store} is up to date with the corpus (digest {digest})")
            return IngestReport(0, 0, 0, digest, False, time.perf_counter() - started)
        built = compile_corpus(corpus, progress=progress)
        nquads = built.dataset.serialize(format="nquads", encoding="utf-8")
        quads = nquads.count(b"\n")
        progress(f"writing {quads} quads to {store}")
        build = writer.new_version()
        build.store().bulk_load(nquads, format=ox.RdfFormat.N_QUADS)
        build.commit(digest)
    return _report(built, quads, digest, True, started, progress)


def _report(built: Built, quads: int, digest: str, written: bool, started: float, progress: Progress) -> IngestReport:
    seconds = time.perf_counter() - started
    progress(f"{'ingested' if written else 'checked'} {built.article_count} articles, "
             f"{built.claim_count} claims, {quads} quads in {seconds:.1f} s")
    return IngestReport(built.article_count, built.claim_count, quads, digest, written, seconds)
