"""Read a corpus folder into validated models, collecting every problem with file, line and field."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from claimgraph.ingest.models import ArticleFile, RegistryFile
from claimgraph.ingest.registry import Located, Registry
from claimgraph.ingest.yaml_lines import field_path, line_of, load_file
from claimgraph.queries.errors import CorpusError, Problem


@dataclass(frozen=True)
class SourcedArticle:
    """An article file as parsed, with the raw document kept for line lookups."""

    model: ArticleFile
    file: str
    doc: Any

    def line(self, *loc: Any) -> int | None:
        return line_of(self.doc, loc)


def _display(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root.parent)) if root.parent != path else str(path)
    except ValueError:
        return str(path)


def _validation_problems(exc: ValidationError, doc: Any, name: str) -> list[Problem]:
    problems = []
    for err in exc.errors(include_url=False):
        loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p[:1].isupper()))
        # Drop the discriminator tags pydantic inserts ("responsibility", "function-after"...).
        loc = tuple(p for p in loc if not (isinstance(p, str) and ("[" in p or p.startswith("function-"))))
        loc = _strip_tags(loc, doc)
        message = err["msg"]
        if err["type"] == "extra_forbidden":
            message = "unknown field (not part of the format; see corpus/README.md)"
        elif err["type"] == "missing":
            message = "required field is missing"
        elif message.startswith("Value error, "):
            message = message[len("Value error, "):]
        problems.append(Problem(message, name, line_of(doc, loc), field_path(loc) or None))
    return problems


def _strip_tags(loc: tuple, doc: Any) -> tuple:
    """Remove union tags that are not keys of the document (pydantic adds the type name)."""
    out: list[Any] = []
    node = doc
    for part in loc:
        if isinstance(node, dict) and part in node:
            out.append(part)
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            out.append(part)
            node = node[part]
        elif isinstance(part, str) and isinstance(node, dict):
            out.append(part)  # a missing field: keep its name, stop walking
            node = None
        # else: a tag like 'responsibility' that is not in the document
    return tuple(out)


def read_registry(root: Path, problems: list[Problem]) -> Registry:
    registry = Registry()
    folder = root / "registry"
    files = sorted(folder.glob("*.yaml")) if folder.is_dir() else []
    if not files:
        problems.append(Problem("no registry files (expected registry/*.yaml)", _display(folder, root)))
    for path in files:
        name = _display(path, root)
        try:
            doc = load_file(path, display=name)
        except CorpusError as exc:
            problems.extend(exc.problems)
            continue
        try:
            model = RegistryFile.model_validate(doc if doc is not None else {})
        except ValidationError as exc:
            problems.extend(_validation_problems(exc, doc, name))
            continue
        for kind, entries in (("actor", model.actors), ("event", model.events), ("place", model.places)):
            for i, entry in enumerate(entries):
                loc = (kind + "s", i)
                registry.add(Located(kind, entry, name, line_of(doc, loc), loc))
    problems.extend(registry.problems)
    return registry


def read_articles(root: Path, problems: list[Problem]) -> list[SourcedArticle]:
    folder = root / "articles"
    files = sorted(folder.glob("*.yaml")) if folder.is_dir() else []
    if not files:
        problems.append(Problem("no article files (expected articles/*.yaml)", _display(folder, root)))
    articles = []
    slugs: dict[str, str] = {}
    for path in files:
        name = _display(path, root)
        try:
            doc = load_file(path, display=name)
        except CorpusError as exc:
            problems.extend(exc.problems)
            continue
        try:
            model = ArticleFile.model_validate(doc)
        except ValidationError as exc:
            problems.extend(_validation_problems(exc, doc, name))
            continue
        slug = model.article.slug
        if slug in slugs:
            problems.append(Problem(f"article slug {slug!r} is also used by {slugs[slug]}",
                                    name, line_of(doc, ("article", "slug")), "article.slug"))
            continue
        slugs[slug] = name
        articles.append(SourcedArticle(model, name, doc))
    return articles
