"""RemoteBackend against scripted HTTP servers on loopback: what goes out, and every way an answer fails.

Each scripted answer copies what a real server sends (``docs/decisions/0003-virtuoso-quirks.md``): Virtuoso's HTTP 500
"Transaction timed out", its "anytime" partial answers, its silent row cap, its old
``typed-literal`` JSON; the Oxigraph server's cancelled stream (JSON cut after HTTP 200).
"""

from __future__ import annotations

import http.server
import json
import threading
import time
import urllib.parse
from collections.abc import Iterator
from typing import Any

import pyoxigraph as ox
import pytest

from claimgraph.ontology.errors import BackendError, QuerySyntaxError, QueryTimeout
from claimgraph.queries.store.remote import RemoteBackend, ResultTruncated, inject_values
from claimgraph.queries.terms import to_python

XSD = "http://www.w3.org/2001/XMLSchema#"
SELECT = "SELECT ?x WHERE { ?x ?p ?o }"


def results(*rows: dict[str, Any], names: tuple[str, ...] = ("x",)) -> bytes:
    return json.dumps({"head": {"vars": list(names)}, "results": {"bindings": list(rows)}}).encode()


class Script:
    """What the fake server answers next, and what it was asked."""

    def __init__(self) -> None:
        self.status, self.headers, self.body, self.delay = 200, {}, results(), 0.0
        self.server_name = "FakeSPARQL/1.0"
        self.requests: list[dict[str, Any]] = []


@pytest.fixture
def fake() -> Iterator[tuple[Script, str]]:
    script = Script()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's naming
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode()
            script.requests.append({"path": self.path, "headers": dict(self.headers),
                                    "form": urllib.parse.parse_qs(body, keep_blank_values=True)})
            time.sleep(script.delay)
            self.send_response(script.status)
            self.send_header("Content-Type", "application/sparql-results+json")
            for key, value in script.headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(script.body)))
            self.end_headers()
            self.wfile.write(script.body)

        def version_string(self) -> str:  # the Server header
            return script.server_name

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield script, f"http://127.0.0.1:{server.server_address[1]}/sparql"
    finally:
        server.shutdown()
        server.server_close()


def test_a_query_is_posted_as_a_form_asking_for_json_with_parameters_as_values(fake) -> None:
    script, url = fake
    script.body = results({"x": {"type": "uri", "value": "https://example.org/a"}})
    backend = RemoteBackend(url, kind="generic", timeout=5)
    names, rows = backend.select(SELECT, {"x": ox.NamedNode("https://example.org/a")})
    assert names == ["x"] and rows == [{"x": ox.NamedNode("https://example.org/a")}]
    sent = script.requests[-1]
    assert sent["headers"]["Content-Type"] == "application/x-www-form-urlencoded"
    assert "application/sparql-results+json" in sent["headers"]["Accept"]
    assert sent["form"]["query"] == ["SELECT ?x WHERE { VALUES (?x) { (<https://example.org/a>) } ?x ?p ?o }"]
    assert "union-default-graph" not in sent["form"]  # only the Oxigraph server knows it


def test_the_oxigraph_server_is_asked_for_the_union_default_graph(fake) -> None:
    script, url = fake
    script.server_name = "Oxigraph/0.5.13"
    backend = RemoteBackend(url, timeout=5)
    backend.select(SELECT, {})
    assert backend.kind == "oxigraph"
    assert script.requests[-1]["form"]["union-default-graph"] == [""]
    backend.request(SELECT, union=False)
    assert "union-default-graph" not in script.requests[-1]["form"]


def test_virtuoso_is_recognised_and_gets_no_extra_parameter(fake) -> None:
    script, url = fake
    script.server_name = "Virtuoso/07.20.3229 (Linux) x86_64-pc-linux-gnu"
    backend = RemoteBackend(url, timeout=5)
    backend.select(SELECT, {})
    assert backend.kind == "virtuoso" and backend.update_endpoint == url and backend.store_endpoint is None
    assert set(script.requests[-1]["form"]) == {"query", "timeout"}  # in ms: Virtuoso stops at our limit
    assert script.requests[-1]["form"]["timeout"] == ["5000"]


def test_hostile_text_stays_inside_its_literal() -> None:
    hostile = ox.Literal('x" } } ; DROP ALL ; SELECT * { "\n\\')
    query = inject_values("SELECT ?text WHERE { ?s ?p ?text }", {"text": hostile})
    parsed = ox.Store().query(query.replace("SELECT ?text", "SELECT ?text ?s"))  # it parses, as one query
    assert list(parsed) == []
    assert query.count("DROP ALL") == 1 and '\\"' in query and "\\n" in query


def test_virtuoso_terms_become_the_same_values(fake) -> None:
    script, url = fake
    script.body = results({
        "b": {"type": "typed-literal", "datatype": XSD + "boolean", "value": "1"},
        "d": {"type": "typed-literal", "datatype": XSD + "date", "value": "2024-12-25"},
        "i": {"type": "typed-literal", "datatype": XSD + "integer", "value": "38"},
        "s": {"type": "typed-literal", "datatype": XSD + "string", "value": "Bakı"},
        "l": {"type": "literal", "xml:lang": "az", "value": "Azərbaycan"},
        "n": {"type": "bnode", "value": "nodeID://b10006"},
        "u": {"type": "uri", "value": "https://w3id.org/claimgraph/id/actor/russia"},
    }, names=("b", "d", "i", "s", "l", "n", "u"))
    _, rows = RemoteBackend(url, kind="virtuoso", timeout=5).select("SELECT * WHERE { ?s ?p ?o }", {})
    row = rows[0]
    assert row["s"] == ox.Literal("Bakı") and row["l"] == ox.Literal("Azərbaycan", language="az")
    assert row["b"] == ox.Literal("true", datatype=ox.NamedNode(XSD + "boolean"))
    assert {k: to_python(v) for k, v in row.items() if k != "n"} == {
        "b": True, "d": "2024-12-25", "i": 38, "s": "Bakı", "l": "Azərbaycan",
        "u": "https://w3id.org/claimgraph/id/actor/russia"}
    assert isinstance(row["n"], ox.BlankNode)


def test_virtuoso_timeout_500_is_a_timeout(fake) -> None:
    script, url = fake
    script.status, script.body = 500, b"Virtuoso S1T00 Error SR171: Transaction timed out\n\nSPARQL query:\n..."
    with pytest.raises(QueryTimeout, match="Transaction timed out"):
        RemoteBackend(url, kind="virtuoso", timeout=5).select(SELECT, {})


def test_virtuoso_other_500_is_a_backend_error_naming_the_endpoint(fake) -> None:
    script, url = fake
    script.status, script.body = 500, b"Virtuoso 37000 Error SP030: SPARQL compiler, line 1: syntax error"
    with pytest.raises(BackendError, match=f"{url}.*SP030") as caught:
        RemoteBackend(url, kind="virtuoso", timeout=5).select(SELECT, {})
    assert not isinstance(caught.value, QueryTimeout)


def test_virtuoso_partial_anytime_answer_is_a_timeout(fake) -> None:
    script, url = fake
    script.headers = {"X-SQL-State": "S1TAT", "X-SQL-Message": "RC...: Returning incomplete results"}
    with pytest.raises(QueryTimeout, match="incomplete"):
        RemoteBackend(url, kind="virtuoso", timeout=5).select(SELECT, {})


def test_virtuoso_row_cap_is_noticed(fake) -> None:
    script, url = fake
    script.headers = {"X-SPARQL-MaxRows": "2"}
    script.body = results({"x": {"type": "uri", "value": "urn:a"}}, {"x": {"type": "uri", "value": "urn:b"}})
    with pytest.raises(ResultTruncated, match="row cap of 2"):
        RemoteBackend(url, kind="virtuoso", timeout=5).select(SELECT, {})
    script.body = results({"x": {"type": "uri", "value": "urn:a"}})  # fewer rows than the cap: complete
    assert len(RemoteBackend(url, kind="virtuoso", timeout=5).select(SELECT, {})[1]) == 1


def test_oxigraph_cancelled_stream_is_a_timeout(fake) -> None:
    script, url = fake
    script.body = b'{"head":{"vars":["n"]},"results":{"bindings":[The SPARQL operation has been cancelled'
    with pytest.raises(QueryTimeout, match="cancelled"):
        RemoteBackend(url, kind="oxigraph", timeout=5).select(SELECT, {})


def test_cut_json_after_200_is_an_error_not_an_empty_answer(fake) -> None:
    script, url = fake
    script.body = results({"x": {"type": "uri", "value": "urn:a"}})[:-7]
    with pytest.raises(BackendError, match="truncated or invalid JSON") as caught:
        RemoteBackend(url, kind="generic", timeout=5).select(SELECT, {})
    assert not isinstance(caught.value, QueryTimeout)


def test_a_slow_server_is_a_timeout(fake) -> None:
    script, url = fake
    script.delay = 2.0
    started = time.monotonic()
    with pytest.raises(QueryTimeout, match="within 0.5 s"):
        RemoteBackend(url, kind="generic", timeout=0.5).select(SELECT, {})
    assert time.monotonic() - started < 1.9


def test_a_refused_query_is_a_syntax_error(fake) -> None:
    script, url = fake
    script.status, script.body = 400, b"error at 1:12: expected one of ..."
    with pytest.raises(QuerySyntaxError, match="expected one of"):
        RemoteBackend(url, kind="generic", timeout=5).select(SELECT, {})


def test_no_server_is_a_backend_error_naming_the_endpoint() -> None:
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}/sparql"
    with pytest.raises(BackendError, match=f"cannot reach the SPARQL endpoint {url}"):
        RemoteBackend(url, timeout=2).select(SELECT, {})


def test_a_bad_endpoint_url_is_refused() -> None:
    with pytest.raises(ValueError, match="not an http"):
        RemoteBackend("file:///etc/passwd")
