"""The HTTP contract (issue 12, point 15): the OpenAPI schema says what each route accepts and
answers, and the API holds to it, on the real store built from the real corpus."""

from __future__ import annotations

import pytest

from claimgraph.queries.catalog import catalog


@pytest.fixture(scope="module")
def spec(client):
    return client.get("/openapi.json").json()


def params_of(spec, path: str) -> dict:
    return {p["name"]: p for p in spec["paths"][path]["get"].get("parameters", [])}


def test_every_question_documents_json_and_csv_and_its_errors(spec) -> None:
    for name in catalog():
        responses = spec["paths"][f"/questions/{name}"]["get"]["responses"]
        assert set(responses["200"]["content"]) == {"application/json", "text/csv"}, name
        assert {"400", "404"} <= set(responses) and "422" not in responses, name
        assert responses["400"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}


def test_parameter_rules_come_from_the_question_catalog(spec) -> None:
    for question in catalog().values():
        documented = params_of(spec, f"/questions/{question.name}")
        for param in question.all_params:
            schema = documented[param.name]["schema"]
            assert {k: schema[k] for k in param.schema()} == {**param.schema()}, (question.name, param.name)
            assert documented[param.name]["required"] is param.required
    assert params_of(spec, "/questions/attributions")["event"]["schema"]["pattern"] == "^[a-z0-9]+(?:-[a-z0-9]+)*$"
    assert params_of(spec, "/questions/search")["text"]["schema"]["minLength"] == 1


@pytest.mark.parametrize(("params", "words"), [
    ({"until": "0"}, "until '0' is not a date"),
    ({"since": "20250101"}, "is not a date"),
    ({"since": "2025-02-30"}, "is not a date"),
    ({"since": "2025-06-01", "until": "2025-01-01"}, "since (2025-06-01) is after until (2025-01-01)"),
])
def test_timeline_dates_are_dates_and_a_period(client, params, words) -> None:
    response = client.get("/questions/timeline", params=params)
    assert response.status_code == 400, response.text
    assert response.json()["error"] == "parameter-error" and words in response.json()["detail"]
    assert client.get("/questions/timeline", params={"since": "2025-01-01", "until": "2025-01-01"}).status_code == 200


@pytest.mark.parametrize(("path", "params"), [
    ("/questions/attributions", {"event": "azal-crash", "actor": "russia", "evnt": "x"}),
    ("/questions/timeline", {"sinse": "2025-01-01"}),
    ("/questions", {"verbose": "1"}),
    ("/health", {"x": "1"}),
    ("/export", {"format": "nquads", "graph": "x"}),
])
def test_unknown_query_parameters_are_refused_as_the_cli_does(client, path, params) -> None:
    response = client.get(path, params=params)
    assert response.status_code == 400, response.text
    assert response.json()["error"] == "parameter-error" and "unknown parameter" in response.json()["detail"]


@pytest.mark.parametrize("query", ["offset=1&offset=8", "until=2025-01-01&until=2025-12-31&limit=5"])
def test_a_single_value_parameter_given_twice_is_refused(client, query) -> None:
    response = client.get(f"/questions/timeline?{query}")
    assert response.status_code == 400, response.text
    assert response.json()["error"] == "parameter-error" and "times; it takes one value" in response.json()["detail"]


def test_sparql_takes_the_parameters_protocol_clients_add(client) -> None:
    response = client.get("/sparql", params={"query": "ASK {}", "output": "json", "timeout": "5"})
    assert response.status_code == 200, response.text


def test_a_huge_slug_is_not_echoed_whole(client) -> None:
    huge = "a" * 60_000
    for params in ({"event": huge, "actor": "russia"}, {"event": "a" * 120, "actor": "russia"}):
        response = client.get("/questions/attributions", params=params)
        assert response.status_code in (400, 404), response.text
        assert len(response.text) < 400 and "characters" in response.json()["detail"]


def test_schema_valid_requests_are_not_refused(client) -> None:
    """A slug the schema allows gets 404 when it names nothing, never 400."""
    response = client.get("/questions/attributions", params={"event": "0-0", "actor": "russia"})
    assert response.status_code == 404 and response.json()["error"] == "not-found"
    assert client.get("/questions/search", params={"text": "0"}).status_code == 200


def test_validation_errors_are_400_in_the_error_shape(client, spec) -> None:
    response = client.get("/questions/attributions", params={"event": "azal-crash", "actor": "russia",
                                                             "format": "x" * 5000})
    assert response.status_code == 400
    assert response.json() == {"error": "parameter-error", "detail": "format: Input should be 'json' or 'csv'"}
    assert "HTTPValidationError" not in spec["components"]["schemas"]


@pytest.mark.parametrize(("path", "methods"), [
    ("/sparql", "GET, HEAD, OPTIONS, POST"),
    ("/questions/timeline", "GET, HEAD, OPTIONS"),
    ("/health", "GET, OPTIONS"),
])
def test_options_lists_every_method_of_the_route(client, path, methods) -> None:
    response = client.options(path)
    assert response.status_code == 204
    assert response.headers["allow"] == methods


def test_unknown_routes_and_methods_answer_in_the_error_shape(client) -> None:
    assert client.get("/nothing-here").json() == {"error": "not-found", "detail": "no route /nothing-here"}
    response = client.put("/health")
    assert response.status_code == 405 and response.json()["error"] == "method-not-allowed"
