"""FastAPI dependencies as ``Annotated`` aliases: the backend (pinned to one store version per
request) and the settings of the running app."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from claimgraph.queries.settings import Settings
from claimgraph.queries.store import Backend


def get_backend(request: Request) -> Backend:
    """The app's store, pinned to one version for this request: everything the request asks
    (and every dependency that asks for the backend) sees the same store, even if ingestion links
    a new version meanwhile; the next request answers from the new one."""
    pinned = getattr(request.state, "backend", None)
    if pinned is None:
        pinned = request.state.backend = request.app.state.backend.pin()
    return pinned


def get_store_version(request: Request) -> str | None:
    """The store version this request is pinned to (None on a store without versions, or for a
    router mounted on an app without a store of its own)."""
    if getattr(request.app.state, "backend", None) is None:
        return None
    return get_backend(request).version()


def get_app_settings(request: Request) -> Settings:
    return request.app.state.settings


BackendDep = Annotated[Backend, Depends(get_backend)]
SettingsDep = Annotated[Settings, Depends(get_app_settings)]
StoreVersionDep = Annotated[str | None, Depends(get_store_version)]
