"""FastAPI dependencies as ``Annotated`` aliases: the backend (pinned to one store version per
request) and the settings of the running app; and the rule that a route refuses query parameters
it does not declare."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request

from claimgraph.ontology.errors import ParameterError
from claimgraph.queries.run import shown
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


def accepts_other_parameters(endpoint: Any) -> Any:
    """Mark a route that takes query parameters it does not declare (the SPARQL protocol's:
    clients send their own, such as ``output`` or ``timeout``)."""
    endpoint.accepts_other_parameters = True
    return endpoint


def _declared(dependant: Any) -> set[str]:
    names = {field.alias for field in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _declared(sub)
    return names


def refuse_unknown_parameters(request: Request) -> None:
    """400 for a query parameter the route does not declare, as the CLI refuses an unknown option
    (a misspelt ``evnt=`` would otherwise be ignored and answer something else). Routes of the API
    (those the OpenAPI schema documents) only: the analyst's pages read their own parameters."""
    route = request.scope.get("route")
    dependant = getattr(route, "dependant", None)
    if (dependant is None or not getattr(route, "include_in_schema", True)
            or getattr(route.endpoint, "accepts_other_parameters", False)):
        return
    known = _declared(dependant)
    unknown = [name for name in dict.fromkeys(request.query_params.keys()) if name not in known]
    if unknown:
        takes = f"its parameters are: {', '.join(sorted(known))}" if known else "it takes none"
        raise ParameterError(f"unknown parameter {shown(unknown[0])} for {route.path}; {takes}")
