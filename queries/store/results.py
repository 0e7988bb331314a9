"""What a SPARQL server answers, as the rest of claimgraph reads it: server quirks handled here.

Every server's JSON results become ordinary pyoxigraph terms, so that
:func:`claimgraph.queries.terms.to_python` gives the same values on every backend:

* **Terms**: Virtuoso's old ``typed-literal`` type, ``xsd:boolean`` written ``1``/``0``, blank
  node labels that are not valid N-Triples labels.
* **Cut answers**: the Oxigraph server's cancelled stream (a cut JSON body after HTTP 200)
  raises :class:`QueryTimeout`; any other cut or invalid body raises :class:`BackendError`
  naming the endpoint; Virtuoso's silent row cap (``X-SPARQL-MaxRows``) is noticed
  (:meth:`RemoteAnswer.row_cap`).
* **Raw answers** for ``/sparql`` are written again by pyoxigraph (:func:`rewrite`), so clients
  see the same formats as from the embedded store.

The server differences are recorded in ``docs/decisions/0003-virtuoso-quirks.md``.
"""

from __future__ import annotations

import hashlib
import re
import itertools
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox

from claimgraph.ontology.errors import BackendError, QueryTimeout
from claimgraph.queries.store import formats

XSD = "http://www.w3.org/2001/XMLSchema#"
_XSD_STRING = XSD + "string"
_RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
_CANCELLED = b"operation has been cancelled"  # what the Oxigraph server appends when it gives up
_BNODE_LABEL = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$")


def term_from_json(value: Mapping[str, Any]) -> ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple:
    """One term of the SPARQL JSON results format, as every server writes it, as pyoxigraph's term.

    >>> term_from_json({"type": "typed-literal", "datatype": XSD + "boolean", "value": "1"})
    <Literal value=true datatype=<NamedNode value=http://www.w3.org/2001/XMLSchema#boolean>>
    >>> term_from_json({"type": "typed-literal", "datatype": XSD + "string", "value": "x"}) == ox.Literal("x")
    True
    """
    kind, text = value.get("type"), value.get("value")
    try:
        if kind == "uri":
            return ox.NamedNode(text)
        if kind == "bnode":
            label = str(text).removeprefix("_:").removeprefix("nodeID://")
            if not _BNODE_LABEL.match(label):
                label = "b" + hashlib.sha256(label.encode()).hexdigest()[:16]
            return ox.BlankNode(label)
        if kind in ("literal", "typed-literal"):
            language = value.get("xml:lang") or value.get("lang")
            datatype = value.get("datatype")
            if language:
                return ox.Literal(text, language=language)
            if not datatype or datatype in (_XSD_STRING, _RDF_LANG_STRING):
                return ox.Literal(text)
            if datatype == XSD + "boolean" and text in ("1", "0"):  # Virtuoso stores booleans as integers
                text = "true" if text == "1" else "false"
            return ox.Literal(text, datatype=ox.NamedNode(datatype))
        if kind == "triple":
            inner = text
            return ox.Triple(term_from_json(inner["subject"]), term_from_json(inner["predicate"]),
                             term_from_json(inner["object"]))
    except (ValueError, TypeError, KeyError) as exc:
        raise BackendError(f"the server returned a term that is not valid RDF: {value!r} ({exc})") from None
    raise BackendError(f"the server returned a term of unknown type {kind!r}")


@dataclass(frozen=True)
class RemoteAnswer:
    """A raw answer: the body, the response headers (lower-case names), and the endpoint."""

    body: bytes
    headers: dict[str, str]
    endpoint: str

    def json(self) -> dict[str, Any]:
        try:
            document = json.loads(self.body)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            if _CANCELLED in self.body[-200:].lower():
                raise QueryTimeout(f"{self.endpoint} cancelled the query at its time limit "
                                   "(the answer stopped mid-way)") from None
            raise BackendError(f"{self.endpoint} sent a truncated or invalid JSON answer "
                               f"({len(self.body)} bytes: {exc})") from None
        if not isinstance(document, dict) or ("boolean" not in document and "results" not in document):
            raise BackendError(f"{self.endpoint} sent JSON that is not a SPARQL result")
        return document

    def row_cap(self) -> int | None:
        """Virtuoso's row cap, when it says it applied one."""
        cap = self.headers.get("x-sparql-maxrows")
        return int(cap) if cap and cap.strip().isdigit() else None


# -- the backend --------------------------------------------------------------------------------


def parse_select(answer: RemoteAnswer, max_rows: int | None = None,
                 ) -> tuple[list[str], list[dict[str, Any]], bool]:
    """Variables, rows of pyoxigraph terms (unbound variables absent), and whether the answer
    was cut (by the server's row cap, or at ``max_rows``)."""
    document = answer.json()
    names = list(document.get("head", {}).get("vars", []))
    bindings = document.get("results", {}).get("bindings")
    if not isinstance(bindings, list):
        raise BackendError(f"{answer.endpoint} did not answer a SELECT with results")
    cap = answer.row_cap()
    truncated = cap is not None and len(bindings) >= cap
    if max_rows is not None and len(bindings) > max_rows:
        bindings, truncated = bindings[:max_rows], True
    rows = [{name: term_from_json(value) for name, value in binding.items()} for binding in bindings]
    return names, rows, truncated


def rewrite(answer: RemoteAnswer, *, graph_form: bool, media_type: str, prefixes: Mapping[str, str],
            max_rows: int, max_bytes: int | None = None) -> tuple[bytes, str, str | None]:
    """The server's answer (Turtle for a graph, JSON results otherwise) written as ``media_type``
    by pyoxigraph, at most ``max_rows`` rows or triples in at most ``max_bytes``; and the cap that
    cut it, if one did (``server-max-rows=N`` for the server's own)."""
    cap = answer.row_cap()
    server_cut = f"server-max-rows={cap}" if cap is not None else None
    if graph_form:
        try:
            triples = list(itertools.islice(ox.parse(answer.body, format=ox.RdfFormat.TURTLE), max_rows + 1))
        except (SyntaxError, ValueError, OSError) as exc:
            raise BackendError(f"{answer.endpoint} sent a graph that does not parse: {exc}") from None
        return formats.write_triples(triples, media_type, prefixes, max_rows, max_bytes=max_bytes,
                                     truncated=server_cut if cap is not None and len(triples) >= cap else None)
    document = answer.json()
    if "boolean" in document:
        return formats.write_boolean(bool(document["boolean"]), media_type)
    names, rows, truncated = parse_select(answer)
    return formats.write_solutions(names, rows, media_type, max_rows, max_bytes=max_bytes,
                                   truncated=server_cut if truncated else None)
