"""The ontology's documentation page: pyLODE's OntPub, with an example from the corpus for every term.

``make docs`` (``claimgraph docs``) writes ``build/docs/``: ``ontology.html`` (pyLODE 3.3.4's
OntPub page, with a section for the controlled values and, on every class, property and
controlled value, an example taken from the corpus store), ``ontology.ttl``, ``ontology.owl``
and ``context.jsonld``. Those files are GENERATED: never edit them. The API serves the page at
``/ontology`` (``claimgraph.api.ontology_docs``), building it itself when no current one was built.

The examples come from the store, but this module does not open one: the caller passes a
:class:`RowSource`, anything that answers ``select(query)`` with rows of pyoxigraph terms and
says ``version()`` (the store interface does), so the ontology layer stays below the store. The
page's stamp says what it was built from: the ontology, this generator, pyLODE and the store's
version (pyLODE is pinned: ``docs/decisions/0008-pylode-pin.md``).
"""

from __future__ import annotations

import hashlib
import html
import json
import os
import re
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any, Protocol

from rdflib import DCTERMS, OWL, RDF, RDFS, SKOS, Graph, Literal, URIRef

from claimgraph import ontology
from claimgraph.ontology import iris
from claimgraph.ontology.context import context

HTML_FILE = "ontology.html"
CG = ontology.NAMESPACE_IRI
STAMP_META = "claimgraph-docs-stamp"


class RowSource(Protocol):
    """What the examples are taken from: the store interface, as far as this page needs it."""

    def select(self, query: str, bindings: Mapping[str, Any] | None = None
               ) -> tuple[list[str], list[dict[str, Any]]]: ...

    def version(self) -> str | None: ...

    def describe(self) -> dict[str, Any]: ...


# --------------------------------------------------------------------------------------------
# Examples from the corpus
# --------------------------------------------------------------------------------------------

_PREFIXES = f"""PREFIX cg: <{CG}>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
"""
_NOT_ONTOLOGY = f"FILTER(?g != <{iris.ONTOLOGY_GRAPH}>)"
_LABEL = "OPTIONAL {{ {v} rdfs:label {v}L }} OPTIONAL {{ {v} cg:paraphrase {v}P }} OPTIONAL {{ {v} cg:title {v}T }}"


def _iri(term: str) -> str:
    if any(c in term for c in '<>"{}|\\^` '):
        raise ValueError(f"not an IRI: {term!r}")
    return f"<{term}>"


def _short(iri: str) -> str:
    for prefix, ns in (("cg:", CG), ("id:", iris.ID), ("graph:", iris.GRAPH)):
        if iri.startswith(ns):
            return prefix + iri[len(ns):]
    return f"<{iri}>"


def _show(term: Any) -> str:
    """A term as it reads in an example: compact IRIs, quoted literals (cut when long)."""
    import pyoxigraph as ox
    if isinstance(term, ox.Literal):
        text = term.value if len(term.value) <= 90 else term.value[:89] + "…"
        dt = term.datatype.value
        suffix = "" if dt == "http://www.w3.org/2001/XMLSchema#string" else "^^xsd:" + dt.rsplit("#", 1)[-1]
        return f'"{text}"' + (f"@{term.language}" if term.language else suffix)
    return _short(term.value)


def _label(row: dict[str, Any], var: str) -> str | None:
    for suffix in ("L", "T", "P"):
        term = row.get(var.lstrip("?") + suffix)
        if term is not None:
            text = term.value
            return text if len(text) <= 90 else text[:89] + "…"
    return None


def _count(source: RowSource, pattern: str) -> int:
    _, rows = source.select(f"{_PREFIXES}SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ {pattern} }} {_NOT_ONTOLOGY} }}")
    return int(rows[0]["n"].value) if rows else 0


def _subclasses(onto: Graph, cls: URIRef) -> list[URIRef]:
    return sorted({c for c in onto.transitive_subjects(RDFS.subClassOf, cls) if isinstance(c, URIRef)})


def examples(source: RowSource, onto: Graph) -> dict[str, str]:
    """For every class, object or datatype property and named individual of the ontology, an
    example from the store (one instance with its label; one triple; one use), or a sentence
    that says the corpus does not use it yet."""
    found: dict[str, str] = {}
    for cls in sorted(s for s in onto.subjects(RDF.type, OWL.Class) if isinstance(s, URIRef)):
        values = " ".join(_iri(str(c)) for c in _subclasses(onto, cls))
        n = _count(source, f"VALUES ?type {{ {values} }} ?s a ?type")
        members = sorted(s for s in onto.subjects(RDF.type, cls) if isinstance(s, URIRef))
        if not n and members:  # a scheme of controlled values: its members live in the ontology
            found[str(cls)] = _value_use(source, members, scheme=True)
            continue
        if not n:
            found[str(cls)] = "Not instantiated in the corpus yet."
            continue
        _, rows = source.select(f"""{_PREFIXES}SELECT ?s ?type ?g ?sL ?sP ?sT WHERE {{
          VALUES ?type {{ {values} }} GRAPH ?g {{ ?s a ?type }} {_NOT_ONTOLOGY} {_LABEL.format(v="?s")}
        }} ORDER BY ?s LIMIT 1""")
        row = rows[0]
        lines = [f"From the corpus (1 of {n} instance{'s' if n > 1 else ''}), in {_short(row['g'].value)}:",
                 f"{_show(row['s'])} a {_show(row['type'])} ."]
        if label := _label(row, "?s"):
            lines.append(f"# {label}")
        found[str(cls)] = "\n".join(lines)

    properties = [s for t in (OWL.ObjectProperty, OWL.DatatypeProperty) for s in onto.subjects(RDF.type, t)]
    for prop in sorted({p for p in properties if isinstance(p, URIRef)}):
        n = _count(source, f"?s {_iri(str(prop))} ?o")
        if not n:
            found[str(prop)] = "Not used in the corpus yet."
            continue
        _, rows = source.select(f"""{_PREFIXES}SELECT ?s ?o ?g ?sL ?sP ?sT ?oL ?oP ?oT WHERE {{
          GRAPH ?g {{ ?s {_iri(str(prop))} ?o }} {_NOT_ONTOLOGY} {_LABEL.format(v="?s")} {_LABEL.format(v="?o")}
        }} ORDER BY ?s ?o LIMIT 1""")
        row = rows[0]
        lines = [f"From the corpus (1 of {n} use{'s' if n > 1 else ''}), in {_short(row['g'].value)}:",
                 f"{_show(row['s'])}\n    {_short(str(prop))} {_show(row['o'])} ."]
        for var, what in (("?s", "subject"), ("?o", "object")):
            if label := _label(row, var):
                lines.append(f"# {what}: {label}")
        found[str(prop)] = "\n".join(lines)

    for value in sorted(s for s in onto.subjects(RDF.type, OWL.NamedIndividual) if isinstance(s, URIRef)):
        found[str(value)] = _value_use(source, [value])
    return found


def _value_use(source: RowSource, values: list[URIRef], *, scheme: bool = False) -> str:
    """One use in the data of one of ``values`` (controlled values), as an example."""
    listed = " ".join(_iri(str(v)) for v in values)
    n = _count(source, f"VALUES ?v {{ {listed} }} ?s ?p ?v")
    if not n:
        return "Not used in the corpus yet."
    _, rows = source.select(f"""{_PREFIXES}SELECT ?s ?p ?v ?g ?sL ?sP ?sT WHERE {{
      VALUES ?v {{ {listed} }} GRAPH ?g {{ ?s ?p ?v }} {_NOT_ONTOLOGY} {_LABEL.format(v="?s")}
    }} ORDER BY ?p ?s ?v LIMIT 1""")
    row = rows[0]
    what = f"{len(values)} values, used {n} time{'s' if n > 1 else ''}" if scheme else f"1 of {n} use{'s' if n > 1 else ''}"
    lines = [f"From the corpus ({what}), in {_short(row['g'].value)}:",
             f"{_show(row['s'])}\n    {_show(row['p'])} {_show(row['v'])} ."]
    if label := _label(row, "?s"):
        lines.append(f"# {label}")
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------
# The page
# --------------------------------------------------------------------------------------------

def _pylode_version() -> str:
    from importlib.metadata import version
    return version("pylode")


def stamp(source: RowSource) -> str:
    """What the page depends on: the ontology, this generator, pyLODE and the store's version
    (a store without one, a server, is named by where it is)."""
    h = hashlib.sha256()
    h.update(ontology.SOURCE.read_bytes())
    h.update(Path(__file__).read_bytes())
    h.update(_pylode_version().encode())
    h.update(str(source.version() or source.describe()["store"]).encode())
    return h.hexdigest()[:16]


def _find(node: Any, **attributes: str) -> Any:
    """The first dominate element under ``node`` with these attributes."""
    if all(getattr(node, "attributes", {}).get(k) == v for k, v in attributes.items()):
        return node
    for child in getattr(node, "children", []):
        if (hit := _find(child, **attributes)) is not None:
            return hit
    return None


def render(examples_by_term: dict[str, str], page_stamp: str, *, source_note: str = "") -> str:
    """The documentation page: pyLODE's OntPub, with our anchors, controlled values and examples."""
    from dominate.tags import a, code, div, h2, h4, li, meta, p, style, ul
    from dominate.util import raw
    from pylode import OntPub
    from pylode.rdf_elements import ONTDOC
    from pylode.utils import section_html

    onto = Graph().parse(ontology.SOURCE, format="turtle")
    onto.bind("id", iris.ID)
    onto.bind("graph", iris.GRAPH)
    for term, text in examples_by_term.items():
        onto.add((URIRef(term), SKOS.example, Literal(text)))
    individual_props = [DCTERMS.title, RDFS.isDefinedBy, DCTERMS.description, URIRef(CG + "slug"), RDF.type,
                        SKOS.scopeNote, SKOS.example, SKOS.note]

    class Page(OntPub):
        def __init__(self, graph: Graph) -> None:
            super().__init__(graph, sort_subjects=True)
            # Anchors are the local names, so that the term IRI ...ontology#ClaimAct lands on its entry.
            for s in set(self.ont.subjects()):
                if isinstance(s, URIRef) and str(s).startswith(CG) and len(str(s)) > len(CG):
                    self.fids[str(s)] = str(s)[len(CG):]
            for value in self.ont.subjects(RDF.type, OWL.NamedIndividual):
                for cls in self.ont.objects(value, RDF.type):
                    if cls != OWL.NamedIndividual:
                        self.ont.add((cls, ONTDOC.hasInstance, value))
            self.props_labeled[URIRef(CG + "slug")] = {
                "title": "slug", "description": "The value curators write in the corpus files",
                "ont_title": "claimgraph ontology"}
            self.props_labeled.setdefault(RDF.type, {
                "title": "type", "description": "The scheme (class) of this value", "ont_title": "RDF"})
            self.props_labeled.setdefault(ONTDOC.hasInstance, {
                "title": "values", "description": "The controlled values of this scheme",
                "ont_title": "OntDoc"})

        def _make_head(self, schema_org: Graph, include_css: bool = True, destination: Path | None = None) -> None:
            super()._make_head(schema_org, include_css=include_css, destination=destination)
            with self.doc.head:
                meta(name=STAMP_META, content=page_stamp)
                meta(name="generator", content=f"claimgraph ontology/docs.py with pyLODE {_pylode_version()}")
                style(raw("pre { white-space: pre-wrap; overflow-wrap: anywhere; }"))

        def _make_metadata(self) -> None:
            super()._make_metadata()
            with self.content:
                with div(id="forms", _class="section"):
                    h2("Other forms")
                    p("The same ontology for tools: ", a("Turtle", href="ontology.ttl"), " (the edited source), ",
                      a("RDF/XML", href="ontology.owl"), " (for owlready2 and Protégé). The ontology IRI ",
                      code(ontology.ONTOLOGY_IRI), " answers with either when asked by ", code("Accept"), ".")
                    p("Every class, property and controlled value below shows an example from the corpus. "
                      "Identifiers ", code("id:"), " are ", code(iris.ID), "; the data sits in one named graph "
                      "per article (", code("graph:article/<slug>"), "), the registry graph and the ontology graph. "
                      + source_note)

        def _make_main_sections(self) -> None:
            super()._make_main_sections()
            with self.content:
                section_html("Controlled values", self.ont, self.back_onts, self.ns, OWL.NamedIndividual,
                             individual_props, self.toc, "individuals", self.fids, self.props_labeled).render()

        def _make_toc(self) -> None:
            super()._make_toc()
            first = _find(self.doc, **{"class": "first"})
            if first is None or not self.toc.get("individuals"):
                return
            # listed by local name (scheme-slug), which says the scheme that a bare label would not
            entry = li(h4(a("Controlled values", href="#individuals")),
                       ul([li(a(anchor.lstrip("#"), href=anchor)) for anchor, _ in self.toc["individuals"]],
                          _class="second"))
            # before "Namespaces" and "Legend", the last two entries
            first.children.insert(max(len(first.children) - 2, 0), entry)
            entry.parent = first

    page = Page(onto).make_html()
    banner = ("<!-- GENERATED by `make docs` (claimgraph docs) from ontology/claimgraph.ttl "
              "and the corpus store. Do not edit. -->\n")
    return banner + page


def build(source: RowSource) -> str:
    """The page, with examples from ``source``."""
    onto = Graph().parse(ontology.SOURCE, format="turtle")
    note = f"Examples computed from the store on {date.today().isoformat()}."
    return render(examples(source, onto), stamp(source), source_note=note)


def page_stamp(text: str) -> str | None:
    """The stamp written in a page's head, if any."""
    tag = re.search(rf'<meta\b[^>]*\bname="{STAMP_META}"[^>]*>', text)
    value = re.search(r'\bcontent="([^"]*)"', tag.group(0)) if tag else None
    return html.unescape(value.group(1)) if value else None


def write(out: Path, source: RowSource) -> list[Path]:
    """Write the documentation folder: the page, both forms of the ontology, the JSON-LD context."""
    out.mkdir(parents=True, exist_ok=True)
    files = {HTML_FILE: build(source).encode("utf-8"),
             "ontology.ttl": ontology.SOURCE.read_bytes(),
             "ontology.owl": ontology.OWL_FILE.read_bytes(),
             "context.jsonld": (json.dumps(context(), indent=2, ensure_ascii=False) + "\n").encode("utf-8")}
    written = []
    for name, data in files.items():
        target = out / name
        partial = target.with_name(f".{name}.{os.getpid()}")
        partial.write_bytes(data)
        os.replace(partial, target)
        written.append(target)
    return written
