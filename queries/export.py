"""The graph for the wider ecosystem: TriG, N-Quads, JSON-LD with a published context, and a
schema.org ``Claim`` view for fact-checking tools.

Every format is written in chunks (one named graph, or one claim, at a time), so the API can
stream it and the command line can write it to a file without holding the whole text.

| format | what | media type |
| --- | --- | --- |
| ``trig`` | every quad of the store, one named graph per article plus the registry and the ontology | ``application/trig`` |
| ``nquads`` | the same quads, one per line | ``application/n-quads`` |
| ``jsonld`` | the same quads as JSON-LD 1.1 named graphs, compacted with the context published at :data:`CONTEXT_URL` | ``application/ld+json`` |
| ``schema`` | a schema.org view: every claim act as a ``schema:Claim`` in a ``schema:ItemList`` | ``application/ld+json`` |

The first three carry exactly the store's quads: importing them into an empty store gives the
same set of quads (``tests/ingest/test_export.py`` shows it on the real corpus). The store has no
blank nodes (ingestion mints IRIs for everything and skolemizes the ontology's), so the quads
compare as plain sets.

The JSON-LD export refers to its context by URL, as JSON-LD documents do. A processor that
cannot fetch it (no network) is given the context document itself, which is what
:func:`load_jsonld` does: it is the JSON-LD "document loader" step, not a change to the data.

The schema.org view is a *view*, not a copy of the graph: one ``schema:Claim`` per claim act
(reporting acts are not claims of their own), with ``author`` the original speaker
(``schema:Person`` for persons, ``schema:Organization`` or a subtype for every other actor,
since ``author`` admits nothing else), ``appearance`` the article (``schema:NewsArticle`` with
``headline``, ``datePublished`` when the day is known, ``publisher`` the outlet), ``text`` the
curator's paraphrase, ``about`` the events of its proposition and ``claimInterpreter`` the curator.
claimgraph does not rate claims, so it emits no ``schema:ClaimReview``: a ClaimReview without a
``reviewRating`` by a fact-checker would tell fact-checking tools that a review exists where none
does. The claims sit in an ``ItemList`` instead, and the illocution, polarity and certainty are
added with their ``cg:`` properties for tools that want to tell a denial from an accusation.

>>> sorted(FORMATS)
['jsonld', 'nquads', 'schema', 'trig']
>>> compact("https://w3id.org/claimgraph/id/actor/russia")
'id:actor/russia'
>>> context()["@context"]["speaker"]
{'@id': 'cg:speaker', '@type': '@id'}
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Protocol

import pyoxigraph as ox

from claimgraph.ontology import iris
from claimgraph.ontology.errors import ParameterError

CONTEXT_URL = iris.BASE + "context.jsonld"
CG = "https://w3id.org/claimgraph/ontology#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
SCHEMA = "https://schema.org/"


@dataclass(frozen=True)
class Format:
    name: str
    media_type: str
    extension: str
    summary: str


FORMATS: dict[str, Format] = {f.name: f for f in (
    Format("trig", "application/trig", "trig", "TriG: one named graph per article, plus the registry and the ontology"),
    Format("nquads", "application/n-quads", "nq", "N-Quads: the same quads, one per line"),
    Format("jsonld", "application/ld+json", "jsonld", f"JSON-LD named graphs with the context at {CONTEXT_URL}"),
    Format("schema", "application/ld+json", "schema.jsonld",
           "schema.org Claim view for fact-checking tools (an ItemList of schema:Claim; no ClaimReview)"),
)}


def get_format(name: str) -> Format:
    """The format called ``name``; a ParameterError listing the formats otherwise."""
    try:
        return FORMATS[name]
    except KeyError:
        raise ParameterError(f"unknown export format {name!r}: use one of {', '.join(FORMATS)}") from None


# --------------------------------------------------------------------------------------------
# Where the quads come from
# --------------------------------------------------------------------------------------------

class SelectBackend(Protocol):
    """What the export needs of a backend (``claimgraph.queries.store.embedded.Backend`` has it)."""

    def select(self, query: str, bindings: dict) -> tuple[list[str], list[dict[str, Any]]]: ...


PAGE = 5000


def _store_of(source: Any) -> ox.Store | None:
    if isinstance(source, ox.Store):
        return source
    store = getattr(source, "store", None)
    return store if isinstance(store, ox.Store) else None


def graph_names(source: Any) -> list[ox.NamedNode | ox.BlankNode | ox.DefaultGraph]:
    """The graphs to export, sorted; the default graph first when it holds anything."""
    store = _store_of(source)
    if store is not None:
        names = sorted(store.named_graphs(), key=lambda g: g.value)
        has_default = next(iter(store.quads_for_pattern(None, None, None, ox.DefaultGraph())), None) is not None
        return [ox.DefaultGraph(), *names] if has_default else names
    # A SPARQL backend: its default graph is the union of the named ones (as the embedded
    # backend's queries see it), so only the named graphs are exported.
    _, rows = source.select("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } } ORDER BY ?g", {})
    return [row["g"] for row in rows]


def graph_quads(source: Any, graph: ox.NamedNode | ox.BlankNode | ox.DefaultGraph) -> list[ox.Quad]:
    """The quads of one graph, sorted, from a pyoxigraph store or a backend's SPARQL."""
    store = _store_of(source)
    if store is not None:
        quads = list(store.quads_for_pattern(None, None, None, graph))
    else:
        quads = []
        if not isinstance(graph, ox.NamedNode) or any(c in graph.value for c in '<>"{}|\\^` '):
            raise ValueError(f"cannot export graph {graph} through SPARQL")
        offset = 0
        while True:
            query = (f"SELECT ?s ?p ?o WHERE {{ GRAPH <{graph.value}> {{ ?s ?p ?o }} }} ORDER BY ?s ?p ?o "
                     f"LIMIT {PAGE} OFFSET {offset}")
            _, rows = source.select(query, {})
            quads.extend(ox.Quad(r["s"], r["p"], r["o"], graph) for r in rows)
            if len(rows) < PAGE:
                break
            offset += PAGE
    return sorted(quads, key=_quad_key)


def _term_key(term: Any) -> tuple:
    if isinstance(term, ox.Literal):
        return (2, term.value, term.datatype.value, term.language or "")
    return (1 if isinstance(term, ox.BlankNode) else 0, getattr(term, "value", ""), "", "")


def _quad_key(quad: ox.Quad) -> tuple:
    return (_term_key(quad.subject), quad.predicate.value, _term_key(quad.object))


def all_quads(source: Any) -> Iterator[ox.Quad]:
    for graph in graph_names(source):
        yield from graph_quads(source, graph)


# --------------------------------------------------------------------------------------------
# The JSON-LD context
# --------------------------------------------------------------------------------------------

@lru_cache(maxsize=1)
def prefixes() -> dict[str, str]:
    """The prefixes of the ontology source, plus ``id:`` and ``graph:`` for the data's IRIs."""
    from claimgraph import ontology
    declared = re.findall(r"^@prefix\s+([A-Za-z][\w-]*)?:\s*<([^>]+)>\s*\.", ontology.SOURCE.read_text("utf-8"), re.M)
    found = {name: iri for name, iri in declared if name}
    found.setdefault("rdf", "http://www.w3.org/1999/02/22-rdf-syntax-ns#")
    found.setdefault("xsd", "http://www.w3.org/2001/XMLSchema#")
    found.update({"cg": CG, "id": iris.ID, "graph": iris.GRAPH})
    return dict(sorted(found.items()))


@lru_cache(maxsize=1)
def _terms() -> dict[str, str | None]:
    """``cg:`` local name -> ``"class"``, ``"@id"`` (object property) or None (datatype property)."""
    from rdflib import OWL, RDF, Graph, URIRef

    from claimgraph import ontology
    g = Graph().parse(ontology.SOURCE, format="turtle")
    terms: dict[str, str | None] = {}
    for cls, kind in ((OWL.Class, "class"), (OWL.ObjectProperty, "@id"), (OWL.DatatypeProperty, None)):
        for s in sorted(g.subjects(RDF.type, cls)):
            if isinstance(s, URIRef) and str(s).startswith(CG):
                name = str(s)[len(CG):]
                # a plain name that is not also a prefix; anything else stays a compact IRI cg:name
                if re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", name) and name not in prefixes():
                    terms.setdefault(name, kind)
    return dict(sorted(terms.items()))


@lru_cache(maxsize=1)
def context() -> dict[str, Any]:
    """The published JSON-LD context: the prefixes, then one term per ``cg:`` class and property.

    Object properties take IRIs as values (``"@type": "@id"``). Terms are only ever added (the
    ontology never renames nor deletes a published term), so a document compacted with an
    older context expands the same with a newer one.
    """
    ctx: dict[str, Any] = dict(prefixes())
    for name, kind in _terms().items():
        ctx[name] = {"@id": f"cg:{name}", "@type": "@id"} if kind == "@id" else f"cg:{name}"
    return {"@context": ctx}


@lru_cache(maxsize=1)
def _compaction() -> tuple[list[tuple[str, str]], dict[str, tuple[str, str | None]]]:
    """Namespaces longest first, and property IRI -> (term, coercion)."""
    namespaces = sorted(((iri, name) for name, iri in prefixes().items()), key=lambda item: -len(item[0]))
    properties = {CG + name: (name, kind) for name, kind in _terms().items() if kind != "class"}
    return namespaces, properties


def compact(iri: str) -> str:
    """An IRI as a compact IRI under the longest matching prefix, or as it is."""
    for namespace, name in _compaction()[0]:
        if iri.startswith(namespace) and len(iri) > len(namespace) and not iri[len(namespace):].startswith("//"):
            return f"{name}:{iri[len(namespace):]}"
    return iri


def _class_name(iri: str) -> str:
    if iri.startswith(CG):
        name = iri[len(CG):]
        if _terms().get(name) == "class":
            return name
    return compact(iri)


def _node_id(term: ox.NamedNode | ox.BlankNode) -> str:
    return f"_:{term.value}" if isinstance(term, ox.BlankNode) else compact(term.value)


def _value(term: Any, coercion: str | None) -> Any:
    if isinstance(term, ox.Literal):
        if term.language:
            return {"@value": term.value, "@language": term.language}
        if term.datatype.value == XSD_STRING:
            return term.value if coercion is None else {"@value": term.value}
        return {"@value": term.value, "@type": compact(term.datatype.value)}
    node = _node_id(term)
    return node if coercion == "@id" else {"@id": node}


def _nodes(quads: Iterable[ox.Quad]) -> list[dict[str, Any]]:
    """The node objects of one graph's quads (sorted by subject, then predicate)."""
    properties = _compaction()[1]
    by_subject: dict[Any, list[ox.Quad]] = defaultdict(list)
    for quad in quads:
        by_subject[quad.subject].append(quad)
    nodes = []
    for subject in sorted(by_subject, key=_term_key):
        node: dict[str, Any] = {"@id": _node_id(subject)}
        for quad in by_subject[subject]:
            if quad.predicate.value == RDF_TYPE and not isinstance(quad.object, ox.Literal):
                node.setdefault("@type", []).append(_class_name(quad.object.value))
                continue
            key, coercion = properties.get(quad.predicate.value, (compact(quad.predicate.value), None))
            node.setdefault(key, []).append(_value(quad.object, coercion))
        nodes.append({k: (v[0] if isinstance(v, list) and len(v) == 1 else v) for k, v in node.items()})
    return nodes


# --------------------------------------------------------------------------------------------
# The writers
# --------------------------------------------------------------------------------------------

def _rdf_chunks(source: Any, fmt: ox.RdfFormat) -> Iterator[bytes]:
    # The data's own IRIs stay whole: their local parts have slashes, which Turtle would escape.
    names = {k: v for k, v in prefixes().items() if k not in ("id", "graph")} if fmt == ox.RdfFormat.TRIG else None
    for graph in graph_names(source):
        quads = graph_quads(source, graph)
        if quads:
            yield ox.serialize(quads, format=fmt, prefixes=names)
            names = None  # TriG prefixes once, at the top


def _jsonld_chunks(source: Any) -> Iterator[bytes]:
    yield ('{\n"@context": ' + json.dumps(CONTEXT_URL) + ',\n"@graph": [').encode()
    first = True
    for graph in graph_names(source):
        nodes = _nodes(graph_quads(source, graph))
        if not nodes:
            continue
        items = nodes if isinstance(graph, ox.DefaultGraph) else [{"@id": _node_id(graph), "@graph": nodes}]
        for item in items:
            yield (("\n" if first else ",\n") + json.dumps(item, ensure_ascii=False, indent=1)).encode()
            first = False
    yield b"\n]\n}\n"


def export(source: Any, fmt: str) -> Iterator[bytes]:
    """The export of ``source`` (a pyoxigraph store or a backend) in format ``fmt``, in chunks.

    The format is checked at once (a ParameterError for an unknown one), before any chunk.
    """
    chosen = get_format(fmt).name
    if chosen == "trig":
        return _rdf_chunks(source, ox.RdfFormat.TRIG)
    if chosen == "nquads":
        return _rdf_chunks(source, ox.RdfFormat.N_QUADS)
    if chosen == "jsonld":
        return _jsonld_chunks(source)
    return _schema_chunks(source)


def inline_context(data: bytes | str) -> bytes:
    """A JSON-LD export with its context reference replaced by the context document: what a
    processor's document loader does for :data:`CONTEXT_URL` (here, without a network)."""
    def resolve(ctx: Any) -> Any:
        if ctx == CONTEXT_URL:
            return context()["@context"]
        if isinstance(ctx, list):
            return [resolve(c) for c in ctx]
        return ctx

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            return {k: (resolve(v) if k == "@context" else walk(v)) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    return json.dumps(walk(json.loads(data)), ensure_ascii=False).encode("utf-8")


def load_jsonld(data: bytes | str) -> list[ox.Quad]:
    """The quads of a JSON-LD export (its context resolved locally, see :func:`inline_context`)."""
    return list(ox.parse(inline_context(data), format=ox.RdfFormat.JSON_LD))


# --------------------------------------------------------------------------------------------
# The schema.org Claim view
# --------------------------------------------------------------------------------------------

PERSON_CLASSES = {CG + "Person"}
ORGANIZATION_TYPES = {CG + "NewsOutlet": "NewsMediaOrganization", CG + "UnidentifiedOutlet": "NewsMediaOrganization",
                      CG + "GovernmentBody": "GovernmentOrganization"}

_CLAIMS = """
PREFIX cg: <https://w3id.org/claimgraph/ontology#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?claim ?paraphrase ?quote ?speaker ?article ?illocution ?polarity ?certainty ?earliest ?latest
       ?curator ?curatorLabel
WHERE {
  ?claim a cg:ClaimAct ; cg:inArticle ?article ; cg:speaker ?speaker ; cg:paraphrase ?paraphrase .
  FILTER NOT EXISTS { ?claim a cg:ReportingAct }
  OPTIONAL { ?claim cg:quote ?quote }
  OPTIONAL { ?claim cg:illocution ?illocution }
  OPTIONAL { ?claim cg:polarity ?polarity }
  OPTIONAL { ?claim cg:certainty ?certainty }
  OPTIONAL { ?claim cg:earliest ?earliest ; cg:latest ?latest }
  OPTIONAL { ?claim cg:curation/prov:wasAttributedTo ?curator . OPTIONAL { ?curator rdfs:label ?curatorLabel } }
}
ORDER BY ?article ?claim
"""

_ACTORS = """
PREFIX cg: <https://w3id.org/claimgraph/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?actor ?label ?type WHERE {
  ?actor a ?type .
  ?type rdfs:subClassOf* cg:Actor .
  OPTIONAL { ?actor rdfs:label ?label }
}
"""

_ARTICLES = """
PREFIX cg: <https://w3id.org/claimgraph/ontology#>
SELECT ?article ?title ?earliest ?latest ?url ?language ?outlet ?author WHERE {
  ?article a cg:Article .
  OPTIONAL { ?article cg:title ?title }
  OPTIONAL { ?article cg:earliest ?earliest ; cg:latest ?latest }
  OPTIONAL { ?article cg:url ?url }
  OPTIONAL { ?article cg:language ?language }
  OPTIONAL { ?article cg:outlet ?outlet }
  OPTIONAL { ?article cg:author ?author }
}
"""

_ABOUT = """
PREFIX cg: <https://w3id.org/claimgraph/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?claim ?event ?label ?earliest ?latest WHERE {
  ?claim a cg:ClaimAct ; cg:content ?proposition .
  ?proposition cg:aboutEvent|cg:causeEvent ?event .
  OPTIONAL { ?event rdfs:label ?label }
  OPTIONAL { ?event cg:earliest ?earliest ; cg:latest ?latest }
}
"""


def _rows(source: Any, query: str) -> list[dict[str, Any]]:
    backend = source
    if isinstance(source, ox.Store):
        from claimgraph.queries.store.embedded import EmbeddedBackend
        backend = EmbeddedBackend.from_store(source)
    return backend.select(query, {})[1]


def _text(term: Any) -> str | None:
    return None if term is None else term.value


def _day(earliest: Any, latest: Any) -> str | None:
    """A date when the bounds name one day; None for a vaguer time."""
    return earliest.value if earliest is not None and latest is not None and earliest.value == latest.value else None


def schema_view(source: Any) -> Iterator[dict[str, Any]]:
    """One ``schema:Claim`` node per claim act, in article order."""
    actors: dict[str, dict[str, Any]] = {}
    for row in _rows(source, _ACTORS):
        iri = row["actor"].value
        entry = actors.setdefault(iri, {"name": None, "types": set()})
        entry["types"].add(row["type"].value)
        entry["name"] = entry["name"] or _text(row.get("label"))

    def agent(iri: str | None) -> dict[str, Any] | None:
        if iri is None:
            return None
        entry = actors.get(iri, {"name": None, "types": set()})
        if entry["types"] & PERSON_CLASSES:
            kind = "Person"
        else:
            kind = next((ORGANIZATION_TYPES[t] for t in sorted(entry["types"]) if t in ORGANIZATION_TYPES), "Organization")
        node = {"@id": compact(iri), "@type": kind}
        if entry["name"]:
            node["name"] = entry["name"]
        return node

    articles: dict[str, dict[str, Any]] = {}
    for row in _rows(source, _ARTICLES):
        iri = row["article"].value
        node: dict[str, Any] = {"@id": compact(iri), "@type": "NewsArticle"}
        if row.get("title"):
            node["headline"] = row["title"].value
        if day := _day(row.get("earliest"), row.get("latest")):
            node["datePublished"] = day
        if row.get("url"):
            node["url"] = row["url"].value
        if row.get("language"):
            node["inLanguage"] = row["language"].value
        if publisher := agent(_text(row.get("outlet"))):
            node["publisher"] = publisher
        if author := agent(_text(row.get("author"))):
            node["author"] = author
        articles[iri] = node

    about: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in sorted(_rows(source, _ABOUT), key=lambda r: (r["claim"].value, r["event"].value)):
        event: dict[str, Any] = {"@id": compact(row["event"].value), "@type": "Event"}
        if row.get("label"):
            event["name"] = row["label"].value
        if row.get("earliest") is not None and row.get("latest") is not None:
            event["startDate"] = row["earliest"].value
        if event not in about[row["claim"].value]:
            about[row["claim"].value].append(event)

    seen: set[str] = set()
    for row in _rows(source, _CLAIMS):
        iri = row["claim"].value
        if iri in seen:  # a claim act with two curators or time bounds would repeat: keep the first row
            continue
        seen.add(iri)
        claim: dict[str, Any] = {"@id": compact(iri), "@type": "Claim", "text": row["paraphrase"].value}
        if author := agent(row["speaker"].value):
            claim["author"] = author
        if row["article"].value in articles:
            claim["appearance"] = articles[row["article"].value]
        if day := _day(row.get("earliest"), row.get("latest")):
            claim["dateCreated"] = day
        if about.get(iri):
            claim["about"] = about[iri] if len(about[iri]) > 1 else about[iri][0]
        if row.get("curator") is not None:
            interpreter = {"@id": compact(row["curator"].value), "@type": "Organization"}
            if row.get("curatorLabel"):
                interpreter["name"] = row["curatorLabel"].value
            claim["claimInterpreter"] = interpreter
        if row.get("quote"):
            claim["cg:quote"] = row["quote"].value
        for key in ("illocution", "polarity", "certainty"):
            if row.get(key) is not None:
                claim[f"cg:{key}"] = {"@id": compact(row[key].value)}
        yield claim


SCHEMA_CONTEXT = {"@vocab": SCHEMA, "cg": CG, "id": iris.ID}


def _schema_chunks(source: Any) -> Iterator[bytes]:
    claims = list(schema_view(source))
    head = {
        "@context": SCHEMA_CONTEXT,
        "@type": "ItemList",
        "name": "claimgraph: claims as schema.org Claim",
        "description": ("Every claim act of the graph as a schema:Claim: author is the original speaker, "
                        "appearance the article, text the curator's paraphrase, about the events. claimgraph "
                        "records who claims what and does not rate claims, so there is no ClaimReview."),
        "numberOfItems": len(claims),
    }
    text = json.dumps(head, ensure_ascii=False, indent=1)
    yield (text[: text.rstrip().rfind("}")].rstrip() + ',\n "itemListElement": [').encode()
    for position, claim in enumerate(claims, start=1):
        item = {"@type": "ListItem", "position": position, "item": claim}
        yield (("\n" if position == 1 else ",\n") + json.dumps(item, ensure_ascii=False, indent=1)).encode()
    yield b"\n ]\n}\n"
