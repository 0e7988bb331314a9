"""Read a corpus folder into validated models, collecting every problem with file, line and field."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from collections.abc import Iterator
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from claimgraph.ingest.files import display, list_folder
from claimgraph.ingest.models import ArticleFile, RegistryFile
from claimgraph.ingest.registry import Located, Registry
from claimgraph.ingest.yaml_lines import field_path, line_of, load_bytes, load_file
from claimgraph.ontology.errors import CorpusError, Problem
from claimgraph.queries.settings import get_settings


M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class SourcedArticle:
    """An article file as parsed, with the raw document kept for line lookups."""

    model: ArticleFile
    file: str
    doc: Any

    def line(self, *loc: Any) -> int | None:
        return line_of(self.doc, loc)


def _validation_problems(exc: ValidationError, doc: Any, name: str) -> list[Problem]:
    problems = []
    for err in exc.errors(include_url=False):
        loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p[:1].isupper()))
        # Drop the discriminator tags pydantic inserts ("responsibility", "function-after"...).
        loc = tuple(p for p in loc if not (isinstance(p, str) and ("[" in p or p.startswith("function-"))))
        loc = _strip_tags(loc, doc)
        message = err["msg"]
        if not loc and err["type"] in ("model_type", "model_attributes_type", "dict_type"):
            message = f"the file must be a mapping of fields, not {_kind(doc)}"
        elif err["type"] == "extra_forbidden":
            message = "unknown field (not part of the format; see corpus/README.md)"
        elif err["type"] == "missing":
            message = "required field is missing"
        elif message.startswith("Value error, "):
            message = message[len("Value error, "):]
        problems.append(Problem(message, name, line_of(doc, loc), field_path(loc) or None))
    return problems


def _kind(doc: Any) -> str:
    return "a list" if isinstance(doc, list) else f"the {type(doc).__name__} {str(doc)[:40]!r}"


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


def corpus_files(root: Path, sub: str) -> list[Path]:
    """The files of ``root/sub`` (``registry`` or ``articles``) that ingestion reads, sorted
    (:func:`claimgraph.ingest.files.list_folder`; what it refuses is reported by
    :func:`claimgraph.ingest.files.layout_problems`)."""
    return list_folder(root, sub, max_bytes=get_settings().corpus_max_file_bytes)[0]


def read_file(path: Path, root: Path, model: type[M], problems: list[Problem], data: bytes | None = None
              ) -> tuple[M, str, Any] | None:
    """One YAML file (its bytes ``data`` when already read) parsed and validated as ``model``, with
    its display name and raw document; None, with its problems recorded, when it is not valid."""
    name = display(path, root)
    try:
        doc = load_file(path, display=name) if data is None else load_bytes(data, name)
    except CorpusError as exc:
        problems.extend(exc.problems)
        return None
    try:
        return model.model_validate(doc if doc is not None else {}), name, doc
    except ValidationError as exc:
        problems.extend(_validation_problems(exc, doc if doc is not None else {}, name))
        return None


def _read_folder(root: Path, sub: str, model: type[M], problems: list[Problem]) -> Iterator[tuple[M, str, Any]]:
    """Each YAML file of ``root/sub`` parsed and validated as ``model``, with its display name and
    raw document; files with problems, and entries of the folder that are not read
    (:func:`claimgraph.ingest.files.list_folder`), are reported."""
    files, refused = list_folder(root, sub, max_bytes=get_settings().corpus_max_file_bytes)
    problems.extend(refused)
    for path in files:
        found = read_file(path, root, model, problems)
        if found is not None:
            yield found


def read_registry(root: Path, problems: list[Problem], data: dict[Path, bytes] | None = None) -> Registry:
    """The registry of ``root`` (from the files' bytes ``data`` when already read)."""
    registry = Registry()
    if data is None:
        found = _read_folder(root, "registry", RegistryFile, problems)
    else:
        problems.extend(list_folder(root, "registry", max_bytes=get_settings().corpus_max_file_bytes)[1])
        found = (f for f in (read_file(p, root, RegistryFile, problems, b) for p, b in sorted(data.items())) if f)
    for model, name, doc in found:
        for kind, entries in (("actor", model.actors), ("event", model.events), ("place", model.places)):
            for i, entry in enumerate(entries):
                loc = (kind + "s", i)
                registry.add(Located(kind, entry, name, line_of(doc, loc), loc))
    problems.extend(registry.problems)
    return registry


def read_articles(root: Path, problems: list[Problem]) -> list[SourcedArticle]:
    articles = []
    slugs: dict[str, str] = {}
    for model, name, doc in _read_folder(root, "articles", ArticleFile, problems):
        slug = model.article.slug
        if slug in slugs:
            problems.append(Problem(f"article slug {slug!r} is also used by {slugs[slug]}",
                                    name, line_of(doc, ("article", "slug")), "article.slug"))
            continue
        slugs[slug] = name
        articles.append(SourcedArticle(model, name, doc))
    return articles
