"""Which files a corpus folder holds, and reading one without trusting it.

The rule (``corpus/README.md``): ingestion reads every file named ``*.yaml`` directly in
``registry/`` and ``articles/``, and nothing else. Whatever else sits in those two folders (a
``.yml`` or ``.YAML`` file, a subfolder, a hidden or backup file, a link that leads nowhere, a
named pipe) is refused with its name rather than skipped, since a skipped file would be an
article fewer and exit code 0. At the top of the corpus folder, a YAML file or a folder other than
those two is refused too; documentation files and hidden entries (``.git``) may sit there.

A file is read only if it is a regular file (after following links) no larger than
``CLAIMGRAPH_CORPUS_MAX_FILE_BYTES``, checked before opening and again on the open file, which
is opened without blocking, so that a pipe or a device named ``x.yaml`` can neither hang nor
flood ingestion (``docs/decisions/0016-hostile-corpus-files.md``).

>>> import tempfile
>>> root = Path(tempfile.mkdtemp()) / "corpus"
>>> (root / "articles").mkdir(parents=True)
>>> _ = (root / "articles" / "a.yaml").write_text("article: {}")
>>> _ = (root / "articles" / "b.yml").write_text("article: {}")
>>> files, problems = list_folder(root, "articles", max_bytes=1000)
>>> [p.name for p in files]
['a.yaml']
>>> print(problems[0])
corpus/articles/b.yml: only files named *.yaml are read: rename it to b.yaml
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path
from typing import NamedTuple

from claimgraph.ontology.errors import CorpusError, Problem

#: The folders of a corpus that ingestion reads, and the one extension it reads there.
FOLDERS = ("registry", "articles")
EXTENSION = ".yaml"
_YAML_LIKE = (".yaml", ".yml")
_KINDS = {stat.S_ISDIR: "a folder", stat.S_ISFIFO: "a named pipe", stat.S_ISCHR: "a character device",
          stat.S_ISBLK: "a block device", stat.S_ISSOCK: "a socket"}


def display(path: Path, root: Path) -> str:
    """A corpus path as messages show it: relative to the corpus folder's parent
    (``corpus/articles/a.yaml``)."""
    try:
        return str(path.relative_to(root.parent)) if root.parent != path else str(path)
    except ValueError:
        return str(path)


def _kind(mode: int) -> str:
    return next((name for test, name in _KINDS.items() if test(mode)), "not a regular file")


def _unreadable(exc: OSError, path: Path) -> str:
    """What an OSError on opening or examining ``path`` means, in a curator's words."""
    if exc.errno == errno.ELOOP:
        return "a symbolic link that loops (it leads back to itself): replace it with the file"
    if exc.errno in (errno.ENOENT, errno.ENOTDIR) and path.is_symlink():
        return f"a symbolic link to {os.readlink(path)!r}, which does not exist: remove it or restore its target"
    if exc.errno == errno.EACCES:
        return "cannot be read (permission denied)"
    return f"cannot be read ({exc.strerror or exc})"


def _check_stat(st: os.stat_result, max_bytes: int) -> str | None:
    """Why a file with this status is refused, or None."""
    if not stat.S_ISREG(st.st_mode):
        return f"{_kind(st.st_mode)}, not a YAML file: only regular files are read"
    if st.st_size > max_bytes:
        return (f"{st.st_size} bytes, more than the {max_bytes} a corpus file may have "
                f"(CLAIMGRAPH_CORPUS_MAX_FILE_BYTES)")
    return None


def _stray(path: Path, where: str) -> str:
    """Why an entry of ``registry/`` or ``articles/`` that is not ``*.yaml`` is refused."""
    name = path.name
    if name.startswith("."):
        return f"a hidden file is not read: move it out of {where}/ (or rename it if it is part of the corpus)"
    if path.is_dir():
        return (f"a subfolder is not read: files in {where}/ are read only when directly in it; "
                f"move its files up to {where}/")
    stem, ext = os.path.splitext(name)
    if ext.lower() in _YAML_LIKE:
        return f"only files named *{EXTENSION} are read: rename it to {stem}{EXTENSION}"
    return f"not a corpus file (only *{EXTENSION} files are read here): move it out of {where}/"


class Listed(NamedTuple):
    """A file ingestion reads, as listed: its path (a string: most listed files are never
    opened), its name relative to the corpus folder (``articles/a.yaml``), its name in messages
    (:func:`display`), and its status (size, times, inode) when it was listed."""

    path: str
    name: str
    shown: str
    stat: os.stat_result


def listing(root: Path, sub: str, *, max_bytes: int) -> tuple[list[Listed], list[Problem]]:
    """The files of ``root/sub`` that ingestion reads, sorted by name, each with its status, and a
    problem for every other entry (and for a ``*.yaml`` entry that cannot be read as a file).

    One pass over the folder (``os.scandir``) and one ``stat`` per file, no ``Path`` per file:
    at 20,000 files what a ``Path`` per entry, sorted, statted and named by ``relative_to`` cost
    was 1.5 s of a one-article change."""
    folder = root / sub
    problems: list[Problem] = []
    shown = display(folder, root)  # an entry's name in messages is this, a slash, its own name
    try:
        with os.scandir(folder) as entries:
            found = sorted(entries, key=lambda entry: entry.name)
    except (FileNotFoundError, NotADirectoryError):
        return [], [Problem(f"no {sub}/ folder (expected {sub}/*{EXTENSION})", display(folder, root))]
    files: list[Listed] = []
    for entry in found:
        name = entry.name
        if not name.endswith(EXTENSION) or name.startswith("."):
            problems.append(Problem(_stray(Path(entry.path), sub), f"{shown}/{name}"))
            continue
        try:
            st = entry.stat()
            why = _check_stat(st, max_bytes)
        except OSError as exc:
            why = _unreadable(exc, Path(entry.path))
        if why:
            problems.append(Problem(why, f"{shown}/{name}"))
        else:
            files.append(Listed(entry.path, f"{sub}/{name}", f"{shown}/{name}", st))
    if not files and not problems:
        problems.append(Problem(f"no YAML files in {sub}/ (expected {sub}/*{EXTENSION})", display(folder, root)))
    return files, problems


def list_folder(root: Path, sub: str, *, max_bytes: int) -> tuple[list[Path], list[Problem]]:
    """The files of ``root/sub`` that ingestion reads, sorted, and a problem for every other entry
    (and for a ``*.yaml`` entry that cannot be read as a file): :func:`listing` without the status."""
    files, problems = listing(root, sub, max_bytes=max_bytes)
    return [Path(f.path) for f in files], problems


def root_problems(root: Path) -> list[Problem]:
    """Entries at the top of the corpus folder that would be silently ignored: a YAML file, or a
    folder other than ``registry/`` and ``articles/``. Hidden entries and other files (a README)
    may sit there."""
    problems = []
    for path in sorted(root.iterdir()):
        if path.name.startswith(".") or path.name in FOLDERS:
            continue
        if path.is_dir():
            problems.append(Problem(f"a folder that is not read: a corpus holds {' and '.join(f + '/' for f in FOLDERS)} "
                                    "only; move its files there, or out of the corpus", display(path, root)))
        elif os.path.splitext(path.name)[1].lower() in _YAML_LIKE:
            problems.append(Problem("a YAML file at the top of the corpus is not read: articles go in articles/, "
                                    "entities in registry/", display(path, root)))
    return problems


def layout_problems(root: Path, *, max_bytes: int) -> list[Problem]:
    """Every entry of the corpus folder that ingestion would refuse or not read, without reading
    any file: what must be checked before deciding that a store is up to date."""
    problems = root_problems(root)
    for sub in FOLDERS:
        problems.extend(list_folder(root, sub, max_bytes=max_bytes)[1])
    return problems


def read_text(path: Path, name: str, *, max_bytes: int) -> str:
    """The UTF-8 text of one corpus file; CorpusError naming the file if it is not a regular
    file, is too large, or is not UTF-8. Never blocks on a pipe or reads a device."""
    return decode(read_bytes(path, name, max_bytes=max_bytes), name)


def read_bytes(path: Path, name: str, *, max_bytes: int) -> bytes:
    """The bytes of one corpus file (what ingestion digests, then parses); CorpusError naming the
    file if it is not a regular file or is too large. Never blocks on a pipe or reads a device."""
    try:
        why = _check_stat(path.stat(), max_bytes)
        if why:
            raise CorpusError(why, file=name)
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except OSError as exc:
        raise CorpusError(_unreadable(exc, path), file=name) from None
    with os.fdopen(fd, "rb") as handle:
        why = _check_stat(os.fstat(fd), max_bytes)  # it may have been replaced since
        if why:
            raise CorpusError(why, file=name)
        data = handle.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise CorpusError(f"more than the {max_bytes} bytes a corpus file may have "
                          "(CLAIMGRAPH_CORPUS_MAX_FILE_BYTES)", file=name)
    return data


def decode(data: bytes, name: str) -> str:
    """A corpus file's bytes as text; CorpusError naming the file and line if it is not UTF-8."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise CorpusError(f"not UTF-8 text ({exc.reason} at byte {exc.start})", file=name, line=line) from None
