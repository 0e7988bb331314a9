"""The corpus folder as it is now: which files ingestion reads, and each one's digest.

A digest is what decides whether a file changed, and reading every file to digest it is what an
ingest would otherwise spend most of its time on in a large corpus (20,000 files, 2.8 s with a cold
page cache). So a file is read only when its status differs from the one recorded beside its
digest in the store's current version (:meth:`claimgraph.ingest.manifest.Manifest.statuses`):
its size, modification and change times (ns) and inode. The change time cannot be set back by a
program, so an edit that keeps the size and restores the modification time is still seen.

A file changed twice within one tick of the file system's clock could keep all of these. So, as
git does for its index, a file whose modification or change time is within :data:`RACY_NS` of
when it was listed is *racy*: its status is recorded as unknown, and it is read again the next
time (``docs/decisions/0030-record-in-shards.md``). ``--force`` reads every file.

>>> import tempfile
>>> root = Path(tempfile.mkdtemp()) / "corpus"
>>> for sub in ("registry", "articles"):
...     (root / sub).mkdir(parents=True)
...     _ = (root / sub / "a.yaml").write_text("{}")
>>> scan = Scan.of(root)
>>> sorted(scan.files), scan.read, scan.statuses["articles/a.yaml"]  # just written: racy
(['articles/a.yaml', 'registry/a.yaml'], 2, None)
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from claimgraph.ingest.files import FOLDERS, Listed, listing, read_bytes, root_problems
from claimgraph.ingest.manifest import Status
from claimgraph.ingest.units import digest
from claimgraph.ontology.errors import CorpusError, Problem
from claimgraph.queries.settings import get_settings

logger = logging.getLogger(__name__)

#: A file modified this close (or closer) to when it was listed is read again next time: more than
#: the coarsest file-system timestamp in common use (2 s, FAT) and any clock tick.
RACY_NS = 2_000_000_000


@dataclass
class Listing:
    """The files of a corpus folder that ingestion reads, with their status, and when they were
    listed; CorpusError (:meth:`of`) for every entry it would refuse or not read."""

    root: Path
    registry: list[Listed]
    articles: list[Listed]
    at_ns: int

    @classmethod
    def of(cls, root: Path) -> Listing:
        if not root.is_dir():
            raise CorpusError(f"no corpus folder at {root}")
        limit = get_settings().corpus_max_file_bytes
        at_ns = time.time_ns()
        problems: list[Problem] = root_problems(root)
        found = {}
        for sub in FOLDERS:
            found[sub], refused = listing(root, sub, max_bytes=limit)
            problems.extend(refused)
        if problems:
            raise CorpusError(problems=problems)
        return cls(root, found["registry"], found["articles"], at_ns)

    def status(self, listed: Listed) -> Status | None:
        """The file's status, or None when it is racy (changed too close to the listing to be
        trusted later)."""
        st = listed.stat
        if st.st_mtime_ns >= self.at_ns - RACY_NS or st.st_ctime_ns >= self.at_ns - RACY_NS:
            return None
        return f"{st.st_size} {st.st_mtime_ns} {st.st_ctime_ns} {st.st_ino}"


@dataclass
class Recorded:
    """What the store's current version recorded of the corpus files: their digests, and the
    status each file had when its digest was read (:meth:`claimgraph.ingest.manifest.Manifest.statuses`)."""

    digests: dict[str, str]
    statuses: dict[str, Status]


class _Paths(Mapping[str, Path]):
    """Article file (relative path) -> its path, made when asked for: most are never opened."""

    def __init__(self) -> None:
        self.paths: dict[str, str] = {}

    def __getitem__(self, name: str) -> Path:
        return Path(self.paths[name])

    def __contains__(self, name: object) -> bool:
        return name in self.paths

    def __iter__(self) -> Iterator[str]:
        return iter(self.paths)

    def __len__(self) -> int:
        return len(self.paths)


@dataclass
class Scan:
    """The corpus folder as it is now: the registry files' bytes, every file's digest and status
    (None: racy), and the files that were read for their digests (``fresh``)."""

    root: Path
    registry: dict[Path, bytes] = field(default_factory=dict)
    articles: _Paths = field(default_factory=_Paths)
    files: dict[str, str] = field(default_factory=dict)  # relative path -> digest
    statuses: dict[str, Status | None] = field(default_factory=dict)  # relative path -> status when listed
    fresh: set[str] = field(default_factory=set)

    @property
    def read(self) -> int:
        return len(self.fresh)

    @classmethod
    def of(cls, root: Path, listed: Listing | None = None, recorded: Recorded | None = None) -> Scan:
        """Every file ingestion reads (:func:`claimgraph.ingest.files.listing`), read safely unless
        its status is the one ``recorded`` with its digest; CorpusError for one that cannot be read."""
        listed = listed or Listing.of(root)
        digests, statuses = (recorded.digests, recorded.statuses) if recorded else ({}, {})
        scan = cls(root)
        limit = get_settings().corpus_max_file_bytes
        for entry in listed.registry:
            scan.registry[Path(entry.path)] = data = read_bytes(Path(entry.path), entry.shown, max_bytes=limit)
            scan.files[entry.name] = digest(data)
            scan.statuses[entry.name] = listed.status(entry)
            scan.fresh.add(entry.name)
        paths = scan.articles.paths
        for entry in listed.articles:
            name = entry.name
            paths[name] = entry.path
            status = scan.statuses[name] = listed.status(entry)
            if status is not None and statuses.get(name) == status and name in digests:
                scan.files[name] = digests[name]
            else:
                scan.files[name] = digest(read_bytes(Path(entry.path), entry.shown, max_bytes=limit))
                scan.fresh.add(name)
        logger.debug("scanned %s: %d files, %d read", root, len(scan.files), len(scan.fresh))
        return scan

    def registry_files(self) -> dict[str, str]:
        return {name: self.files[name] for name in self.files if name not in self.articles}
