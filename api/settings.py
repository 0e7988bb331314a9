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
| ``CLAIMGRAPH_BASE_URL`` | the deployment's URL that ``https://w3id.org/claimgraph/`` maps to in pages and ``Link`` headers (e.g. ``https://claims.example.org/``) | unset: links relative to the server |
| ``CLAIMGRAPH_CORS_ORIGINS`` | origins allowed to call the API from a browser, comma-separated; ``*`` any; ``none`` switches CORS off | ``*`` |
| ``CLAIMGRAPH_CACHE_MAX_AGE`` | seconds a client may reuse an answer or page of a known store version (``Cache-Control: max-age``) | ``60`` |
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
    base_url: str | None = None
    cors_origins: tuple[str, ...] = ("*",)
    cache_max_age: int = 60

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


def _origins(value: str) -> tuple[str, ...]:
    origins = tuple(o.strip().rstrip("/") for o in value.split(",") if o.strip())
    return () if origins in ((), ("none",)) else origins


def _base_url(value: str) -> str:
    if not value.startswith(("http://", "https://")):
        raise ValueError("an http:// or https:// URL")
    return value if value.endswith("/") else value + "/"


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
        base_url=_env("CLAIMGRAPH_BASE_URL", _base_url, d.base_url),
        cors_origins=_env("CLAIMGRAPH_CORS_ORIGINS", _origins, d.cors_origins),
        cache_max_age=_env("CLAIMGRAPH_CACHE_MAX_AGE", int, d.cache_max_age),
    )
