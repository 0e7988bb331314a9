"""Write the built graphs to the embedded Oxigraph store, all or nothing.

A store folder (``data/store`` by default) is a symbolic link to a versioned folder
``.store.v-<digest>`` beside it (``.<name>.v-<digest>`` for a store named otherwise). Ingestion builds a complete new version next to the current one
and then replaces the link in one atomic rename, so readers see either the old store or the new
one, and a failure at any point leaves the current store exactly as it was
(``docs/decisions/0009-store-versions.md``). The version folder's name is what
:meth:`claimgraph.queries.store.embedded.EmbeddedBackend.version` returns.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pyoxigraph as ox

from claimgraph.ontology.errors import BackendError


def current_version(store: Path) -> Path | None:
    """The versioned folder the store link points at, if any."""
    if store.is_symlink():
        target = store.parent / os.readlink(store)
        return target if target.is_dir() else None
    return store if store.is_dir() else None


def _version_name(store: Path, digest: str) -> str:
    return f".{store.name}.v-{digest}"


def is_current(store: Path, digest: str) -> bool:
    """True if the store was built from exactly this corpus and ontology."""
    version = current_version(store)
    return version is not None and version.name == _version_name(store, digest)


def replace_store(store: Path, nquads: bytes, digest: str) -> Path:
    """Build a new store version from N-Quads and atomically make ``store`` point at it."""
    store = store.absolute()
    store.parent.mkdir(parents=True, exist_ok=True)
    version = store.parent / _version_name(store, digest)
    building = store.parent / f"{version.name}.building-{os.getpid()}"
    shutil.rmtree(building, ignore_errors=True)
    try:
        db = ox.Store(str(building))
        db.bulk_load(nquads, format=ox.RdfFormat.N_QUADS)
        db.optimize()
        db.flush()
        del db
        if version.exists():
            shutil.rmtree(version)
        building.rename(version)
    except BaseException as exc:
        shutil.rmtree(building, ignore_errors=True)
        if isinstance(exc, OSError):
            raise BackendError(f"could not write the store at {store}: {exc}") from exc
        raise
    previous = current_version(store)
    if store.exists() and not store.is_symlink():
        # A plain folder from elsewhere: keep it aside rather than delete someone's data.
        store.rename(store.with_name(store.name + ".replaced"))
    link = store.with_name(f".{store.name}.link-{os.getpid()}")
    if link.is_symlink() or link.exists():
        link.unlink()
    link.symlink_to(version.name)
    os.replace(link, store)
    _prune(store, keep={version, previous})
    return version


def _prune(store: Path, keep: set[Path | None]) -> None:
    """Remove this store's old versions, keeping the current and the previous one (a server may
    still read it). Other stores in the same folder are left alone."""
    for path in store.parent.glob(f".{store.name}.v-*"):
        if path not in keep and ".building-" not in path.name:
            shutil.rmtree(path, ignore_errors=True)
