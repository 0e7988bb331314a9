"""The embedded store's versions on disk: the link, one writer at a time, readers' leases, pruning.

A store path (``data/store`` by default) is a symbolic link to a version folder beside it; each
version is a complete Oxigraph store that is never written once linked
(``docs/decisions/0009-store-versions.md``, ``docs/decisions/0018-store-lifecycle.md``)::

    data/store                         -> .store.v-<digest>-<generation>
    data/.store.v-<digest>-<generation>/       the Oxigraph store of that version
    data/.store.v-<digest>-<generation>.meta/  what ingestion recorded about it, and `readers`
    data/.store.lock                   the writers' lock; the PID of its holder inside
    data/.store.building-<pid>[.meta]  a version being made by process <pid>
    data/.store.link-<pid>             a link about to replace the store's link

* **One writer at a time.** :class:`VersionWriter` takes an exclusive ``flock`` on the lock file,
  waiting at most ``lock_timeout`` seconds (then :class:`~claimgraph.ontology.errors.StoreBusy`
  names the holder). The kernel drops the lock when its holder dies, even by kill -9.
* **Leftovers.** Holding the lock, the writer removes the build folders and links whose process
  is gone (a build killed half-way).
* **A new version** is made in a build folder, from nothing or as a copy of the current version
  (``Store.backup``: hard links to its immutable files, so the current one is not touched), then
  renamed to its final name (the files of its ``.meta`` folder are hard links to the current
  version's too, replaced by a copy by whoever writes one), and the store's link is replaced by one ``rename``: a reader opens
  the old version or the new one, never a mix, never nothing. Its name has the digest of what it
  was built from and a generation one above every version present, so no two versions ever
  share a folder (a forced rebuild of the same corpus makes a new one beside the live one).
* **Readers' leases.** A reader (:func:`open_version`) holds a shared ``flock`` on the version's
  ``readers`` file for as long as it has the version open (:class:`Lease`).
* **Pruning.** The linked version and the one before it are kept (a program that opens the
  store's path without a lease, such as ``oxigraph serve``, may have read the link just before
  it moved). Any other version is removed when an exclusive, non-blocking ``flock`` on its
  ``readers`` file succeeds, that is when no process has it open under a lease; only the lock's
  holder prunes, so the link cannot move meanwhile (:func:`prune`). A reader that raced a prune
  finds its version gone once it has its lease, and opens the current one instead.

The name of the linked folder is the store's version (:func:`current`): one ``readlink``.

>>> version_name(Path("data/store"), "0a1b2c", 7)
'.store.v-0a1b2c-7'
>>> parse_version(Path("data/store"), ".store.v-0a1b2c-7"), parse_version(Path("data/store"), ".store.v-0a1b2c")
(('0a1b2c', 7), ('0a1b2c', 0))
"""

from __future__ import annotations

import errno
import fcntl
import gc
import logging
import os
import re
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from claimgraph.ontology.errors import BackendError, StoreBusy, StoreMissing

logger = logging.getLogger(__name__)

READERS = "readers"
META = ".meta"


# -- names ---------------------------------------------------------------------------------------


def version_name(store: Path, digest: str, generation: int) -> str:
    return f".{store.name}.v-{digest}-{generation}"


def parse_version(store: Path, name: str) -> tuple[str, int] | None:
    """(digest, generation) of a version folder's name, None when it is not one of ``store``'s
    versions (a version made before generations were numbered has generation 0)."""
    found = re.fullmatch(rf"\.{re.escape(store.name)}\.v-([0-9a-f]+)(?:-(\d+))?", name)
    return (found[1], int(found[2] or 0)) if found else None


@dataclass(frozen=True)
class Version:
    """One version folder of a store."""

    path: Path
    digest: str
    generation: int

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def meta(self) -> Path:
        """The folder of what ingestion recorded about this version, and the readers' file."""
        return self.path.with_name(self.path.name + META)


def target(store: Path) -> str | None:
    """The name the store's link points at (one system call; None if the store is not a link)."""
    try:
        return os.readlink(store)
    except OSError:
        return None


def current(store: Path) -> Version | None:
    """The version the store's link points at, if it exists."""
    name = target(store)
    if name is None:
        return None
    parsed = parse_version(store, name)
    path = store.parent / name
    if parsed is None or not path.is_dir():
        return None
    return Version(path, *parsed)


def versions(store: Path) -> list[Version]:
    """Every version folder of ``store`` on disk, oldest generation first."""
    found = []
    if store.parent.is_dir():
        for path in store.parent.iterdir():
            parsed = parse_version(store, path.name)
            if parsed is not None and path.is_dir():
                found.append(Version(path, *parsed))
    return sorted(found, key=lambda v: (v.generation, v.name))


def is_current(store: Path, digest: str) -> bool:
    """True if the store's linked version was built from exactly ``digest``."""
    version = current(store)
    return version is not None and version.digest == digest


# -- readers -------------------------------------------------------------------------------------


class Pruned(Exception):
    """The version was pruned before the reader could take its lease."""


class Lease:
    """A reader's hold on one version: a shared lock on its ``readers`` file. While any process
    holds one, the version is not pruned. Released by :meth:`release` or when garbage-collected.

    On a store the reader cannot write to (a read-only file system), there is nothing to lock and
    nobody can prune either: the lease then holds nothing (``fd`` is None).
    """

    def __init__(self, version: Version) -> None:
        self.version = version
        self.fd: int | None = None
        readers = version.meta / READERS
        try:
            version.meta.mkdir(exist_ok=True)  # a version made before leases existed
            fd = os.open(readers, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            if not version.path.is_dir():
                raise Pruned(version.name) from None
            if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
                return
            raise
        fcntl.flock(fd, fcntl.LOCK_SH)  # waits only while a pruner deletes it
        try:
            same = os.fstat(fd).st_ino == os.stat(readers).st_ino
        except FileNotFoundError:
            same = False
        if not (same and version.path.is_dir()):
            os.close(fd)
            raise Pruned(version.name)
        self.fd = fd

    def release(self) -> None:
        fd, self.fd = self.fd, None
        if fd is not None:
            os.close(fd)  # closing the last descriptor drops the lock

    def __del__(self) -> None:
        self.release()


def open_version(store: Path, name: str | None = None) -> tuple[Version, Lease, ox.Store]:
    """Open the store's current version (or the version ``name``) read-only, under a lease.

    StoreMissing when there is no store, or when the version asked for is gone.
    """
    for _ in range(100):
        version = current(store) if name is None else _named(store, name)
        if version is None:
            if name is not None:
                raise StoreMissing(f"version {name} of the store at {store} is gone")
            raise StoreMissing(f"no store at {store}: run `claimgraph ingest` (or `make serve`) first")
        try:
            lease = Lease(version)
        except Pruned:
            continue  # the link moved on meanwhile: take the new current version
        try:
            return version, lease, ox.Store.read_only(str(version.path))
        except OSError as exc:
            lease.release()
            raise StoreMissing(f"cannot open the store at {store}: {exc}") from exc
    raise StoreMissing(f"the store at {store} kept changing while it was being opened")


def _named(store: Path, name: str) -> Version | None:
    parsed = parse_version(store, name)
    path = store.parent / name
    return Version(path, *parsed) if parsed is not None and path.is_dir() else None


# -- the writer ----------------------------------------------------------------------------------


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True


def _lock_path(store: Path) -> Path:
    return store.parent / f".{store.name}.lock"


def _holder(lock: Path) -> str:
    try:
        return lock.read_text().strip() or "?"
    except OSError:
        return "?"


class VersionWriter:
    """The one writer of a store, for as long as it is open (a context manager).

    >>> import tempfile
    >>> store = Path(tempfile.mkdtemp()) / "store"
    >>> with VersionWriter(store) as writer:
    ...     build = writer.new_version()
    ...     build.store().add(ox.Quad(ox.NamedNode("http://a"), ox.NamedNode("http://b"), ox.Literal("c"),
    ...                               ox.NamedNode("http://g")))
    ...     version = build.commit("ab12")
    >>> current(store) == version, version.name
    (True, '.store.v-ab12-1')
    """

    def __init__(self, store: Path, *, lock_timeout: float = 600.0,
                 progress: Callable[[str], None] = logger.info) -> None:
        self.store = Path(store).absolute()
        self.lock_timeout = lock_timeout
        self.progress = progress
        self._fd: int | None = None

    def __enter__(self) -> VersionWriter:
        self.store.parent.mkdir(parents=True, exist_ok=True)
        lock = _lock_path(self.store)
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            self._acquire(fd, lock)
        except BaseException:
            os.close(fd)
            raise
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._fd = fd
        self.clean_leftovers()
        return self

    def _acquire(self, fd: int, lock: Path) -> None:
        deadline = time.monotonic() + self.lock_timeout
        told = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise StoreBusy(f"another ingest (PID {_holder(lock)}) is writing the store at {self.store}; "
                                    f"waited {self.lock_timeout:g} s (CLAIMGRAPH_INGEST_LOCK_TIMEOUT)") from None
                if not told:
                    self.progress(f"waiting for another ingest (PID {_holder(lock)}) to finish writing {self.store}")
                    told = True
                time.sleep(0.05)

    def __exit__(self, *exc: object) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)

    @property
    def current(self) -> Version | None:
        return current(self.store)

    def clean_leftovers(self) -> list[str]:
        """Remove the build folders and half-made links whose process is gone; return their names."""
        removed = []
        prefix = f".{self.store.name}."
        for path in list(self.store.parent.iterdir()):
            name = path.name
            if not name.startswith(prefix):
                continue
            found = re.search(r"\.(?:building|link)-(\d+)(?:\.meta)?$", name)
            if found is None or int(found[1]) == os.getpid() or pid_alive(int(found[1])):
                continue
            if path.is_symlink() or path.is_file():
                path.unlink(missing_ok=True)
            else:
                shutil.rmtree(path, ignore_errors=True)
            removed.append(name)
        if removed:
            self.progress(f"removed what killed ingests left: {', '.join(sorted(removed))}")
        return removed

    def new_version(self, *, base: Version | None = None) -> VersionBuild:
        """A version to build: empty, or a copy of ``base`` (hard links) with its meta files."""
        if self._fd is None:
            raise RuntimeError("the writer is not open")
        return VersionBuild(self, base)

    def prune(self) -> list[str]:
        return prune(self.store, _locked=True)


class VersionBuild:
    """A version being made, in a build folder named for this process."""

    def __init__(self, writer: VersionWriter, base: Version | None) -> None:
        self.writer = writer
        store = writer.store
        self.path = store.parent / f".{store.name}.building-{os.getpid()}"
        self.meta = self.path.with_name(self.path.name + META)
        for leftover in (self.path, self.meta):
            shutil.rmtree(leftover, ignore_errors=True)
        self._store: ox.Store | None = None
        self.meta.mkdir()
        if base is not None:
            try:
                ox.Store.read_only(str(base.path)).backup(str(self.path))
            except OSError as exc:
                self.abort()
                raise BackendError(f"could not copy the store's current version {base.name}: {exc}") from exc
            if base.meta.is_dir():
                for item in base.meta.iterdir():
                    if item.is_file() and item.name != READERS:
                        _link(item, self.meta / item.name)

    def store(self) -> ox.Store:
        """The version's Oxigraph store, open for writing."""
        if self._store is None:
            try:
                self._store = ox.Store(str(self.path))
            except OSError as exc:
                raise BackendError(f"could not write the store at {self.writer.store}: {exc}") from exc
        return self._store

    def compact(self) -> None:
        """Merge the store's files into as few as the store's levels allow
        (:meth:`pyoxigraph.Store.optimize`).

        A bulk load writes many small sorted files that overlap, and every lookup then looks in
        each: on a 100k-claim store built and then changed fifteen times, 152 files and 50 µs a
        lookup; compacted after its build, 23 files and 12 µs
        (docs/decisions/0029-compacted-versions.md). Versions are read-only once linked,
        so a version is compacted here, before it is linked, or never."""
        self.store().optimize()

    def files(self) -> int:
        """How many table files the version's store has now (what a lookup may have to look in)."""
        return sum(1 for path in self.path.glob("*.sst"))

    def close(self) -> None:
        """Flush and close the store: it closes when its last reference goes, so callers must
        hold none (``del`` their own) before a commit."""
        if self._store is not None:
            self._store.flush()
            self._store = None

    def commit(self, digest: str) -> Version:
        """Make this the store's version: final name, then the link replaced in one rename."""
        writer = self.writer
        store = writer.store
        try:
            self.close()
            if not self.path.exists():
                ox.Store(str(self.path)).flush()  # an empty store
                gc.collect()
            generation = 1 + max((v.generation for v in versions(store)), default=0)
            version = Version(store.parent / version_name(store, digest, generation), digest, generation)
            (self.meta / READERS).touch()
            self.meta.rename(version.meta)
            self.path.rename(version.path)
        except BaseException as exc:
            self.abort()
            if isinstance(exc, OSError):
                raise BackendError(f"could not write the store at {store}: {exc}") from exc
            raise
        if store.exists() and not store.is_symlink():
            # A plain folder from elsewhere: keep it aside rather than delete someone's data.
            store.rename(store.with_name(store.name + ".replaced"))
        link = store.with_name(f".{store.name}.link-{os.getpid()}")
        link.unlink(missing_ok=True)
        link.symlink_to(version.name)
        os.replace(link, store)
        _sync(store.parent)
        writer.prune()
        return version

    def abort(self) -> None:
        self._store = None
        gc.collect()
        for path in (self.path, self.meta):
            shutil.rmtree(path, ignore_errors=True)


def _link(source: Path, target: Path) -> None:
    """``target`` as a hard link to ``source`` (a copy where links cannot be made). The files of a
    version's meta folder are shared this way with the versions made from it, so they are never
    written in place: whoever changes one replaces it (``ingest/manifest.py``: ``_own``)."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def own_file(path: Path) -> None:
    """Make ``path``, a file of a version's meta folder, this version's own before it is written:
    a file still shared (hard linked) with other versions is replaced by a copy of itself, which
    they do not see."""
    if os.stat(path).st_nlink > 1:
        private = path.with_name(path.name + ".copy")
        shutil.copyfile(path, private)
        os.replace(private, path)


def _sync(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


# -- pruning -------------------------------------------------------------------------------------


def prune(store: Path, *, _locked: bool = False) -> list[str]:
    """Remove the versions of ``store`` that are not linked and that no process has open; return
    their names. Without the writers' lock already held, it is taken if free, else nothing is
    done (a writer is at work and will prune when it is done)."""
    store = Path(store).absolute()
    if not _locked:
        lock = _lock_path(store)
        try:
            fd = os.open(lock, os.O_RDWR)
        except OSError:
            return []
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return []
        try:
            return prune(store, _locked=True)
        finally:
            os.close(fd)
    linked = current(store)
    present = versions(store)
    keep = {linked.path} if linked is not None else set()
    older = [v for v in present if linked is not None and v.generation < linked.generation]
    if older:
        keep.add(older[-1].path)  # the one before: a reader that opened the link just before it moved
    removed = []
    candidates = {v.path for v in present}
    candidates |= {p.with_name(p.name[: -len(META)]) for p in store.parent.glob(f".{store.name}.v-*{META}")}
    for path in sorted(candidates):
        if path in keep:
            continue
        if _remove_unused(path):
            removed.append(path.name)
    if removed:
        logger.info("pruned store versions no longer in use: %s", ", ".join(removed))
    return removed


def _remove_unused(path: Path) -> bool:
    meta = path.with_name(path.name + META)
    try:
        meta.mkdir(exist_ok=True)
        fd = os.open(meta / READERS, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError:
        return False
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False  # a reader has it open
        shutil.rmtree(path, ignore_errors=True)
        shutil.rmtree(meta, ignore_errors=True)
        return True
    finally:
        os.close(fd)
