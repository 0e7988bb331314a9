"""FastAPI dependencies as ``Annotated`` aliases: the backend and the settings of the running app;
and the rule that a route refuses query parameters it does not declare."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request

from claimgraph.ontology.errors import ParameterError
from claimgraph.queries.run import shown
from claimgraph.queries.settings import Settings
from claimgraph.queries.store import Backend


def get_backend(request: Request) -> Backend:
    return request.app.state.backend


def get_app_settings(request: Request) -> Settings:
    return request.app.state.settings


BackendDep = Annotated[Backend, Depends(get_backend)]
SettingsDep = Annotated[Settings, Depends(get_app_settings)]


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
