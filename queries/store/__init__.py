"""The store interface, its two implementations, and the one factory that chooses between them.

>>> from claimgraph.queries.settings import Settings
>>> open_backend(Settings(endpoint="http://127.0.0.1:7878/query", endpoint_kind="oxigraph")).describe()["backend"]
'remote'
"""

from __future__ import annotations

from claimgraph.ontology.errors import BackendError
from claimgraph.queries.settings import Settings, get_settings
from claimgraph.queries.store.base import GRAPH_PREFIX, Backend, QueryDataset, RawAnswer, Term
from claimgraph.queries.store.embedded import EmbeddedBackend
from claimgraph.queries.store.remote import RemoteBackend

__all__ = ["GRAPH_PREFIX", "Backend", "EmbeddedBackend", "QueryDataset", "RawAnswer", "RemoteBackend", "Term",
           "open_backend"]


def open_backend(settings: Settings | None = None) -> Backend:
    """The store the settings name: the SPARQL server at ``endpoint`` when one is set (of
    ``endpoint_kind``, queries timing out after ``query_timeout``), else the embedded store at
    ``store``."""
    settings = settings or get_settings()
    if settings.endpoint:
        try:
            return RemoteBackend(settings.endpoint, kind=settings.endpoint_kind, timeout=settings.query_timeout)
        except ValueError as exc:
            raise BackendError(f"bad endpoint: {exc}") from None
    return EmbeddedBackend(settings.store)
