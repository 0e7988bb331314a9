"""Generate the derived files of the claimgraph ontology from its edited source.

Usage::

    python -m claimgraph.ontology.generate            # write claimgraph.owl and namespace.py
    python -m claimgraph.ontology.generate --check    # exit 1 naming any stale derived file
    python -m claimgraph.ontology.generate --source edited.owl           # generate from another file
    python -m claimgraph.ontology.generate --source edited.owl --adopt   # make it the source

The source is ``claimgraph.ttl``. Whatever its syntax (Turtle, RDF/XML or N-Triples: the
content decides, not the file name, because Protégé saves in the format chosen in its dialog),
the outputs depend only on the OWL content: prefixes, order, layout, blank-node labels and the
variants that Protégé's OWL API writes (``owl:distinctMembers`` for ``owl:members``, either
direction of a symmetric axiom, ``"..."^^xsd:string`` for a plain literal, list order in set
constructs) give the same bytes.
"""

from __future__ import annotations

import argparse
import keyword
import re
import sys
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS
from rdflib.term import Node

from . import (ALIGN_OWL, ALIGN_SOURCE, INVERSES_OWL, INVERSES_SOURCE, MAPPINGS, NAMESPACE_FILE,
               NAMESPACE_IRI, ONTOLOGY_DIR, OWL_FILE, PROV_O_FILE, PROV_O_SOURCE, SOURCE)

CG = Namespace(NAMESPACE_IRI)
XSD_NS = "http://www.w3.org/2001/XMLSchema#"  # rdflib's XSD namespace warns when pytest probes it
XSD_STRING = URIRef(XSD_NS + "string")
COMMAND = "python -m claimgraph.ontology.generate"
CANONICAL = f"ontology/{SOURCE.name}"  # named in the notices of the derived files

#: Prefixes written in the RDF/XML output (others from the source are kept after these).
PREFIXES: dict[str, str] = {
    "cg": NAMESPACE_IRI,
    "owl": str(OWL),
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "xsd": XSD_NS,
    "skos": str(SKOS),
    "dcterms": str(DCTERMS),
    "vann": "http://purl.org/vocab/vann/",
    "prov": "http://www.w3.org/ns/prov#",
}

#: Declaration types, in the order their subjects appear in the RDF/XML output.
DECLARATION_ORDER: tuple[URIRef, ...] = (
    OWL.Ontology,
    OWL.AnnotationProperty,
    OWL.ObjectProperty,
    OWL.DatatypeProperty,
    OWL.Class,
    OWL.NamedIndividual,
    OWL.AllDisjointClasses,
    OWL.AllDifferent,
    OWL.Axiom,
    OWL.Restriction,
    RDFS.Datatype,
)

KIND_HEADINGS: dict[URIRef, str] = {
    OWL.AnnotationProperty: "Annotation properties",
    OWL.ObjectProperty: "Object properties",
    OWL.DatatypeProperty: "Data properties",
    OWL.Class: "Classes",
    OWL.NamedIndividual: "Named individuals",
}


class GenerationError(Exception):
    """The source cannot be turned into derived files (the message says why)."""


@dataclass(frozen=True)
class Output:
    """One derived file and the text it must contain."""

    path: Path
    text: str


# --------------------------------------------------------------------------- source


def source_format(path: Path) -> str:
    """The rdflib parser for ``path``, read from its first bytes (Protégé keeps the name you gave).

    RDF/XML starts with an XML declaration, comment, doctype or element (``<rdf:RDF``), not an
    IRI; N-Triples is recognized by its extension; anything else is read as Turtle. OWL/XML, functional and
    Manchester syntax are refused with a message saying which formats to save in.
    """
    head = path.read_bytes()[:4096].lstrip(b"\xef\xbb\xbf \t\r\n").decode("utf-8", "replace")
    if re.match(r"<(\?xml|!--|!DOCTYPE|[A-Za-z_][\w.-]*(:[A-Za-z_][\w.-]*)?[\s/>])", head):
        if re.search(r"<(\w+:)?Ontology\b[^>]*xmlns=\"http://www\.w3\.org/2002/07/owl#\"", head) and "rdf:RDF" not in head:
            raise GenerationError(f"{path} is OWL/XML; save it from Protégé as Turtle or RDF/XML")
        return "xml"
    if re.match(r"(Prefix|Ontology)\s*[(:]", head):
        raise GenerationError(f"{path} is in OWL functional or Manchester syntax; save it from Protégé "
                              "as Turtle or RDF/XML")
    return "nt" if path.suffix.lower() == ".nt" else "turtle"


def load_source(path: Path) -> Graph:
    """Parse the ontology source (Turtle, RDF/XML or N-Triples) and put it in canonical form."""
    graph = Graph(bind_namespaces="none")
    try:
        graph.parse(path, format=source_format(path))
    except GenerationError:
        raise
    except Exception as err:  # rdflib raises many kinds of syntax errors
        raise GenerationError(f"cannot parse {path}: {err}") from err
    return canonical(graph)


#: Properties whose triples state a symmetric relation: ``a p b`` says the same as ``b p a``.
SYMMETRIC_AXIOMS = (OWL.disjointWith, OWL.equivalentClass, OWL.equivalentProperty, OWL.sameAs,
                    OWL.differentFrom, OWL.propertyDisjointWith)
#: Properties whose RDF list is a set: the item order means nothing.
SET_LISTS = frozenset({OWL.members, OWL.distinctMembers, OWL.unionOf, OWL.intersectionOf, OWL.oneOf,
                       OWL.disjointUnionOf})


def canonical(graph: Graph) -> Graph:
    """The same OWL content in one canonical RDF form, whatever tool wrote it.

    - a plain literal for ``"..."^^xsd:string`` (one RDF 1.1 term, two rdflib terms);
    - ``owl:members`` for the OWL 1 ``owl:distinctMembers`` of an ``owl:AllDifferent`` (the OWL 2
      mapping to RDF reads both, writes ``owl:members``; Protégé's OWL API writes the other);
    - a symmetric axiom between two IRIs (``owl:disjointWith`` ...) with the smaller IRI first;
    - the items of set-valued lists (``owl:members``, ``owl:unionOf`` ...) sorted, IRIs by IRI.
    """
    lists: dict[Node, list[Node]] = {}
    cells: set[Node] = set()
    for head in {o for p in SET_LISTS for o in graph.objects(None, p)}:
        items, cell = [], head
        while isinstance(cell, BNode) and (cell, RDF.first, None) in graph:
            cells.add(cell)
            items.append(graph.value(cell, RDF.first))
            cell = graph.value(cell, RDF.rest)
        if cell == RDF.nil and items:
            lists[head] = items
    out = Graph(bind_namespaces="none")
    for prefix, ns in graph.namespaces():
        out.bind(prefix, ns, override=False)
    for s, p, o in graph:
        if s in cells:
            continue  # rebuilt below, sorted
        if isinstance(o, Literal) and o.datatype == XSD_STRING and not o.language:
            o = Literal(str(o))
        if p == OWL.distinctMembers and (s, RDF.type, OWL.AllDifferent) in graph:
            p = OWL.members
        if p in SYMMETRIC_AXIOMS and isinstance(s, URIRef) and isinstance(o, URIRef) and str(o) < str(s):
            s, o = o, s
        out.add((s, p, o))
    for head, items in lists.items():
        Collection(out, head, sorted(items, key=lambda n: _sort_key(graph, n)))
    return out


def _sort_key(graph: Graph, node: Node) -> tuple:
    """An order for list items that does not depend on blank-node labels."""
    if isinstance(node, URIRef):
        return (0, str(node))
    if isinstance(node, Literal):
        return (1, node.n3())
    return (2, tuple(sorted((str(p), _sort_key(graph, o)) for p, o in graph.predicate_objects(node))))


def ontology_iri(graph: Graph) -> URIRef:
    """Return the one ``owl:Ontology`` IRI of ``graph``."""
    iris = [s for s in graph.subjects(RDF.type, OWL.Ontology) if isinstance(s, URIRef)]
    if len(iris) != 1:
        raise GenerationError(f"expected one owl:Ontology in the source, found {len(iris)}")
    return iris[0]


def lint(graph: Graph) -> list[str]:
    """List editorial problems: own classes/properties/individuals without label or definition."""
    problems = []
    kinds = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.NamedIndividual)
    for kind in kinds:
        for term in sorted(set(graph.subjects(RDF.type, kind))):
            if not str(term).startswith(NAMESPACE_IRI):
                continue
            for prop, name in ((RDFS.label, "rdfs:label"), (SKOS.definition, "skos:definition")):
                if not any(getattr(o, "language", None) == "en" for o in graph.objects(term, prop)):
                    problems.append(f"{term} has no {name} in English")
    return problems


# --------------------------------------------------------------------------- RDF/XML


class _RdfXmlWriter:
    """A small deterministic RDF/XML writer for OWL ontologies.

    Top-level nodes are ordered by declaration kind then IRI; blank nodes used once are
    nested under their single parent, RDF lists of resources become ``rdf:parseType=
    "Collection"``, and top-level blank nodes (disjointness, AllDifferent) are ordered by
    their own rendered text, so no blank-node label ever reaches the output.
    """

    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        # Fixed prefixes, then ns1, ns2 ... for other namespaces of element names, in IRI order:
        # the output never depends on the prefixes that the source happened to declare.
        self.prefixes = dict(PREFIXES)
        names = set(graph.predicates()) | {o for o in graph.objects(None, RDF.type) if isinstance(o, URIRef)}
        extra = sorted({ns for ns in map(_namespace_of, names) if ns and not self._covered(ns)})
        for i, ns in enumerate(extra, start=1):
            self.prefixes[f"ns{i}"] = ns
        self.used: set[str] = {"rdf"}
        self.parents: dict[BNode, int] = defaultdict(int)
        for _, _, o in graph:
            if isinstance(o, BNode):
                self.parents[o] += 1
        shared = [b for b, n in self.parents.items() if n > 1]
        if shared:
            raise GenerationError("a blank node is the object of several triples; not OWL 2 DL")

    def _covered(self, ns: str) -> bool:
        return any(ns == known for known in self.prefixes.values())

    def qname(self, iri: URIRef) -> str | None:
        """The ``prefix:local`` XML name of ``iri``, or None when it has none."""
        text = str(iri)
        for prefix, ns in sorted(self.prefixes.items(), key=lambda kv: -len(kv[1])):
            if text.startswith(ns):
                local = text[len(ns) :]
                if local and (local[0].isalpha() or local[0] == "_") and all(
                    c.isalnum() or c in "_-." for c in local
                ):
                    self.used.add(prefix)
                    return f"{prefix}:{local}"
        return None

    def element_type(self, node: Node) -> URIRef | None:
        """The rdf:type written as the element name of ``node`` (a declaration type first)."""
        types = set(self.graph.objects(node, RDF.type))
        for kind in DECLARATION_ORDER:
            if kind in types:
                return kind
        named = sorted(t for t in types if isinstance(t, URIRef) and self.qname(t))
        return named[0] if named else None

    def list_items(self, node: Node) -> list[Node] | None:
        """The items of a well-formed RDF list of resources starting at ``node``, else None."""
        items: list[Node] = []
        while node != RDF.nil:
            if not isinstance(node, BNode):
                return None
            preds = set(self.graph.predicates(node, None))
            first = list(self.graph.objects(node, RDF.first))
            rest = list(self.graph.objects(node, RDF.rest))
            if preds != {RDF.first, RDF.rest} or len(first) != 1 or len(rest) != 1:
                return None
            if isinstance(first[0], Literal):
                return None
            items.append(first[0])
            node = rest[0]
        return items

    def node(self, node: Node, depth: int) -> str:
        """Render ``node`` as a node element with its properties, indented at ``depth``."""
        pad = "    " * depth
        kind = self.element_type(node)
        tag = self.qname(kind) if kind is not None else "rdf:Description"
        attr = f" rdf:about={quoteattr(str(node))}" if isinstance(node, URIRef) else ""
        children = sorted(
            (
                self.property(p, o, depth + 1)
                for p, o in self.graph.predicate_objects(node)
                if not (p == RDF.type and o == kind)
            ),
            key=lambda text: (not text.lstrip().startswith("<rdf:type "), text),
        )
        if not children:
            return f"{pad}<{tag}{attr}/>"
        return f"{pad}<{tag}{attr}>\n" + "\n".join(children) + f"\n{pad}</{tag}>"

    def property(self, pred: URIRef, obj: Node, depth: int) -> str:
        """Render one property element of a node at ``depth``."""
        pad = "    " * depth
        tag = self.qname(pred)
        if tag is None:
            raise GenerationError(f"predicate {pred} cannot be written as an RDF/XML element")
        if isinstance(obj, Literal):
            if obj.language:
                attr = f" xml:lang={quoteattr(obj.language)}"
            elif obj.datatype is not None and obj.datatype != XSD_STRING:
                attr = f" rdf:datatype={quoteattr(str(obj.datatype))}"
            else:
                attr = ""
            return f"{pad}<{tag}{attr}>{escape(str(obj))}</{tag}>"
        if isinstance(obj, URIRef):
            return f"{pad}<{tag} rdf:resource={quoteattr(str(obj))}/>"
        items = self.list_items(obj)
        if items is not None and obj != RDF.nil:
            rendered = [
                f"{pad}    <rdf:Description rdf:about={quoteattr(str(i))}/>"
                if isinstance(i, URIRef)
                else self.node(i, depth + 1)
                for i in items
            ]
            inner = "\n".join(rendered)
            return f'{pad}<{tag} rdf:parseType="Collection">\n{inner}\n{pad}</{tag}>'
        return f"{pad}<{tag}>\n{self.node(obj, depth + 1)}\n{pad}</{tag}>"

    def render(self, header_comment: str) -> str:
        """Render the whole graph as an RDF/XML document."""
        subjects = {s for s in self.graph.subjects() if not (isinstance(s, BNode) and self.parents[s])}
        rank = {kind: i for i, kind in enumerate(DECLARATION_ORDER)}

        def key(s: Node) -> tuple[int, int, str]:
            kind = self.element_type(s)
            # Of several ontology headers (PROV-O has two), the one with a version IRI comes
            # first: owlready2 takes the first owl:Ontology as the ontology's IRI.
            versioned = 0 if (s, OWL.versionIRI, None) in self.graph else 1
            return (rank.get(kind, len(rank)) if kind is not None else len(rank), versioned, str(s))

        named = sorted((s for s in subjects if isinstance(s, URIRef)), key=key)
        blocks: list[str] = []
        heading = None
        for s in named:
            kind = self.element_type(s)
            if kind in KIND_HEADINGS and kind != heading:
                heading = kind
                blocks.append(f"    <!-- {KIND_HEADINGS[kind]} -->")
            blocks.append(self.node(s, 1))
        anonymous = sorted(self.node(s, 1) for s in subjects if isinstance(s, BNode))
        if anonymous:
            blocks.append("    <!-- Axioms -->")
            blocks.extend(anonymous)
        namespaces = "\n".join(
            f"    xmlns:{p}={quoteattr(ns)}" for p, ns in sorted(self.prefixes.items()) if p in self.used
        )
        return (
            '<?xml version="1.0" encoding="utf-8"?>\n'
            f"<!-- {header_comment} -->\n"
            f"<rdf:RDF\n{namespaces}>\n\n" + "\n\n".join(blocks) + "\n\n</rdf:RDF>\n"
        )


def generated_note(source: str = CANONICAL) -> str:
    """The notice that marks a file derived from ``source`` (for the core, the same whichever
    file it was generated from)."""
    return (
        f"GENERATED by `{COMMAND}` from {source}. Do not edit: "
        f"edit {source} and regenerate (make ontology)."
    )


def _namespace_of(iri: URIRef) -> str:
    """The namespace part of ``iri``: up to its last ``#`` or ``/``."""
    text = str(iri)
    cut = max(text.rfind("#"), text.rfind("/"))
    return text[: cut + 1] if cut > 0 else ""


def render_owl(graph: Graph, source: str = CANONICAL) -> str:
    """Render an ontology as RDF/XML for owlready2 and Protégé, with a generated-file notice
    (an XML comment and an ``rdfs:comment`` on the ontology) naming ``source``."""
    out = Graph(bind_namespaces="none")
    onto = ontology_iri(graph)
    for triple in graph:
        if not (triple[0] == onto and triple[1] == RDFS.comment and str(triple[2]).startswith("GENERATED by")):
            out.add(triple)  # an RDF/XML source may carry the notice of an earlier generation
    note = generated_note(source)
    out.add((onto, RDFS.comment, Literal(note, lang="en")))
    return _RdfXmlWriter(out).render(note)


# --------------------------------------------------------------------------- namespace.py


def own_terms(graph: Graph, kind: URIRef) -> list[URIRef]:
    """The terms of our namespace declared with ``kind``, sorted by IRI."""
    return sorted(
        t for t in set(graph.subjects(RDF.type, kind))
        if isinstance(t, URIRef) and str(t).startswith(NAMESPACE_IRI) and str(t) != NAMESPACE_IRI
    )


def vocabularies(graph: Graph) -> dict[str, dict[str, URIRef]]:
    """Controlled values by scheme: ``{scheme: {slug: IRI}}``, read from the SKOS concept schemes.

    A ``skos:ConceptScheme`` of our namespace names its scheme with ``cg:slug`` (the corpus field:
    ``illocution``, ``event-type`` ...); its values are the concepts ``skos:inScheme`` it, each
    with one ``skos:notation`` equal to its one ``cg:slug``. A concept may be in several schemes
    (shared on purpose); a deprecated concept (``owl:deprecated true``) is left out here and listed
    by :func:`deprecated`.
    """
    schemes: dict[str, dict[str, URIRef]] = {}
    for scheme, name, concept, slug in _scheme_members(graph):
        if (concept, OWL.deprecated, Literal(True)) in graph:
            continue
        values = schemes.setdefault(name, {})
        if slug in values:
            raise GenerationError(f"slug {slug!r} appears twice in scheme {name!r}")
        values[slug] = concept
    return {name: dict(sorted(values.items())) for name, values in sorted(schemes.items())}


def deprecated(graph: Graph) -> dict[str, dict[str, str]]:
    """Deprecated values by scheme: ``{scheme: {slug: what replaces it}}`` (their skos:scopeNote).

    A slug that a current concept of the scheme still has (the deed ``cyberattack``, now the
    concept shared with the event type) is not listed: only its old IRI is deprecated."""
    current = vocabularies(graph)
    found: dict[str, dict[str, str]] = {}
    for _, name, concept, slug in _scheme_members(graph):
        if (concept, OWL.deprecated, Literal(True)) not in graph or slug in current.get(name, {}):
            continue
        notes = sorted(str(n) for n in graph.objects(concept, SKOS.scopeNote))
        if not notes:
            raise GenerationError(f"{concept} is deprecated without a skos:scopeNote saying what replaces it")
        found.setdefault(name, {})[slug] = notes[0]
    return {name: dict(sorted(values.items())) for name, values in sorted(found.items())}


def _scheme_members(graph: Graph) -> list[tuple[URIRef, str, URIRef, str]]:
    """(scheme IRI, scheme name, concept IRI, slug) for every concept of our schemes, checked."""
    members = []
    for scheme in own_terms(graph, SKOS.ConceptScheme):
        names = [str(s) for s in graph.objects(scheme, CG.slug)]
        if len(names) != 1:
            raise GenerationError(f"{scheme} needs exactly one cg:slug (its corpus field), has {len(names)}")
        for concept in sorted(c for c in graph.subjects(SKOS.inScheme, scheme) if isinstance(c, URIRef)):
            slugs = [str(s) for s in graph.objects(concept, CG.slug)]
            notations = [str(s) for s in graph.objects(concept, SKOS.notation)]
            if len(slugs) != 1 or notations != slugs:
                raise GenerationError(f"{concept} needs one cg:slug and the same one skos:notation")
            if (concept, RDF.type, SKOS.Concept) not in graph:
                raise GenerationError(f"{concept} is in a scheme but not a skos:Concept")
            members.append((scheme, names[0], concept, slugs[0]))
    return members


def _label(graph: Graph, term: URIRef) -> str:
    labels = sorted(str(o) for o in graph.objects(term, RDFS.label))
    return labels[0] if labels else ""


def render_namespace(graph: Graph) -> str:
    """Render ``namespace.py``: the ``CG`` DefinedNamespace and ``VOCABULARIES``."""
    onto = ontology_iri(graph)
    version_iri = graph.value(onto, OWL.versionIRI)
    version = graph.value(onto, OWL.versionInfo)
    lines = [
        f"# GENERATED by `{COMMAND}` from {CANONICAL}. Do not edit:",
        f"# edit {CANONICAL} and regenerate (make ontology).",
        '"""Terms of the claimgraph ontology as an rdflib DefinedNamespace.',
        "",
        "``CG.Actor``, ``CG.speaker`` ... are the ontology's IRIs; a misspelt term raises",
        "AttributeError. Controlled values have hyphenated local names: use",
        '``CG["illocution-accuses"]`` or ``VOCABULARIES["illocution"]["accuses"]``;',
        "``DEPRECATED`` says what replaces a value no longer in use.",
        '"""',
        "",
        "from rdflib import namespace as _rdflib_namespace",
        "from rdflib.namespace import Namespace",
        "from rdflib.term import URIRef",
        "",
        '__all__ = ["CG", "DEPRECATED", "ONTOLOGY_IRI", "VERSION", "VERSION_IRI", "VOCABULARIES"]',
        "",
        f"ONTOLOGY_IRI = URIRef({str(onto)!r})",
        f"VERSION_IRI = URIRef({str(version_iri)!r})" if version_iri else "VERSION_IRI = None",
        f"VERSION = {str(version)!r}" if version else "VERSION = None",
        "",
        "",
        "class CG(_rdflib_namespace.DefinedNamespace):",
        f'    """claimgraph ontology terms ({NAMESPACE_IRI})."""',
        "",
        f"    _NS = Namespace({NAMESPACE_IRI!r})",
        "    _fail = True",
    ]
    extras: list[str] = []
    sections = (
        ("Classes", OWL.Class),
        ("Object properties", OWL.ObjectProperty),
        ("Data properties", OWL.DatatypeProperty),
        ("Annotation properties", OWL.AnnotationProperty),
        ("Named individuals", OWL.NamedIndividual),
    )
    for title, kind in sections:
        terms = own_terms(graph, kind)
        plain = [t for t in terms if _identifier(str(t)[len(NAMESPACE_IRI) :])]
        extras.extend(str(t)[len(NAMESPACE_IRI) :] for t in terms if t not in plain)
        if plain:
            lines += ["", f"    # {title}"]
            lines += [
                f"    {str(t)[len(NAMESPACE_IRI):]}: URIRef  # {_label(graph, t)}".rstrip()
                for t in plain
            ]
    lines += ["", "    # Terms whose local names are not Python identifiers: CG[\"name\"]"]
    lines.append("    _extras = [")
    lines += [f"        {name!r}," for name in extras]
    lines += ["    ]", "", ""]
    lines.append("#: Controlled values by scheme (corpus field): {scheme: {slug: IRI}}.")
    lines.append("VOCABULARIES: dict[str, dict[str, URIRef]] = {")
    for scheme, values in vocabularies(graph).items():
        lines.append(f"    {scheme!r}: {{")
        lines += [
            f"        {slug!r}: CG[{str(iri)[len(NAMESPACE_IRI):]!r}]," for slug, iri in values.items()
        ]
        lines.append("    },")
    lines.append("}")
    lines += ["", "#: Deprecated values by scheme: {scheme: {slug: what replaces it}}."]
    lines.append("DEPRECATED: dict[str, dict[str, str]] = {")
    for scheme, values in deprecated(graph).items():
        lines.append(f"    {scheme!r}: {{")
        lines += [f"        {slug!r}: {note!r}," for slug, note in values.items()]
        lines.append("    },")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _identifier(name: str) -> bool:
    return name.isidentifier() and not keyword.iskeyword(name) and not name.startswith("_")


# --------------------------------------------------------------------------- modules and imports


def _shown_source(path: Path) -> str:
    return f"ontology/{path.relative_to(ONTOLOGY_DIR).as_posix()}"


def prov_o_graph() -> Graph:
    """The published PROV-O (``imports/prov-o.ttl``), triples as published."""
    return Graph(bind_namespaces="none").parse(PROV_O_SOURCE, format="turtle")


def render_import_copy(graph: Graph, source: Path) -> str:
    """RDF/XML of an imported ontology's local copy for owlready2: its triples unchanged (no
    notice is added to them, as a published ontology may have several ontology headers), the
    generated-file notice as an XML comment."""
    note = (f"GENERATED by `{COMMAND}` from {_shown_source(source)}, the published ontology's local "
            "copy (see its header for source and licence), with the same triples. Do not edit.")
    return _RdfXmlWriter(graph).render(note)


def render_align_source(graph: Graph) -> str:
    """The alignment module as Turtle, with a notice that it is generated from the mapping set."""
    source = _shown_source(MAPPINGS)
    header = (f"# GENERATED by `{COMMAND}` from {source}. Do not edit: edit\n# {source} "
              "and regenerate (make ontology). See README.md, \"The alignment module\".\n\n")
    return header + graph.serialize(format="turtle")


def module_outputs() -> list[Output]:
    """The derived files of the modules beside the core and of the imports' local copies."""
    from .alignment import module_graph, read_sssom

    for path in (SOURCE, INVERSES_SOURCE, MAPPINGS, PROV_O_SOURCE):
        if not path.is_file():
            raise GenerationError(f"{path} is absent")
    prov = prov_o_graph()
    core = load_source(SOURCE)
    for triple in prov:
        core.add(triple)
    try:
        mapping_set = read_sssom(MAPPINGS)
    except Exception as err:  # MappingError, or an unreadable file
        raise GenerationError(str(err)) from err
    align = module_graph(mapping_set, core, generated_note(_shown_source(MAPPINGS)))
    inverses = load_source(INVERSES_SOURCE)
    return [
        Output(ALIGN_SOURCE, render_align_source(align)),
        Output(ALIGN_OWL, render_owl(align, _shown_source(MAPPINGS))),
        Output(INVERSES_OWL, render_owl(inverses, _shown_source(INVERSES_SOURCE))),
        Output(PROV_O_FILE, render_import_copy(prov, PROV_O_SOURCE)),
    ]


# --------------------------------------------------------------------------- command line


def outputs(graph: Graph) -> list[Output]:
    """The derived files that the (canonical) core source ``graph`` determines."""
    return [
        Output(OWL_FILE, render_owl(graph)),
        Output(NAMESPACE_FILE, render_namespace(graph)),
    ]


def render_source(graph: Graph) -> str:
    """The source as Turtle, for ``--adopt``: a file saved elsewhere becomes ``claimgraph.ttl``."""
    out = Graph(bind_namespaces="none")
    for prefix, ns in sorted(graph.namespaces()):
        if prefix:
            out.bind(prefix, ns, override=False)
    for prefix, ns in PREFIXES.items():
        out.bind(prefix, ns, override=True, replace=True)
    onto = ontology_iri(graph)
    for triple in graph:
        if not (triple[0] == onto and triple[1] == RDFS.comment and str(triple[2]).startswith("GENERATED by")):
            out.add(triple)
    header = (f"# claimgraph ontology: THE edited source (Turtle, OWL 2 DL), adopted by `{COMMAND} "
              "--adopt`.\n# Edit it in Protégé or a text editor, then run `make ontology`; see README.md.\n\n")
    return header + out.serialize(format="turtle")


def resolve_source(explicit: Path | None) -> Path:
    """The source to read: ``--source`` when given, else ``claimgraph.ttl``."""
    if explicit is not None:
        if not explicit.is_file():
            raise GenerationError(f"source {explicit} does not exist")
        return explicit
    if SOURCE.is_file():
        return SOURCE
    raise GenerationError(f"{SOURCE} is absent; pass the edited ontology with --source FILE")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the generator; return the process exit code."""
    parser = argparse.ArgumentParser(prog=COMMAND, description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if a derived file is stale")
    parser.add_argument("--source", type=Path,
                        help="the edited ontology, if not ontology/claimgraph.ttl (Turtle, RDF/XML or N-Triples)")
    parser.add_argument("--adopt", action="store_true",
                        help="with --source: rewrite ontology/claimgraph.ttl from it (as Turtle), then regenerate")
    args = parser.parse_args(argv)
    if args.adopt and (args.source is None or args.check):
        parser.error("--adopt needs --source FILE and cannot be combined with --check")
    try:
        source = resolve_source(args.source)
        graph = load_source(source)
        derived = outputs(graph) + module_outputs()
        if args.adopt:
            derived.insert(0, Output(SOURCE, render_source(graph)))
        problems = lint(graph)
    except GenerationError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    if not args.adopt and SOURCE.is_file() and source.resolve() != SOURCE.resolve():
        print(f"warning: generating from {source}, but {SOURCE.name} is the canonical source: "
              f"`make ontology` and the tests will regenerate from it (use --adopt to replace it)",
              file=sys.stderr)
    for problem in problems:
        print(f"warning: {problem}", file=sys.stderr)
    stale = [o for o in derived if not o.path.is_file() or o.path.read_text("utf-8") != o.text]
    if args.check:
        for o in stale:
            print(f"stale: {_shown(o.path)} (run `make ontology`)", file=sys.stderr)
        return 1 if stale else 0
    for o in stale:
        o.path.write_text(o.text, encoding="utf-8")
        print(f"wrote {_shown(o.path)}")
    return 0


def _shown(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


if __name__ == "__main__":
    sys.exit(main())
