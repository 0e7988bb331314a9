"""RDF terms to plain JSON-able values, the same way for every backend.

>>> import pyoxigraph as ox
>>> to_python(ox.Literal("3", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")))
3
>>> to_python(ox.NamedNode("https://example.org/x"))
'https://example.org/x'
"""

from __future__ import annotations

from typing import Any

import pyoxigraph as ox

XSD = "http://www.w3.org/2001/XMLSchema#"
_INTEGERS = {XSD + t for t in ("integer", "int", "long", "short", "nonNegativeInteger", "positiveInteger")}
_DECIMALS = {XSD + t for t in ("decimal", "double", "float")}


def to_python(term: ox.NamedNode | ox.BlankNode | ox.Literal | None) -> Any:
    if term is None:
        return None
    if isinstance(term, ox.Literal):
        datatype = term.datatype.value
        if datatype in _INTEGERS:
            return int(term.value)
        if datatype in _DECIMALS:
            return float(term.value)
        if datatype == XSD + "boolean":
            return term.value in ("true", "1")
        return term.value  # strings, dates (ISO text), anyURI
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    return term.value
