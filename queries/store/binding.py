"""Parameters bound into a query sent to a SPARQL server, as a ``VALUES`` block.

A server has no substitution of its own (Oxigraph's embedded API does), so the terms go in as a
``VALUES`` block right after the outermost ``WHERE {``, written from the terms' N-Triples form
(``str()`` of a pyoxigraph term escapes quotes, backslashes and line breaks; IRIs cannot contain
``>``). Raw user text is never pasted. Why: ``docs/decisions/0002-sparqlwrapper-post-json-timeout.md``.

>>> inject_values("SELECT ?x WHERE { ?x ?p ?o }", {"x": ox.NamedNode("https://example.org/a")})
'SELECT ?x WHERE { VALUES (?x) { (<https://example.org/a>) } ?x ?p ?o }'
>>> inject_values('ASK { ?s ?p ?text }', {"text": ox.Literal('say "}" \\\\ DROP ALL')})
'ASK { VALUES (?text) { ("say \\\\"}\\\\" \\\\\\\\ DROP ALL") } ?s ?p ?text }'
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import pyoxigraph as ox

from claimgraph.ontology.errors import QuerySyntaxError
from claimgraph.queries.store.base import Term

_VARNAME = re.compile(r"^[A-Za-z0-9_]+$")


def term_text(term: Term) -> str:
    """A term in SPARQL syntax, from its N-Triples form; only IRIs and literals are accepted."""
    if isinstance(term, (ox.NamedNode, ox.Literal)):
        return str(term)
    raise TypeError(f"a parameter must be an IRI or a literal, not {type(term).__name__}")


def values_block(bindings: Mapping[str, Term]) -> str:
    """``VALUES (?a ?b) { (<...> "...") }``: one row binding every parameter."""
    for name in bindings:
        if not _VARNAME.match(name):
            raise ValueError(f"{name!r} is not a variable name")
    names = " ".join(f"?{name}" for name in bindings)
    values = " ".join(term_text(term) for term in bindings.values())
    return f"VALUES ({names}) {{ ({values}) }}"


def inject_values(query: str, bindings: Mapping[str, Term]) -> str:
    """``query`` with ``bindings`` as a VALUES block at the start of its outermost group."""
    if not bindings:
        return query
    at = outer_group_start(query)
    return f"{query[:at]} {values_block(bindings)}{query[at:]}"


# Tokens the scanner must step over whole: comments, strings, IRIs (braces inside them do not count).
_SKIP = re.compile(
    r'#[^\n]*'
    r'|"""(?:[^"\\]|\\.|"(?!""))*"""'
    r"|'''(?:[^'\\]|\\.|'(?!''))*'''"
    r'|"(?:[^"\\\n]|\\.)*"'
    r"|'(?:[^'\\\n]|\\.)*'"
    r'|<[^<>"{}|^`\\\x00-\x20]*>',
    re.DOTALL,
)
_WHERE = re.compile(r"(?<![\w?$:-])WHERE(?![\w:-])", re.IGNORECASE)


def outer_group_start(query: str) -> int:
    """The index just after the ``{`` that opens the query's outermost WHERE group.

    The first ``WHERE`` outside comments, strings, IRIs, braces and parentheses, or, when the
    query omits the keyword (``ASK { ... }``, ``SELECT * { ... }``), the first such ``{``.

    >>> q = 'PREFIX w: <urn:where> # WHERE {\\nSELECT (EXISTS { ?a ?b ?c } AS ?e) { ?s ?p "WHERE {" }'
    >>> q[outer_group_start(q):]
    ' ?s ?p "WHERE {" }'
    """
    depth = parens = 0
    first_brace = None
    i, n = 0, len(query)
    while i < n:
        char = query[i]
        if char in "#\"'<":
            match = _SKIP.match(query, i)
            if match:
                i = match.end()
                continue
        if depth == 0 and parens == 0:
            if char == "{" and first_brace is None:
                first_brace = i + 1
            where = _WHERE.match(query, i) if char in "wW" else None
            if where:
                j = where.end()
                while j < n:
                    skip = _SKIP.match(query, j) if query[j] == "#" else None
                    if skip:
                        j = skip.end()
                    elif query[j].isspace():
                        j += 1
                    else:
                        break
                if j < n and query[j] == "{":
                    return j + 1
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
        elif char == "(":
            parens += 1
        elif char == ")":
            parens -= 1
        i += 1
    if first_brace is None:
        raise QuerySyntaxError("the query has no WHERE group to bind parameters in")
    return first_brace


# -- JSON results to pyoxigraph terms -----------------------------------------------------------
