"""FastAPI dependencies as ``Annotated`` aliases: the backend (pinned to one store version per
request) and the settings of the running app; and the rule that a route refuses query parameters
it does not declare."""

from __future__ import annotations

from typing import Annotated, Any, get_origin

from fastapi import Depends, Request

from claimgraph.api.question_limits import QuestionLimits
from claimgraph.ontology.errors import ParameterError
from claimgraph.queries.run import shown
from claimgraph.queries.settings import Settings
from claimgraph.queries.store import Backend


def pinned_backend(scope: Any) -> Backend | None:
    """The app's store pinned to one version for the request of ``scope`` (kept in its state):
    the HTTP cache's ETag, every dependency and the route all see the same version, even if
    ingestion links a new one meanwhile; the next request answers from the new one. None for an
    app without a store of its own."""
    state = scope.setdefault("state", {})
    pinned = state.get("backend")
    if pinned is None:
        backend = getattr(scope["app"].state, "backend", None)
        if backend is None:
            return None
        pinned = state["backend"] = backend.pin()
    return pinned


def get_backend(request: Request) -> Backend:
    """The app's store, pinned to one version for this request (:func:`pinned_backend`)."""
    pinned = pinned_backend(request.scope)
    if pinned is None:
        raise RuntimeError("the app has no store")
    return pinned


def get_store_version(request: Request) -> str | None:
    """The store version this request is pinned to (None on a store without versions, or for a
    router mounted on an app without a store of its own)."""
    pinned = pinned_backend(request.scope)
    return pinned.version() if pinned is not None else None


def get_app_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_question_limits(request: Request) -> QuestionLimits:
    """The app's pool for named questions: their time limit and how many run at once."""
    return request.app.state.questions


BackendDep = Annotated[Backend, Depends(get_backend)]
QuestionLimitsDep = Annotated[QuestionLimits, Depends(get_question_limits)]
SettingsDep = Annotated[Settings, Depends(get_app_settings)]
StoreVersionDep = Annotated[str | None, Depends(get_store_version)]


def accepts_other_parameters(endpoint: Any) -> Any:
    """Mark a route that takes query parameters it does not declare (the SPARQL protocol's:
    clients send their own, such as ``output`` or ``timeout``)."""
    endpoint.accepts_other_parameters = True
    return endpoint


def _declared(dependant: Any) -> dict[str, bool]:
    """The route's query parameters: name -> whether it takes several values (a list)."""
    names = {field.alias: get_origin(field.field_info.annotation) in (list, tuple, set, frozenset)
             for field in dependant.query_params}
    for sub in dependant.dependencies:
        names.update(_declared(sub))
    return names


def refuse_unknown_parameters(request: Request) -> None:
    """400 for a query parameter the route does not declare, as the CLI refuses an unknown option
    (a misspelt ``evnt=`` would otherwise be ignored and answer something else), and for one that
    takes a single value given several times (``offset=1&offset=8`` would otherwise answer one). Routes of the API
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
    repeated = [name for name in dict.fromkeys(request.query_params.keys())
                if not known[name] and len(request.query_params.getlist(name)) > 1]
    if repeated:
        raise ParameterError(f"{repeated[0]} is given {len(request.query_params.getlist(repeated[0]))} times; "
                             "it takes one value")
