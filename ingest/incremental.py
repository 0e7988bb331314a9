"""Incremental ingestion: apply what changed in the corpus to a copy of the store's current version.

What changed is found by comparing every corpus file's digest with those recorded beside the
current version (:mod:`claimgraph.ingest.manifest`):

* an article file added, changed or deleted: its graph and its derived graph are built again,
  or dropped (a rename is a deletion and an addition);
* a registry file changed: the registry graph is built again, and so is every article one of
  whose registry lookups (recorded when it was built) now finds something else; among those
  lookups are the actors its speakers and charged actors roll up to, which its derived facts
  read (:func:`claimgraph.ingest.derive.record_rollups`);
* the shared graph (propositions, curators) keeps exactly the triples that some article in the
  store adds: a triple the articles built again no longer add is removed unless another article
  adds it too (its record says so);
* references to another article's text (``claim:<article>/<id>``) are checked as a full build
  checks them: those of the articles built again against the new articles and the kept ones, and
  those the kept articles make (recorded as lookups) to an article that changed or went.

The changed articles are compiled and checked like in a full build (:mod:`claimgraph.ingest.units`);
on any problem nothing is written. Otherwise a new version is made from the current one with
``Store.backup`` (hard links: the current version is not touched), the changes are applied to it,
its record updated, and it is linked (``queries/store/versions.py``). ``--force``, a change of the
ontology, the shapes or the ingestion code (the builders' digest), or a version without a record,
mean a full build instead. So does a change touching more than :data:`FULL_SHARE` of the
articles: a full build is faster then.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from claimgraph.ingest.derive import REGISTRY
from claimgraph.ingest.manifest import Manifest
from claimgraph.ingest.scan import Recorded
from claimgraph.ingest.parallel import compile_articles
from claimgraph.ingest.units import ArticleUnit, UnitContext, is_text_call, replay, text_target
from claimgraph.ontology import iris
from claimgraph.ontology.namespace import CG
from claimgraph.ontology.errors import Problem
from claimgraph.queries.settings import get_settings
from claimgraph.queries.store.versions import Version, VersionWriter
from claimgraph.queries.tally import article_rows, graph_rows
from claimgraph.queries.tally_store import TallyWriter

logger = logging.getLogger(__name__)

Progress = Callable[[str], None]

#: Above this share of the articles to build again, a full build is made instead.
FULL_SHARE = 0.3


@dataclass
class Plan:
    """What an incremental ingest does."""

    build: list[str] = field(default_factory=list)  # article files to build (added, changed, affected)
    drop: list[str] = field(default_factory=list)  # article files whose graph goes (changed, deleted, affected)
    registry_changed: bool = False
    changed_calls: dict[int, str] = field(default_factory=dict)  # lookup id -> what it finds now

    @property
    def empty(self) -> bool:
        return not (self.build or self.drop or self.registry_changed)


def recorded_files(current: Version, root: Path) -> Recorded | None:
    """What the current version's record says of the corpus files, for :meth:`Scan.of` to trust
    the digest of a file whose status is unchanged; the statuses only when it was made from this
    corpus folder (not a copy of it elsewhere)."""
    manifest = Manifest.open(current.meta, read_only=True)
    if manifest is None:
        return None
    try:
        same = manifest.info("root") == str(root.resolve())
        return Recorded(manifest.files(), manifest.statuses() if same else {})
    finally:
        manifest.close(save=False)


class _Lazy:
    """The registry's context (:meth:`UnitContext.cached`, a second at a million claims), loaded
    when first used: a deletion, or a change that needs no registry lookup, never loads it."""

    def __init__(self, load: Callable[[], UnitContext]) -> None:
        self._load, self._context = load, None

    def __getattr__(self, name: str):  # type: ignore[no-untyped-def]
        if self._context is None:
            self._context = self._load()
        return getattr(self._context, name)


def plan(scan, manifest: Manifest, context: UnitContext | None,  # type: ignore[no-untyped-def]
         recorded_articles: set[str] | None = None) -> Plan:
    """Compare the corpus (``scan``) with the record of the current version."""
    recorded = manifest.files()
    now = scan.files
    articles = {p for p in now if p in scan.articles}
    recorded_articles = set(manifest.articles()) if recorded_articles is None else recorded_articles
    result = Plan()
    registry_now = {p: d for p, d in now.items() if p not in scan.articles}
    registry_then = {p: d for p, d in recorded.items() if p not in recorded_articles}
    result.registry_changed = registry_now != registry_then
    changed = {p for p in articles if recorded.get(p) != now[p]}
    deleted = recorded_articles - articles
    affected: set[str] = set()
    if result.registry_changed and context is not None:
        for call_id, call, found in manifest.calls():
            if is_text_call(call):
                continue  # a reference to an article's text, not to the registry
            now_found = replay(context.registry, call)
            if now_found != found:
                result.changed_calls[call_id] = now_found
        affected = manifest.users(result.changed_calls) & articles
    result.build = sorted(changed | affected)
    result.drop = sorted(((changed | affected) & recorded_articles) | deleted)
    return result


def update(scan, writer: VersionWriter, current: Version, builders: str, *, progress: Progress,  # type: ignore[no-untyped-def]
           started: float):
    """Bring the store up to date from its current version; None when a full build is needed."""
    from claimgraph.ingest.pipeline import IngestReport, Outcome, context_key, version_digest
    manifest = Manifest.open(current.meta, read_only=True)
    if manifest is None:
        progress(f"the store's version {current.name} has no record of its files: building it in full")
        return None
    try:
        if manifest.info("builders") != builders:
            progress("the ontology, the shapes or the ingestion code changed: building the store in full")
            return None
        key = context_key(scan, builders)
        context = _Lazy(lambda: UnitContext.cached(scan.root, scan.registry, current.meta, key))
        recorded = manifest.articles()
        todo = plan(scan, manifest, context, set(recorded))  # type: ignore[arg-type]
        if len(todo.build) > FULL_SHARE * max(1, len(scan.articles)) and len(todo.build) > 20:
            progress(f"{len(todo.build)} of {len(scan.articles)} articles to build again: building in full")
            return None
        kept = {slug: path for path, (slug, _) in recorded.items() if path not in set(todo.drop)}
        outcome = Outcome(context.registry_check() if todo.registry_changed else [])
        outcome.slugs.update(kept)
        units: list[ArticleUnit] = []
        for unit in compile_articles(scan.root, [scan.articles[p] for p in todo.build], scan.registry,
                                     context=context, workers=1 if len(todo.build) < 200 else None):
            if unit.slug in kept:
                # Two files, one slug: a full build reports it on the later file, at its line.
                progress(f"article slug {unit.slug!r} of {unit.path} is already used: checking in full")
                return None
            outcome.add(unit)
            units.append(unit)
        removed_shared = {path: manifest.shared(path) for path in todo.drop}
        _recheck_shared(manifest, outcome, context, units, removed_shared, set(todo.drop))
        _check_texts(scan, manifest, outcome, context, current, todo, units, kept, recorded)
        outcome.raise_any()
    finally:
        manifest.close(save=False)
    return _apply(scan, writer, current, builders, todo, units, removed_shared, context, recorded,  # type: ignore[arg-type]
                  progress=progress, started=started, report=IngestReport, version_digest=version_digest)


class _KeptTexts:
    """Whether a kept article (unchanged, in the current version) has a claim: looked up in the
    current version's store, opened read-only when first needed."""

    def __init__(self, current: Version, graphs: dict[str, str]) -> None:
        self.current, self.graphs = current, graphs
        self.store: ox.Store | None = None

    def __call__(self, article: str, claim: str | None) -> bool:
        graph = self.graphs.get(article)
        if graph is None or claim is None:
            return graph is not None
        if self.store is None:
            self.store = ox.Store.read_only(str(self.current.path))
        quad = ox.Quad(ox.NamedNode(str(iris.claim(article, claim))), ox.NamedNode(str(RDF_TYPE)),
                       ox.NamedNode(str(CG.ClaimAct)), ox.NamedNode(graph))
        return quad in self.store


RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


def _check_texts(scan, manifest: Manifest, outcome, context: UnitContext, current: Version, todo: Plan,  # type: ignore[no-untyped-def]
                 units: list[ArticleUnit], kept: dict[str, str], recorded: dict[str, tuple[str, str]]) -> None:
    """References to other articles' texts, as a full build checks them: the rebuilt articles'
    against the new articles and the kept ones; and the kept articles' references (recorded as
    lookups) to an article that changed or went. A kept article that now refers to nothing is
    compiled again, to say where."""
    kept_texts = _KeptTexts(current, {slug: recorded[path][1] for slug, path in kept.items()})
    try:
        outcome.check_texts(kept_texts)
        changed = {recorded[p][0] for p in todo.drop if p in recorded} | {u.slug for u in units if u.slug}
        broken = [call_id for call_id, call, _ in manifest.calls() if is_text_call(call)
                  and text_target(call)[0] in changed and not outcome.has_text(*text_target(call), kept_texts)]
        dependents = sorted(p for p in manifest.users(broken) - set(todo.build) if p in scan.articles)
        for unit in compile_articles(scan.root, [scan.articles[p] for p in dependents], scan.registry,
                                     context=context, workers=1):
            outcome.problems.extend(ref.problem for ref in unit.deferred
                                    if not outcome.has_text(ref.article, ref.claim, kept_texts))
    finally:
        kept_texts.store = None  # the current version is not held open past the check


def _subject(line: bytes) -> str:
    return line[1:line.index(b">")].decode() if line.startswith(b"<") else ""


def _recheck_shared(manifest: Manifest, outcome, context: UnitContext, units: list[ArticleUnit],  # type: ignore[no-untyped-def]
                    removed: dict[str, bytes], dropping: set[str]) -> None:
    """Check again, on all their shared triples, the nodes several articles add different triples
    about after this change (or did before it): as a full build would (``Outcome.recheck``).
    Articles that add the same digest about a subject add the same triples about it: one of them
    is read per digest."""
    touched = {s for u in units for s in u.subjects}
    touched |= {_subject(line) for data in removed.values() for line in data.splitlines() if line}
    touched.discard("")
    before = manifest.subject_digests(touched, dropping)
    again: dict[str, tuple[str, int | None, str]] = {}
    for subject in touched:
        kept = before.kept.get(subject, {})
        new = {u.path: u.subjects[subject] for u in units if subject in u.subjects}
        after = set(kept) | set(new.values())
        then = set(kept) | set(before.dropped.get(subject, {}).values())
        if len(after) > 1 or (after and not new and len(then) > 1):
            origin = next((u.origins[subject] for u in units if subject in u.origins), None)
            some = next(iter(kept.values()), None) or next(iter(new))
            again[subject] = origin or (f"{context.root.name}/{some}", None, "")
    if not again:
        return
    lines: list[bytes] = []
    for path in {p for s in again for p in before.kept.get(s, {}).values()} - {u.path for u in units}:
        lines += [line for line in manifest.shared(path).splitlines() if _subject(line) in again]
    for unit in units:
        lines += [line for line in unit.shared.splitlines() if _subject(line) in again]
    outcome.divergent.update(again)
    outcome.recheck(context.checker, b"\n".join(lines) + b"\n")


def _no_longer_added(manifest: Manifest, gone: set[bytes], dropping: set[str], units: list[ArticleUnit]
                     ) -> set[bytes]:
    """Of the shared lines the dropped articles added (and the rebuilt ones no longer add), those
    no other article adds. An article that adds the same triples about a subject (the same digest)
    settles it without reading anything; otherwise one record per different digest is read."""
    if not gone:
        return set()
    by_subject: dict[str, set[bytes]] = {}
    for line in gone:
        by_subject.setdefault(_subject(line), set()).add(line)
    recorded = manifest.subject_digests(by_subject, dropping)
    new = {s: {u.subjects[s] for u in units if s in u.subjects} for s in by_subject}
    result: set[bytes] = set()
    read: dict[str, set[bytes]] = {}
    for subject, lines in by_subject.items():
        others = recorded.kept.get(subject, {})  # digest -> an article that stays
        dropped = set(recorded.dropped.get(subject, {}).values())
        if dropped <= set(others) | new[subject]:
            continue  # someone still adds exactly what went
        still: set[bytes] = set()
        for path in others.values():
            if path not in read:
                read[path] = _lines(manifest.shared(path))
            still |= read[path]
        result |= lines - still
    return result


def _lines(data: bytes) -> set[bytes]:
    return {line for line in data.splitlines(keepends=True) if line.strip()}


def _apply(scan, writer: VersionWriter, current: Version, builders: str, todo: Plan,  # type: ignore[no-untyped-def]
           units: list[ArticleUnit], removed_shared: dict[str, bytes], context: UnitContext,
           recorded: dict[str, tuple[str, str]], *, progress: Progress, started: float, report, version_digest):
    from claimgraph.ingest.pipeline import context_key, make_ready
    build = writer.new_version(base=current)
    try:
        manifest = Manifest.open(build.meta)
        if manifest is None:  # pragma: no cover - linked from the current version just now
            raise RuntimeError("the record of the store's current version is unreadable")
        tallies = TallyWriter.open(build.meta, fold_bytes=get_settings().tally_changes_max_bytes)
        if tallies is None:
            logger.warning("the store's version %s keeps no tallies (made before them): the questions that read "
                           "them count from the store instead; `claimgraph ingest --force` makes them", current.name)
        try:
            root, key = str(scan.root.resolve()), context_key(scan, builders)
            cache = build.meta / UnitContext.CACHE
            if manifest.info("context") != key or not cache.exists():
                cache.unlink(missing_ok=True)  # shared with the current version: replaced, never written
                context.save(build.meta, key)
                manifest.set_info(context=key)
            store = build.store()
            dropping = set(todo.drop)
            if tallies is not None:  # what the articles going away gave, read before their graphs go
                for path in todo.drop:
                    if path in recorded:
                        slug, graph = recorded[path]
                        tallies.take(article_rows(store, [ox.NamedNode(graph), ox.NamedNode(str(iris.derived_graph(slug))),
                                                          ox.NamedNode(str(iris.SHARED_GRAPH))]))
                        tallies.take(graph_rows(store, [ox.NamedNode(graph)]))
                if todo.registry_changed:
                    tallies.take(graph_rows(store, [REGISTRY]))
            # The shared triples that the articles going away added and the new ones do not.
            added = set().union(*(_lines(u.shared) for u in units)) if units else set()
            gone = set().union(*(_lines(d) for d in removed_shared.values())) - added if removed_shared else set()
            for line in _no_longer_added(manifest, gone, dropping, units):
                for quad in ox.parse(line, format=ox.RdfFormat.N_QUADS):
                    store.remove(quad)
            for path in todo.drop:
                if path in recorded:
                    store.remove_graph(ox.NamedNode(recorded[path][1]))
                    store.remove_graph(ox.NamedNode(str(iris.derived_graph(recorded[path][0]))))
                manifest.drop_file(path)
            if todo.registry_changed:
                store.remove_graph(ox.NamedNode(str(iris.REGISTRY_GRAPH)))
                store.load(context.registry_nquads(), format=ox.RdfFormat.N_QUADS)
                if tallies is not None:
                    tallies.put(graph_rows(store, [REGISTRY]))
                manifest.set_outcomes(todo.changed_calls)
                for path in list(manifest.files()):
                    if path not in scan.articles and path not in scan.files:
                        manifest.drop_file(path)
                for path, file_digest in scan.registry_files().items():
                    manifest.set_file(path, file_digest, scan.statuses.get(path))
            data = b"".join(u.nquads + u.shared for u in units)
            if data:
                store.load(data, format=ox.RdfFormat.N_QUADS)
            for unit in units:
                manifest.put_article(unit.path, unit.digest, unit.slug or "", unit.graph or "", unit.claims,
                                     unit.shared, unit.subjects, unit.uses)
                if tallies is not None:
                    tallies.put(unit.tallies)
                    if unit.graph:
                        tallies.put(graph_rows(store, [ox.NamedNode(unit.graph)]))
            manifest.drop_unused_calls()
            # The files read for their digest (the others' status is the one recorded), and the
            # articles built again (put_article forgot their status).
            manifest.set_statuses({p: scan.statuses.get(p) for p in scan.fresh | {u.path for u in units}})
            target = version_digest(builders, manifest.files())
            manifest.set_info(corpus=target, root=root)
            articles, claims = manifest.count(), manifest.claims()
            del store  # closed before the version is renamed
        except BaseException:
            manifest.close(save=False)
            if tallies is not None:
                tallies.close(save=False)
            raise
        manifest.close()
        if tallies is not None:
            tallies.close()
        make_ready(build, progress)
    except BaseException:
        build.abort()
        raise
    build.commit(target)
    seconds = time.perf_counter() - started
    progress(f"ingested incrementally: {len(units)} article file(s) built, "
             f"{len(set(todo.drop) - {u.path for u in units})} removed"
             + (", the registry rebuilt" if todo.registry_changed else "") + f", in {seconds:.2f} s "
             f"({articles} articles, {claims} claims in the store)")
    return report(articles, claims, 0, target, True, seconds, mode="incremental", rebuilt=len(units),
                  removed=len(todo.drop))


__all__ = ["FULL_SHARE", "Plan", "Problem", "plan", "update"]
