"""FastAPI dependencies as ``Annotated`` aliases: the backend and the settings of the running app."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from claimgraph.queries.settings import Settings
from claimgraph.queries.store import Backend


def get_backend(request: Request) -> Backend:
    return request.app.state.backend


def get_app_settings(request: Request) -> Settings:
    return request.app.state.settings


BackendDep = Annotated[Backend, Depends(get_backend)]
SettingsDep = Annotated[Settings, Depends(get_app_settings)]
