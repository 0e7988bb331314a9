"""Schemathesis over the OpenAPI schema of a real server on the real corpus store: for every
operation, requests generated from the schema, valid ones and invalid ones; no server error,
nothing the schema does not say (status codes, media types, headers, bodies), schema-valid
requests accepted and schema-invalid ones refused.

Each operation runs as its own test (``-k`` picks one). schemathesis's pytest plugin does not run
under pytest 9, so the cases are drawn with hypothesis from each operation's strategy directly.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    negative_data_rejection,
    not_a_server_error,
    positive_data_acceptance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from claimgraph.api.app import create_app
from claimgraph.queries.settings import Settings
from tests.api import schema_hooks  # noqa: F401 - registers the serializer and the hook
from tools.live_server import LiveServer, live_server

pytestmark = pytest.mark.slow

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance, positive_data_acceptance, negative_data_rejection]
#: Cases per operation and generation mode.
EXAMPLES = 25
CASES: Counter[str] = Counter()


def operations() -> dict[str, bool]:
    """Every operation of the schema (read from the app, without a store), and whether a request
    to it can be invalid: a body, or a parameter whose schema refuses some value (an unconstrained
    string, such as the path of ``/id/{path}``, has no invalid value to send)."""
    spec = create_app(Settings(store=Path("unused"))).openapi()

    def constrained(parameter: dict) -> bool:
        schema = {k: v for k, v in parameter.get("schema", {}).items() if k not in ("title", "description",
                                                                                  "examples", "default")}
        omissible = parameter.get("required", False) and parameter.get("in") != "path"
        return omissible or schema not in ({}, {"type": "string"})

    return {f"{method.upper()} {path}": bool(operation.get("requestBody")
                                             or any(map(constrained, operation.get("parameters", []))))
            for path, methods in spec["paths"].items() for method, operation in methods.items()}


def cases() -> list[tuple[str, schemathesis.GenerationMode]]:
    """Valid requests for every operation; invalid ones for every operation that takes input."""
    return [(label, mode) for label, takes_input in operations().items() for mode in schemathesis.GenerationMode
            if takes_input or mode is schemathesis.GenerationMode.POSITIVE]


def checks_for(label: str) -> list:
    """All the checks, but on /sparql: a query is a string to the schema, SPARQL to the endpoint,
    so a generated string that is not SPARQL is refused (400, documented) though "schema-valid"."""
    return [c for c in CHECKS if not (label.endswith(" /sparql") and c is positive_data_acceptance)]


@pytest.fixture(scope="module")
def fuzzed_server(corpus_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    env = {"CLAIMGRAPH_SPARQL_WORKERS": "2", "CLAIMGRAPH_SPARQL_CLIENT_REQUESTS": "8"}
    with live_server(corpus_store, tmp_path_factory.mktemp("fuzz"), env=env) as server:
        # The ontology's page is built on its first request when `make docs` has not built it
        # (seconds, more on a busy machine): built here, so the fuzzing's own time limit per
        # request measures the answers, not that one-off build.
        assert requests.get(server.url + "/ontology.html", timeout=300).status_code == 200
        yield server


@pytest.fixture(scope="module")
def api_schema(fuzzed_server: LiveServer) -> schemathesis.BaseSchema:
    return schemathesis.openapi.from_url(fuzzed_server.url + "/openapi.json")


@pytest.mark.parametrize(("label", "mode"), cases(), ids=lambda v: getattr(v, "value", v))
def test_operation_holds_to_its_schema(api_schema: schemathesis.BaseSchema, label: str,
                                       mode: schemathesis.GenerationMode) -> None:
    method, path = label.split(" ", 1)
    operation = api_schema[path][method]

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    def holds(case: schemathesis.Case) -> None:
        CASES[label] += 1
        case.call_and_validate(checks=checks_for(label))

    holds()


def test_every_operation_was_exercised_and_the_log_is_clean(fuzzed_server: LiveServer) -> None:
    assert set(CASES) == set(operations()), set(operations()) - set(CASES)
    assert "Traceback" not in fuzzed_server.log_text()
