"""Settings, read from the environment when first needed (never at import time).

| variable | meaning | default |
| --- | --- | --- |
| ``CLAIMGRAPH_STORE`` | the embedded store folder | ``data/store`` |
| ``CLAIMGRAPH_ENDPOINT`` | a remote SPARQL server's query URL to serve from instead | unset |
| ``CLAIMGRAPH_ENDPOINT_KIND`` | ``auto`` (ask the server), ``oxigraph``, ``virtuoso`` or ``generic`` | ``auto`` |
| ``CLAIMGRAPH_QUERY_TIMEOUT`` | seconds a `/sparql` query (or any query to a remote server) may run | ``10`` |
| ``CLAIMGRAPH_MAX_ROWS`` | rows a `/sparql` SELECT returns at most | ``10000`` |
| ``CLAIMGRAPH_MAX_QUERY_LENGTH`` | characters a `/sparql` query may have | ``20000`` |
| ``CLAIMGRAPH_SPARQL_WORKERS`` | worker processes for `/sparql` | ``2`` |
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path


@dataclass(frozen=True)
class Settings:
    store: Path = Path("data/store")
    endpoint: str | None = None
    endpoint_kind: str = "auto"
    query_timeout: float = 10.0
    max_rows: int = 10_000
    max_query_length: int = 20_000
    sparql_workers: int = 2

    def with_(self, **changes: object) -> "Settings":
        return replace(self, **{k: v for k, v in changes.items() if v is not None})


def _env(name: str, cast, default):
    value = os.environ.get(name)
    if value in (None, ""):
        return default
    try:
        return cast(value)
    except ValueError as exc:
        raise SystemExit(f"{name}={value!r} is not valid: {exc}") from None


def _kind(value: str) -> str:
    if value not in ("auto", "oxigraph", "virtuoso", "generic"):
        raise ValueError("one of auto, oxigraph, virtuoso, generic")
    return value


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The settings from the environment, read once on first use."""
    d = Settings()
    return Settings(
        store=_env("CLAIMGRAPH_STORE", Path, d.store),
        endpoint=_env("CLAIMGRAPH_ENDPOINT", str, d.endpoint),
        endpoint_kind=_env("CLAIMGRAPH_ENDPOINT_KIND", _kind, d.endpoint_kind),
        query_timeout=_env("CLAIMGRAPH_QUERY_TIMEOUT", float, d.query_timeout),
        max_rows=_env("CLAIMGRAPH_MAX_ROWS", int, d.max_rows),
        max_query_length=_env("CLAIMGRAPH_MAX_QUERY_LENGTH", int, d.max_query_length),
        sparql_workers=_env("CLAIMGRAPH_SPARQL_WORKERS", int, d.sparql_workers),
    )
