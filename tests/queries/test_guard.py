"""The guard in front of /sparql: what it accepts, and every kind of query it must refuse."""

from __future__ import annotations

import pytest
import rdflib.plugins.sparql

from claimgraph.ontology.errors import ForbiddenQuery, InvalidInput, QuerySyntaxError, QueryTooLong
from claimgraph.queries.guard import SERVICE_REFUSED, UPDATES_REFUSED, inspect_query

G1 = "http://example.org/graph/article-1"
G2 = "http://example.org/graph/article-2"


def allowed() -> set[str]:
    return {G1, G2}


def check(text: str, **kwargs):
    return inspect_query(text, allowed_graphs=allowed, max_length=10_000, **kwargs)


@pytest.mark.parametrize(("text", "form"), [
    ("SELECT ?s WHERE { ?s ?p ?o }", "SELECT"),
    ("PREFIX ex: <http://example.org/> ASK { ex:a ex:b ?c }", "ASK"),
    ("CONSTRUCT WHERE { ?s ?p ?o }", "CONSTRUCT"),
    ("CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }", "CONSTRUCT"),
    ("DESCRIBE <http://example.org/a>", "DESCRIBE"),
    ("select * { ?s ?p ?o } limit 3", "SELECT"),
])
def test_accepts_the_four_read_forms(text: str, form: str) -> None:
    assert check(text).form == form


def test_reports_own_prefixes_and_dataset() -> None:
    info = check(f"PREFIX : <http://e/> PREFIX ex: <http://x/> SELECT * FROM <{G1}> FROM NAMED <{G2}> "
                 "{ ?s :p ex:o }")
    assert info.prefixes == {"": "http://e/", "ex": "http://x/"}
    assert (info.from_graphs, info.from_named_graphs, info.has_dataset) == ((G1,), (G2,), True)
    assert not check("SELECT * { ?s ?p ?o }").has_dataset


@pytest.mark.parametrize("text", [
    "INSERT DATA { <http://e/a> <http://e/b> <http://e/c> }",
    "DELETE DATA { <http://e/a> <http://e/b> <http://e/c> }",
    "DELETE WHERE { ?s ?p ?o }",
    "WITH <http://g> DELETE { ?s ?p ?o } INSERT { ?s ?p 1 } WHERE { ?s ?p ?o }",
    "LOAD <file:///etc/passwd>",
    "LOAD SILENT <http://example.org/data.ttl> INTO GRAPH <http://g>",
    "CLEAR ALL",
    "DROP GRAPH <http://g>",
    "CREATE GRAPH <http://g>",
    "ADD DEFAULT TO <http://g>",
    "MOVE <http://a> TO <http://b>",
    "COPY <http://a> TO <http://b>",
    "PREFIX ex: <http://e/>\n# a comment\ninsert data { ex:a ex:b ex:c }",
    "INSERT DATA { <http://e/a> <http://e/b> }",  # malformed, still an update
])
def test_refuses_every_update(text: str) -> None:
    with pytest.raises(ForbiddenQuery, match=UPDATES_REFUSED):
        check(text)


@pytest.mark.parametrize("text", [
    "SELECT * { SERVICE <http://evil.example/sparql> { ?s ?p ?o } }",
    "SELECT * { SERVICE SILENT <http://evil.example/sparql> { ?s ?p ?o } }",
    "SELECT * { ?x ?y ?z . SERVICE ?endpoint { ?s ?p ?o } }",
    "SELECT * { ?s ?p ?o FILTER EXISTS { SERVICE <http://evil.example/> { ?s ?p ?o } } }",
    "SELECT * { ?s ?p ?o FILTER NOT EXISTS { SERVICE <http://evil.example/> { ?s ?p ?o } } }",
    "SELECT * { { SELECT ?s WHERE { SERVICE <http://evil.example/> { ?s ?p ?o } } } }",
    "SELECT * { ?s ?p ?o OPTIONAL { SERVICE <http://evil.example/> { ?s ?q ?r } } }",
    "ASK { GRAPH ?g { SERVICE <http://evil.example/> { ?s ?p ?o } } }",
    "CONSTRUCT { ?s ?p ?o } WHERE { SERVICE <http://evil.example/> { ?s ?p ?o } }",
    "PREFIX e: <http://evil.example/> SELECT * { SERVICE e:sparql { ?s ?p ?o } }",
    "SELECT * { SE\\u0052VICE <http://evil.example/> { ?s ?p ?o } }",  # unicode escape
])
def test_refuses_service_anywhere(text: str) -> None:
    with pytest.raises(ForbiddenQuery, match=SERVICE_REFUSED):
        check(text)


def test_the_word_service_in_data_is_fine() -> None:
    text = ('PREFIX ex: <http://e/> SELECT ?service WHERE { ?service ex:SERVICE ?o '
            'FILTER(CONTAINS(?o, "the service was good")) }')
    assert check(text).form == "SELECT"


@pytest.mark.parametrize("text", [
    "SELECT * FROM <file:///etc/passwd> { ?s ?p ?o }",
    "SELECT * FROM NAMED <file:///etc/passwd> { GRAPH ?g { ?s ?p ?o } }",
    f"SELECT * FROM <{G1}> FROM <http://elsewhere.example/data.ttl> {{ ?s ?p ?o }}",
    "CONSTRUCT { ?s ?p ?o } FROM <http://elsewhere.example/> WHERE { ?s ?p ?o }",
    "DESCRIBE ?s FROM <http://elsewhere.example/> WHERE { ?s ?p ?o }",
])
def test_refuses_from_outside_the_store(text: str) -> None:
    with pytest.raises(ForbiddenQuery, match="not in this store"):
        check(text)


def test_allows_from_the_stores_own_graphs() -> None:
    info = check(f"SELECT * FROM <{G1}> FROM NAMED <{G2}> {{ ?s ?p ?o }}")
    assert info.from_graphs == (G1,)


def test_protocol_graph_uris_are_checked_like_from() -> None:
    assert check("SELECT * { ?s ?p ?o }", default_graph_uris=[G1], named_graph_uris=[G2])
    with pytest.raises(ForbiddenQuery):
        check("SELECT * { ?s ?p ?o }", default_graph_uris=["file:///etc/passwd"])
    with pytest.raises(ForbiddenQuery):
        check("SELECT * { ?s ?p ?o }", named_graph_uris=["http://elsewhere.example/"])


def test_without_allowed_graphs_no_from_is_allowed_and_the_callable_is_lazy() -> None:
    with pytest.raises(ForbiddenQuery):
        inspect_query(f"SELECT * FROM <{G1}> {{ ?s ?p ?o }}", max_length=1000)

    def explode() -> set[str]:
        raise AssertionError("allowed_graphs called without FROM")

    inspect_query("SELECT * { ?s ?p ?o }", allowed_graphs=explode, max_length=1000)


def test_refuses_a_query_over_the_length_cap() -> None:
    text = "SELECT * { ?s ?p ?o }"
    with pytest.raises(QueryTooLong, match=f"limit is {len(text) - 1}"):
        inspect_query(text, max_length=len(text) - 1)
    assert inspect_query(text, max_length=len(text)).form == "SELECT"


def test_syntax_error_names_line_and_column() -> None:
    with pytest.raises(QuerySyntaxError) as caught:
        check("SELECT *\nWHERE { ?s ?p }")
    # pyparsing reports where the failing triple pattern starts
    assert str(caught.value) == "syntax error at line 2, column 9: Expected SelectQuery, found '?'"


@pytest.mark.parametrize(("text", "message"), [
    ("", "empty query"),
    ("SELEC * { }", "line 1, column 1"),
    ("SELECT * { ?s ex:p ?o }", "Unknown namespace prefix"),
    ("SELECT * { ?s ?p ?o } ; DROP ALL", "line 1, column 23"),
    ("SELECT * { " + "{" * 2000 + "}" * 2000 + " }", "nests too deeply"),
])
def test_syntax_errors_are_typed(text: str, message: str) -> None:
    with pytest.raises(QuerySyntaxError, match=message):
        check(text)


def test_errors_are_invalid_input_and_rdflib_loading_is_off() -> None:
    assert issubclass(ForbiddenQuery, InvalidInput) and issubclass(QuerySyntaxError, InvalidInput)
    assert rdflib.plugins.sparql.SPARQL_LOAD_GRAPHS is False


def test_the_parse_tree_walk_reaches_service_without_the_algebra() -> None:
    """Regression: pyparsing results are mappings too; walking only their named results skipped
    every token, leaving the algebra and the text search as the only SERVICE checks."""
    from claimgraph.queries.guard import _parse, _walk
    names = {node.name for node in _walk(_parse("SELECT * WHERE { SERVICE <http://x> { ?s ?p ?o } }"))}
    assert "ServiceGraphPattern" in names
