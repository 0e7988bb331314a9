"""Settings: one typed class, read from the environment when first needed (never at import time).

The command line, the API, ingestion and publishing all take their defaults from
:func:`get_settings`; a command-line option overrides its setting (:meth:`Settings.with_`).

| variable | meaning | default |
| --- | --- | --- |
| ``CLAIMGRAPH_STORE`` | the embedded store folder | ``data/store`` |
| ``CLAIMGRAPH_ENDPOINT`` | a remote SPARQL server's query URL to serve from instead | unset |
| ``CLAIMGRAPH_ENDPOINT_KIND`` | ``auto`` (ask the server), ``oxigraph``, ``virtuoso`` or ``generic`` | ``auto`` |
| ``CLAIMGRAPH_QUERY_TIMEOUT`` | seconds a `/sparql` query may take, checking and running it together (and any query to a remote server) | ``10`` |
| ``CLAIMGRAPH_MAX_ROWS`` | rows (or triples) a `/sparql` answer carries at most | ``10000`` |
| ``CLAIMGRAPH_MAX_QUERY_LENGTH`` | characters a `/sparql` query may have | ``20000`` |
| ``CLAIMGRAPH_SPARQL_WORKERS`` | worker processes for `/sparql`: queries that run at once | ``4`` |
| ``CLAIMGRAPH_SPARQL_WORKER_MEMORY`` | MB a `/sparql` worker may allocate for a query, beyond the open store | ``1024`` |
| ``CLAIMGRAPH_SPARQL_MAX_ANSWER_BYTES`` | bytes a `/sparql` answer carries at most (cut at a row) | ``16777216`` |
| ``CLAIMGRAPH_SPARQL_SEND_TIMEOUT`` | seconds a client has to take a `/sparql` answer before it is disconnected | ``30`` |
| ``CLAIMGRAPH_SPARQL_CLIENT_WORKERS`` | workers one client's queries may hold at once | ``2`` |
| ``CLAIMGRAPH_SPARQL_CLIENT_REQUESTS`` | `/sparql` requests one client may have in flight (running, queued or being sent) | ``4`` |
| ``CLAIMGRAPH_SPARQL_MAX_REQUESTS`` | `/sparql` requests in flight from all clients | ``64`` |
| ``CLAIMGRAPH_SPARQL_QUEUE_TIMEOUT`` | seconds a `/sparql` query may wait for a free worker | ``5`` |
| ``CLAIMGRAPH_PUBLISH_TIMEOUT`` | seconds each request of ``claimgraph publish`` may take | ``120`` |
| ``CLAIMGRAPH_INGEST_LOCK_TIMEOUT`` | seconds an ingest waits for another one writing the same store, then fails (exit 2) | ``600`` |
| ``CLAIMGRAPH_DOCS_DIR`` | where ``make docs`` writes the ontology documentation, and the API looks for it | ``build/docs`` |
| ``CLAIMGRAPH_BASE_URL`` | the deployment's URL that ``https://w3id.org/claimgraph/`` maps to in pages and ``Link`` headers (e.g. ``https://claims.example.org/``) | unset: links relative to the server |
| ``CLAIMGRAPH_CORS_ORIGINS`` | origins allowed to call the API from a browser, comma-separated; ``*`` any; ``none`` switches CORS off | ``*`` |
| ``CLAIMGRAPH_CACHE_MAX_AGE`` | seconds a client may reuse an answer or page of a known store version (``Cache-Control: max-age``) | ``60`` |
| ``CLAIMGRAPH_ANSWER_CACHE_ENTRIES`` | answers (and pages) the API keeps in memory per process for repeats on the same store version; ``0`` keeps none | ``512`` |
| ``CLAIMGRAPH_ANSWER_CACHE_BYTES`` | bytes of response bodies that cache holds at most (a larger answer is not kept) | ``67108864`` (64 MiB) |
| ``CLAIMGRAPH_QUESTION_TIMEOUT`` | seconds the API waits for a named question's answer before it answers 503 (the question finishes in the background) | ``30`` |
| ``CLAIMGRAPH_QUESTION_WORKERS`` | named questions the API answers at once, those past their time included | ``4`` |
| ``CLAIMGRAPH_DETAIL_THREADS`` | threads that read one answer's claims in full side by side, a part of the page each (``1``: one part after another) | ``2`` |
| ``CLAIMGRAPH_QUESTION_QUEUE_TIMEOUT`` | seconds a named question may wait for one of those, then 503 | ``5`` |
| ``CLAIMGRAPH_READY_ANSWERS`` | answers made at ingest and kept with each version, sent as they are when asked (``question?name=value&...``, separated by spaces; ``none`` for none) | ``attributions?event=azal-crash&actor=russia`` (the headline) |
| ``CLAIMGRAPH_TALLY_CHANGES_MAX_BYTES`` | bytes the file of a version's tallies' changes since their base may reach before a change folds it into its own copy of the base (that change copies the whole tallies: 1.9 GB at a million claims); ``0`` folds at every change | ``16777216`` (16 MiB) |
| ``CLAIMGRAPH_CORPUS_MAX_FILE_BYTES`` | bytes a corpus file may have; a larger one is refused unread | ``16777216`` (16 MiB) |
| ``CLAIMGRAPH_CORPUS_MAX_DEPTH`` | levels of nesting (mappings and lists) a corpus file may have | ``32`` |
| ``CLAIMGRAPH_CORPUS_PARSE_SECONDS`` | seconds the YAML of one corpus file may take to parse | ``10`` |
| ``CLAIMGRAPH_CORPUS_MAX_TEXT_LENGTH`` | characters of a free-text field (paraphrase, label, description, URL ...) | ``2000`` |
| ``CLAIMGRAPH_CORPUS_MAX_NAME_LENGTH`` | characters of a slug, a reference to an entity or a claim id | ``200`` |

>>> Settings(store="elsewhere").with_(max_rows=5, endpoint=None).max_rows
5
>>> Settings(endpoint_kind="sesame")
Traceback (most recent call last):
...
pydantic_core._pydantic_core.ValidationError: 1 validation error for Settings
...
>>> Settings(base_url="https://claims.example.org/cg", cors_origins="https://a.example/, https://b.example")
... # doctest: +ELLIPSIS
Settings(...base_url='https://claims.example.org/cg/', cors_origins=('https://a.example', 'https://b.example')...)
>>> Settings(cors_origins="none").cors_origins, Settings().cors_origins
((), ('*',))
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal, get_args
from urllib.parse import parse_qsl, urlsplit

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

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
    sparql_workers: int = Field(4, ge=1)
    sparql_worker_memory: int = Field(1024, ge=64)
    sparql_max_answer_bytes: int = Field(16 * 1024 * 1024, ge=1024)
    sparql_send_timeout: float = Field(30.0, gt=0)
    sparql_client_workers: int = Field(2, ge=1)
    sparql_client_requests: int = Field(4, ge=1)
    sparql_max_requests: int = Field(64, ge=1)
    sparql_queue_timeout: float = Field(5.0, ge=0)
    publish_timeout: float = Field(120.0, gt=0)
    docs_dir: Path = Path("build/docs")
    ingest_lock_timeout: float = Field(600.0, ge=0)
    base_url: str | None = None
    cors_origins: Annotated[tuple[str, ...], NoDecode] = ("*",)
    cache_max_age: int = Field(60, ge=0)
    answer_cache_entries: int = Field(512, ge=0)
    answer_cache_bytes: int = Field(64 * 2**20, ge=0)
    question_timeout: float = Field(30.0, gt=0)
    question_workers: int = Field(4, ge=1)
    question_queue_timeout: float = Field(5.0, ge=0)
    detail_threads: int = Field(2, ge=1)
    ready_answers: Annotated[tuple[str, ...], NoDecode] = ("attributions?event=azal-crash&actor=russia",)
    tally_changes_max_bytes: int = Field(16 * 2**20, ge=0)

    @field_validator("base_url")
    @classmethod
    def _base_url(cls, value: str | None) -> str | None:
        if not value:
            return None
        if not value.startswith(("http://", "https://")):
            raise ValueError("the base URL must be an http:// or https:// URL")
        return value if value.endswith("/") else value + "/"

    @field_validator("ready_answers", mode="before")
    @classmethod
    def _ready(cls, value: Any) -> Any:
        """Specs separated by spaces (as the environment gives them); ``none`` (or nothing) is none."""
        if isinstance(value, str):
            value = value.split()
        specs = tuple(str(v).strip() for v in value if str(v).strip())
        if specs in ((), ("none",)):
            return ()
        for text in specs:
            ready_spec(text)  # ValueError names what is wrong
        return specs

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _origins(cls, value: Any) -> Any:
        """A comma-separated list (as the environment gives it); ``none`` (or nothing) is no origin."""
        if isinstance(value, str):
            value = [o for o in value.split(",") if o.strip()]
        origins = tuple(str(o).strip().rstrip("/") for o in value)
        return () if origins in ((), ("none",)) else origins
    corpus_max_file_bytes: int = Field(16 * 2**20, ge=1)
    corpus_max_depth: int = Field(32, ge=1)
    corpus_parse_seconds: float = Field(10.0, gt=0)
    corpus_max_text_length: int = Field(2000, ge=1)
    corpus_max_name_length: int = Field(200, ge=1)

    def with_(self, **changes: Any) -> Settings:
        """These settings with ``changes`` applied, leaving out the changes that are None."""
        return self.model_copy(update={k: v for k, v in changes.items() if v is not None})


def ready_spec(text: str) -> tuple[str, dict[str, str]]:
    """A ready answer as the setting ``ready_answers`` writes it, ``question?name=value&...``: the
    question's name and its parameters as a request gives them; ValueError when it is not of that
    form (which question and parameters exist is checked when the answer is made).

    >>> ready_spec("attributions?event=azal-crash&actor=russia")
    ('attributions', {'event': 'azal-crash', 'actor': 'russia'})
    """
    parts = urlsplit(text.strip())
    name = parts.path.strip("/").removeprefix("questions/")
    if not name or parts.scheme or parts.netloc or parts.fragment:
        raise ValueError(f"a ready answer is written question?name=value&... (e.g. attributions?event=azal-crash"
                         f"&actor=russia), not {text!r}")
    try:
        return name, dict(parse_qsl(parts.query, keep_blank_values=True, strict_parsing=bool(parts.query)))
    except ValueError as exc:
        raise ValueError(f"the parameters of the ready answer {text!r} are not name=value pairs: {exc}") from None


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
