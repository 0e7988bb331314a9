"""Settings: one typed class, read from the environment when first needed (never at import time).

The command line, the API, ingestion and publishing all take their defaults from
:func:`get_settings`; a command-line option overrides its setting (:meth:`Settings.with_`).

| variable | meaning | default |
| --- | --- | --- |
| ``CLAIMGRAPH_STORE`` | the embedded store folder | ``data/store`` |
| ``CLAIMGRAPH_ENDPOINT`` | a remote SPARQL server's query URL to serve from instead | unset |
| ``CLAIMGRAPH_ENDPOINT_KIND`` | ``auto`` (ask the server), ``oxigraph``, ``virtuoso`` or ``generic`` | ``auto`` |
| ``CLAIMGRAPH_QUERY_TIMEOUT`` | seconds a `/sparql` query (or any query to a remote server) may run | ``10`` |
| ``CLAIMGRAPH_MAX_ROWS`` | rows a `/sparql` SELECT returns at most | ``10000`` |
| ``CLAIMGRAPH_MAX_QUERY_LENGTH`` | characters a `/sparql` query may have | ``20000`` |
| ``CLAIMGRAPH_SPARQL_WORKERS`` | worker processes for `/sparql` | ``2`` |
| ``CLAIMGRAPH_PUBLISH_TIMEOUT`` | seconds each request of ``claimgraph publish`` may take | ``120`` |
| ``CLAIMGRAPH_INGEST_LOCK_TIMEOUT`` | seconds an ingest waits for another one writing the same store, then fails (exit 2) | ``600`` |
| ``CLAIMGRAPH_DOCS_DIR`` | where ``make docs`` writes the ontology documentation, and the API looks for it | ``build/docs`` |

>>> Settings(store="elsewhere").with_(max_rows=5, endpoint=None).max_rows
5
>>> Settings(endpoint_kind="sesame")
Traceback (most recent call last):
...
pydantic_core._pydantic_core.ValidationError: 1 validation error for Settings
...
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any, Literal, get_args

from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from claimgraph.ontology.errors import InvalidSetting

#: Which SPARQL server a remote store is: the one place the kinds are listed.
Kind = Literal["auto", "oxigraph", "virtuoso", "generic"]
KINDS: tuple[str, ...] = get_args(Kind)

ENV_PREFIX = "CLAIMGRAPH_"


class Settings(BaseSettings):
    """Every setting of claimgraph; each field reads ``CLAIMGRAPH_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, frozen=True, extra="forbid")

    store: Path = Path("data/store")
    endpoint: str | None = None
    endpoint_kind: Kind = "auto"
    query_timeout: float = Field(10.0, gt=0)
    max_rows: int = Field(10_000, ge=1)
    max_query_length: int = Field(20_000, ge=1)
    sparql_workers: int = Field(2, ge=1)
    publish_timeout: float = Field(120.0, gt=0)
    docs_dir: Path = Path("build/docs")
    ingest_lock_timeout: float = Field(600.0, ge=0)

    def with_(self, **changes: Any) -> Settings:
        """These settings with ``changes`` applied, leaving out the changes that are None."""
        return self.model_copy(update={k: v for k, v in changes.items() if v is not None})


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The settings from the environment, read once on first use; InvalidSetting (exit 1) names
    the variable whose value is not valid."""
    try:
        return Settings()
    except ValidationError as exc:
        problems = "; ".join(f"{ENV_PREFIX}{'_'.join(map(str, e['loc'])).upper()}={e.get('input')!r}: {e['msg']}"
                             for e in exc.errors(include_url=False))
        raise InvalidSetting(f"invalid setting: {problems}") from None
