"""YAML loading that remembers where every value came from.

Curators need errors that name the file, the line and the field. PyYAML's safe loader forgets
positions, so this loader returns :class:`LineDict` / :class:`LineList` containers that keep the
line (1-based) of each key or item. :func:`line_of` walks a pydantic-style location to the
closest line it knows.

A corpus file is untrusted input: before anything is built, :func:`load_text` walks the YAML
events to bound nesting and parse time and refuse aliases and exotic tags; while building, a
value Python cannot make (a date that does not exist, a 5,000-digit number), a key that is not a
field name and a control character in text become errors at their line and field.

>>> doc = load_text("a: 1\\nb:\\n  - x\\n  - {c: 2}\\n", "f.yaml")
>>> line_of(doc, ("b", 1, "c"))
4
>>> line_of(doc, ("b", 7))
2
"""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from claimgraph.ingest.files import decode, read_text
from claimgraph.ontology.errors import CorpusError
from claimgraph.queries.settings import get_settings


class LineDict(dict):
    """A mapping that knows its own line and the line of each key."""

    line: int = 0
    key_lines: dict[Any, int]


class LineList(list):
    """A sequence that knows its own line and the line of each item."""

    line: int = 0
    item_lines: list[int]


_Base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml parses ~5x faster when present

#: The tags a corpus file may write explicitly (``!!str 2025``); the rest (``!!binary``,
#: ``!!set``, ``!!python/...``, ``!include``) are not part of the format.
ALLOWED_TAGS = frozenset(f"tag:yaml.org,2002:{name}" for name in
                         ("str", "int", "float", "bool", "null", "timestamp", "map", "seq")) | {"!"}
#: Characters no corpus text may hold, even written as an escape ("\0", "\ud800"): control
#: characters other than tab and line breaks, lone surrogates, and the two non-characters.
_BAD_CHARACTER = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufffe\uffff]")
_CHECK_EVERY = 512  # events or nodes between two looks at the clock
_STR = "tag:yaml.org,2002:str"
#: The tags of short plain scalars already resolved (:meth:`_Loader.resolve`), at most _KEEP_TAGS.
_SCALAR_TAGS: dict[str, str] = {}
_KEEP_TAG_OF, _KEEP_TAGS = 64, 100_000


class _ValueProblem(Exception):
    """A value that cannot be read, where it is (the path grows as the error rises)."""

    def __init__(self, message: str, mark: Any) -> None:
        super().__init__(message)
        self.message, self.mark, self.path = message, mark, []


def _short(text: str, limit: int = 40) -> str:
    return repr(text if len(text) <= limit else text[:limit] + "...")


class _Loader(_Base):  # type: ignore[valid-type,misc]
    """Safe loader whose mappings and sequences carry line numbers; duplicate keys, keys that are
    not text, impossible dates and forbidden characters are errors at their line and field."""

    deadline: float = float("inf")
    _nodes = 0

    def resolve(self, kind: Any, value: Any, implicit: Any) -> str:
        """The tag of a node, as PyYAML's resolver gives it; that of a short plain scalar (field
        names, ids, slugs, controlled values: most of a file) is kept for the next files, since
        it depends on the text alone (the safe loader has no path resolvers)."""
        if kind is yaml.ScalarNode and implicit[0] and len(value) <= _KEEP_TAG_OF and not self.yaml_path_resolvers:
            tag = _SCALAR_TAGS.get(value)
            if tag is None:
                tag = super().resolve(kind, value, implicit)
                if len(_SCALAR_TAGS) < _KEEP_TAGS:
                    _SCALAR_TAGS[value] = tag
            return tag
        return super().resolve(kind, value, implicit)

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        self._nodes += 1
        if self._nodes % _CHECK_EVERY == 0 and time.monotonic() > self.deadline:
            raise _ValueProblem(_too_slow(), node.start_mark)
        if node.tag == _STR and type(node) is yaml.ScalarNode:
            # Most nodes are text: what construct_yaml_str does, without PyYAML's bookkeeping for
            # nodes met again through an alias (a corpus file has none: _scan refuses them).
            value = node.value
            if (bad := _BAD_CHARACTER.search(value)) is not None:
                raise _ValueProblem(f"the character U+{ord(bad[0]):04X} is not allowed in corpus text", node.start_mark)
            return value
        try:
            return super().construct_object(node, deep=deep)
        except (_ValueProblem, yaml.YAMLError):
            raise
        except (ValueError, OverflowError, TypeError, UnicodeError) as exc:
            value = _short(node.value) if isinstance(node, yaml.ScalarNode) else "here"
            raise _ValueProblem(f"cannot read the value {value}: {exc}", node.start_mark) from None

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> LineDict:
        result = LineDict()
        result.line = node.start_mark.line + 1
        result.key_lines = {}
        self.flatten_mapping(node)
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=True)
            if not isinstance(key, str):
                raise _ValueProblem(f"a key must be a field name, not {_what(key)} "
                                    "(YAML reads yes, no, on, off, numbers and dates as values: quote it)",
                                    key_node.start_mark)
            if key in result:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark)
            try:
                result[key] = self.construct_object(value_node, deep=True)
            except _ValueProblem as exc:
                exc.path.insert(0, key)
                raise
            result.key_lines[key] = key_node.start_mark.line + 1
        return result

    def construct_sequence(self, node: yaml.SequenceNode, deep: bool = False) -> LineList:
        result = LineList()
        for index, child in enumerate(node.value):
            try:
                result.append(self.construct_object(child, deep=True))
            except _ValueProblem as exc:
                exc.path.insert(0, index)
                raise
        result.line = node.start_mark.line + 1
        result.item_lines = [child.start_mark.line + 1 for child in node.value]
        return result

    def construct_yaml_str(self, node: yaml.ScalarNode) -> str:
        value = self.construct_scalar(node)
        if (bad := _BAD_CHARACTER.search(value)) is not None:
            raise _ValueProblem(f"the character U+{ord(bad[0]):04X} is not allowed in corpus text", node.start_mark)
        return value

    def construct_yaml_int(self, node: yaml.ScalarNode) -> int:
        try:
            return super().construct_yaml_int(node)
        except ValueError:  # Python refuses to convert more than 4,300 digits
            raise _ValueProblem(f"{_short(node.value)} is too long a number ({len(node.value)} characters)",
                                node.start_mark) from None

    def construct_yaml_timestamp(self, node: yaml.ScalarNode) -> Any:
        try:
            return super().construct_yaml_timestamp(node)
        except (ValueError, OverflowError) as exc:
            raise _ValueProblem(f"{node.value!r} is not a date that exists ({exc})", node.start_mark) from None


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _Loader.construct_mapping)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _Loader.construct_sequence)
_Loader.add_constructor("tag:yaml.org,2002:str", _Loader.construct_yaml_str)
_Loader.add_constructor("tag:yaml.org,2002:int", _Loader.construct_yaml_int)
_Loader.add_constructor("tag:yaml.org,2002:timestamp", _Loader.construct_yaml_timestamp)


def _what(value: Any) -> str:
    """A value's kind and text, as a curator would name it."""
    kinds = {bool: "true/false", int: "a number", float: "a number", dt.date: "a date", dt.datetime: "a date",
             type(None): "null", LineList: "a list", LineDict: "a mapping"}
    return f"{kinds.get(type(value), type(value).__name__)} {_short(str(value))}"


def _too_slow() -> str:
    return "took longer to parse than the CLAIMGRAPH_CORPUS_PARSE_SECONDS allowed"


class _Position:
    """Where a YAML event stream is: the key or index at each open mapping or sequence."""

    def __init__(self) -> None:
        self.frames: list[list[Any]] = []  # [is_mapping, key or index, expecting a key]

    def path(self) -> list[Any]:
        return [frame[1] for frame in self.frames if frame[1] is not None and not frame[2]]

    def node(self, event: yaml.Event) -> None:
        """A node starts: a key of the innermost mapping is remembered."""
        if self.frames and self.frames[-1][0] and self.frames[-1][2]:
            self.frames[-1][1] = event.value if isinstance(event, yaml.ScalarEvent) else "?"

    def done(self) -> None:
        """A node ended: the innermost collection moves on."""
        if not self.frames:
            return
        frame = self.frames[-1]
        if frame[0]:
            frame[2] = not frame[2]
        else:
            frame[1] += 1

    def open(self, mapping: bool) -> None:
        self.frames.append([True, None, True] if mapping else [False, 0, False])


def _scan(text: str, name: str, *, max_depth: int, deadline: float) -> None:
    """Walk the YAML events before building anything: refuse nesting deeper than ``max_depth``
    (libyaml's composer recurses in C and crashes the interpreter on a few thousand nested
    brackets), aliases (``*name``: a small file could expand into a huge one) and tags outside
    :data:`ALLOWED_TAGS`, and stop at ``deadline`` (``docs/decisions/0016-hostile-corpus-files.md``).

    The walk keeps only the depth (:func:`_first_refused`); a file it would refuse is walked again
    keeping the field at each event, to say where (:func:`_refuse`)."""
    refused = _first_refused(text, max_depth=max_depth, deadline=deadline)
    if refused is not None:
        _refuse(text, name, max_depth=max_depth, slow_at=refused[1] if refused[0] else None)


_COLLECTION_START = (yaml.MappingStartEvent, yaml.SequenceStartEvent)
_COLLECTION_END = (yaml.MappingEndEvent, yaml.SequenceEndEvent)


def _first_refused(text: str, *, max_depth: int, deadline: float) -> tuple[bool, int] | None:
    """The first event :func:`_refuse` refuses, as (whether for time, its number); None when
    there is none. YAML syntax errors are raised as the parser finds them."""
    loader = _Base(text)
    scalar, alias, start, end = yaml.ScalarEvent, yaml.AliasEvent, _COLLECTION_START, _COLLECTION_END
    allowed, every, depth, count = ALLOWED_TAGS, _CHECK_EVERY, 0, 0
    try:
        while loader.check_event():
            event = loader.get_event()
            count += 1
            if count % every == 0 and time.monotonic() > deadline:
                return True, count
            kind = type(event)
            if kind is scalar:
                if event.tag is not None and event.tag not in allowed:
                    return False, count
            elif kind in start:
                if (event.tag is not None and event.tag not in allowed) or depth >= max_depth:
                    return False, count
                depth += 1
            elif kind in end:
                depth -= 1
            elif kind is alias:
                return False, count
    finally:
        loader.dispose()
    return None


def _refuse(text: str, name: str, *, max_depth: int, slow_at: int | None) -> None:
    """Walk the YAML events keeping the field at each, and raise the CorpusError for the first
    one refused: nesting, an alias, a tag, or (``slow_at``) the event at which time ran out."""
    loader = _Base(text)
    where = _Position()

    def refuse(message: str, event: yaml.Event) -> CorpusError:
        return CorpusError(message, file=name, line=event.start_mark.line + 1, field=field_path(where.path()) or None)
    try:
        count = 0
        while loader.check_event():
            event = loader.get_event()
            count += 1
            if count == slow_at:
                raise refuse(_too_slow(), event)
            if isinstance(event, yaml.NodeEvent):
                where.node(event)
                if isinstance(event, yaml.AliasEvent):
                    raise refuse(f"a YAML alias (*{event.anchor}) is not part of the corpus format: "
                                 "write the value out", event)
                if event.tag is not None and event.tag not in ALLOWED_TAGS:
                    tag = event.tag.replace("tag:yaml.org,2002:", "!!")
                    raise refuse(f"the YAML tag {tag} is not part of the corpus format", event)
                if isinstance(event, yaml.CollectionStartEvent):
                    if len(where.frames) >= max_depth:
                        raise refuse(f"nested more than {max_depth} levels deep "
                                     "(CLAIMGRAPH_CORPUS_MAX_DEPTH); the format needs a few", event)
                    where.open(isinstance(event, yaml.MappingStartEvent))
                else:
                    where.done()
            elif isinstance(event, yaml.CollectionEndEvent):
                where.frames.pop()
                where.done()
    finally:
        loader.dispose()


def load_text(text: str, name: str, *, max_depth: int | None = None, parse_seconds: float | None = None) -> Any:
    """Parse YAML text; any problem becomes a :class:`CorpusError` naming the line (and the field
    where one is known). The limits default to the settings ``CLAIMGRAPH_CORPUS_MAX_DEPTH`` and
    ``CLAIMGRAPH_CORPUS_PARSE_SECONDS``.

    >>> load_text("published: 2025-02-30", "a.yaml")
    Traceback (most recent call last):
    ...
    claimgraph.ontology.errors.CorpusError: a.yaml:1: published: '2025-02-30' is not a date that exists (day is out of range for month)
    >>> load_text("a: [b, [[c]]]", "a.yaml", max_depth=3)
    Traceback (most recent call last):
    ...
    claimgraph.ontology.errors.CorpusError: a.yaml:1: a[1][0]: nested more than 3 levels deep (CLAIMGRAPH_CORPUS_MAX_DEPTH); the format needs a few
    """
    if max_depth is None or parse_seconds is None:
        settings = get_settings()
        max_depth = settings.corpus_max_depth if max_depth is None else max_depth
        parse_seconds = settings.corpus_parse_seconds if parse_seconds is None else parse_seconds
    deadline = time.monotonic() + parse_seconds
    try:
        _scan(text, name, max_depth=max_depth, deadline=deadline)
        loader = _Loader(text)
        loader.deadline = deadline
        try:
            return loader.get_single_data()
        finally:
            loader.dispose()
    except _ValueProblem as exc:
        line = exc.mark.line + 1 if exc.mark is not None else None
        raise CorpusError(exc.message, file=name, line=line, field=field_path(exc.path) or None) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        problem = exc.problem or str(exc)
        if exc.context and exc.context_mark is not None:
            context = re.sub(r"^while (parsing|scanning) (an? )?", "", exc.context)
            problem += (f" (in the {context} that starts on line {exc.context_mark.line + 1})"
                        if context != exc.context else f" ({context}, line {exc.context_mark.line + 1})")
        raise CorpusError(f"YAML syntax: {problem}", file=name, line=line) from None
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow anywhere, such as NUL
        line = text.count("\n", 0, exc.position) + 1 if isinstance(exc.position, int) else None
        raise CorpusError(f"the character U+{ord(exc.character) if isinstance(exc.character, str) else exc.character:04X} "
                          "is not allowed in a YAML file", file=name, line=line) from None
    except yaml.YAMLError as exc:
        raise CorpusError(f"YAML syntax: {exc}", file=name) from None


def load_file(path: Path, *, display: str | None = None) -> Any:
    """Read (:func:`claimgraph.ingest.files.read_text`: a regular file within the size limit) and
    parse one YAML file."""
    name = display or str(path)
    return load_text(read_text(path, name, max_bytes=get_settings().corpus_max_file_bytes), name)


def load_bytes(data: bytes, name: str) -> Any:
    """Parse the bytes of one YAML file already read (:func:`claimgraph.ingest.files.read_bytes`)."""
    return load_text(decode(data, name), name)


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
