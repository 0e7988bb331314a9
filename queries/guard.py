"""Pre-parse an untrusted SPARQL query and decide whether the read-only endpoint may run it.

Security posture (``docs/decisions/0005-sparql-security.md``): the public ``/sparql`` endpoint
runs only SELECT, ASK, CONSTRUCT and DESCRIBE. Before any engine sees a query, :func:`inspect_query` parses it with
rdflib's SPARQL parser (not the engine that will run it) and refuses:

* queries longer than the configured cap (:class:`QueryTooLong`);
* text that does not parse as a query (:class:`QuerySyntaxError`, with rdflib's line and column);
* every update: INSERT, DELETE, LOAD, CLEAR, DROP, CREATE, ADD, MOVE, COPY
  (:class:`ForbiddenQuery`, "read-only endpoint: updates are refused");
* ``SERVICE`` anywhere, including inside ``EXISTS`` and sub-queries: the parse tree and the
  algebra are both walked, and a textual check backs them up (pyoxigraph would make the
  outbound HTTP call itself);
* ``FROM`` / ``FROM NAMED`` (and the protocol's ``default-graph-uri`` / ``named-graph-uri``)
  naming a graph that is not one of the store's own graphs, such as ``<file:///etc/passwd>``;
* Virtuoso's ``bif:`` and ``sql:`` IRIs anywhere (Virtuoso maps them to SQL built-ins and stored
  procedures, some of which read files; :class:`ForbiddenQuery`, 403);
* calls of functions other than SPARQL's own and XSD casts (:class:`UnknownFunction`, 400: no
  store behind the endpoint offers others), and ill-typed literals such as ``"x"^^xsd:integer``
  (:class:`QuerySyntaxError`, 400): client mistakes, said so before any engine runs.

Relative IRIs are resolved against ``base_iri`` (the endpoint's URL; a ``BASE`` in the query
wins), so ``FROM <g>`` is checked as the IRI the engine will read.

The module never evaluates a query, and it switches off rdflib's loading of ``FROM`` graphs
(``SPARQL_LOAD_GRAPHS``) so that nothing in this process can be tricked into reading a file.
rdflib's grammar recurses deeply (about eleven Python frames per triple pattern); a query that
exhausts the recursion limit is refused as too deeply nested, never a crash. The sandbox runs
this check in its worker processes, under the same hard time limit as the query, with a
larger stack and recursion limit than the API process can safely afford.

>>> inspect_query("PREFIX ex: <http://example.org/> SELECT ?s WHERE { ?s ex:p ?o }", max_length=1000).form
'SELECT'
>>> inspect_query("DROP ALL", max_length=1000)
Traceback (most recent call last):
...
claimgraph.ontology.errors.ForbiddenQuery: read-only endpoint: updates are refused
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import rdflib.plugins.sparql
from pyparsing import ParseBaseException, ParseResults
from rdflib import Literal, URIRef
from rdflib.plugins.sparql.algebra import translateQuery
from rdflib.plugins.sparql.parser import expandUnicodeEscapes, parseQuery, parseUpdate
from rdflib.plugins.sparql.parserutils import CompValue

from claimgraph.ontology.errors import ForbiddenQuery, QuerySyntaxError, QueryTooLong, UnknownFunction
from claimgraph.queries.store.base import QueryForm

# Never let rdflib fetch FROM graphs (local files included) in this process
# (docs/decisions/0004-rdflib-parses-never-evaluates.md).
rdflib.plugins.sparql.SPARQL_LOAD_GRAPHS = False

XSD = "http://www.w3.org/2001/XMLSchema#"

UPDATES_REFUSED = "read-only endpoint: updates are refused"
SERVICE_REFUSED = "SERVICE is not allowed: this endpoint does not federate queries"

_FORMS: dict[str, QueryForm] = {
    "SelectQuery": "SELECT",
    "AskQuery": "ASK",
    "ConstructQuery": "CONSTRUCT",
    "DescribeQuery": "DESCRIBE",
}

# An update after an optional prologue and comments. Used when the text is neither a valid query
# nor a valid update, so that a malformed INSERT is still answered "updates are refused".
_UPDATE_START = re.compile(
    r"""^(?:\s|\#[^\n]*(?:\n|$))*
        (?:(?:BASE\s*<[^>]*>|PREFIX\s*[^\s:]*:\s*<[^>]*>)(?:\s|\#[^\n]*(?:\n|$))*)*
        (?:INSERT|DELETE|LOAD|CLEAR|DROP|CREATE|ADD|MOVE|COPY|WITH)\b""",
    re.IGNORECASE | re.VERBOSE,
)
# Backs up the parse-tree walk: the keyword followed by what can start its target.
_SERVICE_TEXT = re.compile(r"(?<![\w:?$])SERVICE\s+(?:SILENT\s+)?(?:<|[?$]|[\w.-]*:)", re.IGNORECASE)
_PARSE_POSITION = re.compile(r"\s*\(at char \d+\), \(line:\d+, col:\d+\)\s*$")


@dataclass(frozen=True)
class QueryInfo:
    """What the guard learned about an accepted query.

    ``from_graphs`` / ``from_named_graphs`` are the IRIs of the query's ``FROM`` / ``FROM NAMED``
    clauses; ``prefixes`` are its own ``PREFIX`` declarations (useful to pretty-print Turtle).
    """

    form: QueryForm
    from_graphs: tuple[str, ...] = ()
    from_named_graphs: tuple[str, ...] = ()
    prefixes: Mapping[str, str] = field(default_factory=dict)

    @property
    def has_dataset(self) -> bool:
        """True when the query names its own dataset with FROM or FROM NAMED."""
        return bool(self.from_graphs or self.from_named_graphs)

    @property
    def returns_graph(self) -> bool:
        """True for CONSTRUCT and DESCRIBE, whose answer is RDF rather than a result table."""
        return self.form in ("CONSTRUCT", "DESCRIBE")


def inspect_query(
    text: str,
    *,
    allowed_graphs: Callable[[], set[str]] | None = None,
    max_length: int,
    default_graph_uris: Iterable[str] = (),
    named_graph_uris: Iterable[str] = (),
    base_iri: str | None = None,
) -> QueryInfo:
    """Parse ``text`` with rdflib and return its :class:`QueryInfo`, or refuse it.

    ``allowed_graphs`` returns the IRIs that ``FROM``, ``FROM NAMED``, ``default-graph-uri`` and
    ``named-graph-uri`` may name; it is called only when one of them is present, and ``None``
    allows none. Relative IRIs are resolved against ``base_iri``. Raises :class:`QueryTooLong`,
    :class:`QuerySyntaxError` (:class:`UnknownFunction` among them) or :class:`ForbiddenQuery`.

    >>> info = inspect_query("SELECT * FROM <g1> { ?s ?p ?o }", max_length=100,
    ...                      allowed_graphs=lambda: {"http://example.org/g1"},
    ...                      base_iri="http://example.org/sparql")
    >>> info.form, info.from_graphs
    ('SELECT', ('http://example.org/g1',))
    >>> inspect_query("PREFIX f: <http://x/> SELECT (f:g(1) AS ?x) {}", max_length=100)
    Traceback (most recent call last):
    ...
    claimgraph.ontology.errors.UnknownFunction: unknown function <http://x/g>: this endpoint offers SPARQL's built-in functions and XSD casts
    """
    if len(text) > max_length:
        raise QueryTooLong(f"the query is {len(text)} characters long; the limit is {max_length}")
    if not text.strip():
        raise QuerySyntaxError("empty query")
    parsed = _parse(text)
    try:
        algebra = translateQuery(parsed, base=base_iri).algebra
    except RecursionError:
        raise QuerySyntaxError(_TOO_DEEP) from None
    except Exception as exc:  # rdflib raises plain Exception for semantic errors
        raise QuerySyntaxError(f"invalid query: {exc}") from None

    defaults: list[str] = []
    named: list[str] = []
    for node in _walk((parsed, algebra)):
        if node.name == "ServiceGraphPattern":
            raise ForbiddenQuery(SERVICE_REFUSED)
    if _SERVICE_TEXT.search(expandUnicodeEscapes(text)):
        raise ForbiddenQuery(SERVICE_REFUSED)
    for item in _items(algebra):  # resolved: prefixed names expanded, relative IRIs against the base
        if isinstance(item, CompValue) and item.name == "DatasetClause":
            # CompValue.get() returns the key itself when it is missing: test membership.
            if "default" in item:
                defaults.append(str(item["default"]))
            if "named" in item:
                named.append(str(item["named"]))
        elif isinstance(item, CompValue) and item.name == "Function" and "iri" in item:
            _check_function(str(item["iri"]))
        elif isinstance(item, URIRef) and item.lower().startswith(("bif:", "sql:")):
            raise ForbiddenQuery(f"<{item}> is a Virtuoso SQL extension; it is not allowed on this endpoint")
        elif isinstance(item, Literal) and _ill_typed(item):
            raise QuerySyntaxError(f"the literal {item.n3()} is not a valid {_short(item.datatype)}")

    from_graphs, from_named = _unique(defaults), _unique(named)
    _check_graphs([*from_graphs, *from_named, *default_graph_uris, *named_graph_uris], allowed_graphs)
    form = _FORMS.get(algebra.name)
    if form is None:  # pragma: no cover - parseQuery only yields the four forms
        raise ForbiddenQuery(f"unsupported query form {algebra.name}")
    return QueryInfo(form, from_graphs, from_named, _prefixes(parsed))


def _check_function(iri: str) -> None:
    if iri.lower().startswith(("bif:", "sql:")):
        raise ForbiddenQuery(f"<{iri}> is a Virtuoso SQL extension; it is not allowed on this endpoint")
    if not iri.startswith(XSD):
        raise UnknownFunction(f"unknown function <{iri}>: this endpoint offers SPARQL's built-in functions "
                              "and XSD casts")


def _ill_typed(literal: Literal) -> bool:
    """Whether an XSD literal's text is not in its datatype's lexical space (the parser does not
    always say, so the literal is made again)."""
    if literal.datatype is None or not str(literal.datatype).startswith(XSD):
        return False
    return Literal(str(literal), datatype=literal.datatype).ill_typed is True


def _short(datatype: str | None) -> str:
    return "xsd:" + datatype[len(XSD):] if datatype and datatype.startswith(XSD) else f"<{datatype}>"


_TOO_DEEP = "the query nests too deeply (or has too many triple patterns in a row) to be checked"


def _parse(text: str) -> ParseResults:
    """parseQuery, turning every failure into QuerySyntaxError or ForbiddenQuery (updates)."""
    try:
        return parseQuery(text)
    except ParseBaseException as exc:
        if _is_update(text):
            raise ForbiddenQuery(UPDATES_REFUSED) from None
        raise QuerySyntaxError(_describe(exc)) from None
    except RecursionError:
        raise QuerySyntaxError(_TOO_DEEP) from None
    except Exception as exc:  # parse actions raise plain Exception, e.g. an unknown prefix
        if _is_update(text):
            raise ForbiddenQuery(UPDATES_REFUSED) from None
        raise QuerySyntaxError(f"invalid query: {exc}") from None


def _is_update(text: str) -> bool:
    if _UPDATE_START.search(expandUnicodeEscapes(text)):
        return True
    try:
        parseUpdate(text)
    except Exception:  # noqa: BLE001 - any failure just means "not an update"
        return False
    return True


def _describe(exc: ParseBaseException) -> str:
    """rdflib's message with its position, e.g. "line 1, column 18: Expected SelectQuery, found '?'"."""
    message = _PARSE_POSITION.sub("", str(exc))
    return f"syntax error at line {exc.lineno}, column {exc.col}: {message}"


def _items(root: Any) -> Iterator[Any]:
    """Every item under ``root`` (parse results, algebra, expressions, and the strings at the
    leaves: rdflib terms are str subclasses), without recursion."""
    stack = [root]
    while stack:
        item = stack.pop()
        yield item
        if isinstance(item, str):
            continue
        if isinstance(item, CompValue):
            stack.extend(item.values())
        elif isinstance(item, ParseResults):
            # Before Mapping: pyparsing's results register as a mapping, but their tokens are
            # the list items, which a Mapping walk (named results only) would skip.
            stack.extend(item)
        elif isinstance(item, Mapping):
            stack.extend(item.values())
        elif isinstance(item, (list, tuple, set, frozenset)):
            stack.extend(item)
        elif hasattr(item, "algebra"):  # an rdflib Query object
            stack.append(item.algebra)


def _walk(root: Any) -> Iterator[CompValue]:
    """Every CompValue under ``root`` (parse results, algebra, expressions), without recursion."""
    return (item for item in _items(root) if isinstance(item, CompValue))


def _check_graphs(iris: list[str], allowed_graphs: Callable[[], set[str]] | None) -> None:
    if not iris:
        return
    allowed = allowed_graphs() if allowed_graphs is not None else set()
    for iri in iris:
        if iri not in allowed:
            raise ForbiddenQuery(
                f"graph <{iri}> is not in this store: FROM, FROM NAMED, default-graph-uri and "
                "named-graph-uri may only name the store's own graphs"
            )


def _prefixes(parsed: ParseResults) -> dict[str, str]:
    prologue = parsed[0] if len(parsed) else []
    return {
        str(decl["prefix"] if "prefix" in decl else ""): str(decl["iri"])
        for decl in prologue
        if isinstance(decl, CompValue) and decl.name == "PrefixDecl"
    }


def _unique(items: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))
