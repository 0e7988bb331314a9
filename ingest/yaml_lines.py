"""YAML loading that remembers where every value came from.

Curators need errors that name the file, the line and the field. PyYAML's safe loader forgets
positions, so this loader returns :class:`LineDict` / :class:`LineList` containers that keep the
line (1-based) of each key or item. :func:`line_of` walks a pydantic-style location to the
closest line it knows.

>>> doc = load_text("a: 1\\nb:\\n  - x\\n  - {c: 2}\\n", "f.yaml")
>>> line_of(doc, ("b", 1, "c"))
4
>>> line_of(doc, ("b", 7))
2
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from claimgraph.ontology.errors import CorpusError


class LineDict(dict):
    """A mapping that knows its own line and the line of each key."""

    line: int = 0
    key_lines: dict[Any, int]


class LineList(list):
    """A sequence that knows its own line and the line of each item."""

    line: int = 0
    item_lines: list[int]


_Base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml parses ~5x faster when present


class _Loader(_Base):  # type: ignore[valid-type,misc]
    """Safe loader whose mappings and sequences carry line numbers; duplicate keys are errors."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> LineDict:
        result = LineDict()
        result.line = node.start_mark.line + 1
        result.key_lines = {}
        self.flatten_mapping(node)
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=True)
            if key in result:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark)
            result[key] = self.construct_object(value_node, deep=True)
            result.key_lines[key] = key_node.start_mark.line + 1
        return result

    def construct_sequence(self, node: yaml.SequenceNode, deep: bool = False) -> LineList:
        result = LineList(self.construct_object(child, deep=True) for child in node.value)
        result.line = node.start_mark.line + 1
        result.item_lines = [child.start_mark.line + 1 for child in node.value]
        return result


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _Loader.construct_mapping)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _Loader.construct_sequence)


def load_text(text: str, name: str) -> Any:
    """Parse YAML text; a syntax error becomes a :class:`CorpusError` naming the line."""
    try:
        return yaml.load(text, Loader=_Loader)  # noqa: S506 - _Loader derives from (C)SafeLoader
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        problem = exc.problem or str(exc)
        if exc.context and exc.context_mark is not None:
            context = exc.context.removeprefix("while parsing ")
            problem += f" (in the {context} that starts on line {exc.context_mark.line + 1})"
        raise CorpusError(f"YAML syntax: {problem}", file=name, line=line) from None
    except yaml.YAMLError as exc:
        raise CorpusError(f"YAML syntax: {exc}", file=name) from None


def load_file(path: Path, *, display: str | None = None) -> Any:
    """Read and parse one YAML file."""
    return load_bytes(path.read_bytes(), display or str(path))


def load_bytes(data: bytes, name: str) -> Any:
    """Parse the bytes of one YAML file (UTF-8)."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CorpusError(f"not UTF-8 text ({exc.reason})", file=name) from None
    return load_text(text, name)


def line_of(doc: Any, loc: Sequence[Any]) -> int | None:
    """The line of the deepest element of ``loc`` found in ``doc`` (None if none is known)."""
    line = getattr(doc, "line", None)
    node = doc
    for part in loc:
        if isinstance(node, LineDict) and part in node:
            line = node.key_lines.get(part, line)
            node = node[part]
        elif isinstance(node, LineList) and isinstance(part, int) and 0 <= part < len(node):
            line = node.item_lines[part]
            node = node[part]
        else:
            break
    return line


def field_path(loc: Sequence[Any]) -> str:
    """Render a location as curators write it: ``claims[3].content.event``.

    >>> field_path(("claims", 3, "content", "event"))
    'claims[3].content.event'
    """
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out
