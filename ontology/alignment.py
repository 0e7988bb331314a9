"""The alignment module of the claimgraph ontology, generated from its SSSOM mapping set.

``mappings/claimgraph.sssom.tsv`` is the edited source: one row per mapping of a claimgraph term
to a term of PROV-O, SEM, schema.org or GRaSP/GAF. :func:`module_graph` turns the rows into the
OWL module ``claimgraph-align.ttl`` (``https://w3id.org/claimgraph/ontology/align``), which imports
the core and the inverses module:

- ``rdfs:subClassOf`` and ``rdfs:subPropertyOf`` rows are axioms (the meaning matches and the
  domains and ranges were checked not to make claimgraph data inconsistent); the rows whose axiom
  the core already states are not repeated;
- SKOS mapping rows between two SKOS concepts (controlled values) are links with the SKOS
  mapping property itself, an object property, as in SKOS;
- SKOS mapping rows between classes or properties (they only resemble) become ``rdfs:seeAlso``:
  a SKOS mapping property between classes would make it an annotation property here and an
  object property in SKOS, which OWL 2 DL forbids.

External terms that the module names in axioms are declared in it with the kind the row's
``object_type`` gives, unless an import already declares them (PROV-O's).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

import yaml
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS, XSD

from . import ALIGN_IRI, INVERSES_IRI, NAMESPACE_IRI, ONTOLOGY_IRI

SEMAPV = Namespace("https://w3id.org/semapv/vocab/")
AXIOM_PREDICATES = frozenset({RDFS.subClassOf, RDFS.subPropertyOf})
SKOS_MAPPINGS = frozenset({SKOS.exactMatch, SKOS.closeMatch, SKOS.relatedMatch, SKOS.broadMatch,
                           SKOS.narrowMatch})
#: SSSOM entity types and the OWL declaration each gets.
DECLARATIONS: dict[str, URIRef] = {
    "owl class": OWL.Class,
    "owl object property": OWL.ObjectProperty,
    "owl data property": OWL.DatatypeProperty,
    "skos concept": OWL.NamedIndividual,
}
REQUIRED_COLUMNS = ("subject_id", "predicate_id", "object_id", "mapping_justification",
                    "subject_type", "object_type")
REQUIRED_METADATA = ("curie_map", "mapping_set_id", "mapping_set_version", "license")
VERSION = "0.2.0"


class MappingError(Exception):
    """The SSSOM file cannot be read or a row is not usable (the message names the line)."""


@dataclass(frozen=True)
class Mapping:
    """One SSSOM row, with its identifiers expanded to IRIs."""

    subject: URIRef
    predicate: URIRef
    object: URIRef
    justification: URIRef
    subject_type: str
    object_type: str
    comment: str
    line: int

    @property
    def is_axiom(self) -> bool:
        return self.predicate in AXIOM_PREDICATES

    @property
    def is_concept_link(self) -> bool:
        """A SKOS mapping between two SKOS concepts: written with the SKOS property itself."""
        return (self.predicate in SKOS_MAPPINGS and self.subject_type == "skos concept"
                and self.object_type == "skos concept")

    def triple(self) -> tuple[URIRef, URIRef, URIRef]:
        """The triple that states this mapping in the module (or in the core, for an axiom there)."""
        if self.is_axiom or self.is_concept_link:
            return (self.subject, self.predicate, self.object)
        return (self.subject, RDFS.seeAlso, self.object)


@dataclass(frozen=True)
class MappingSet:
    """The metadata block and the rows of an SSSOM TSV file."""

    metadata: dict
    mappings: tuple[Mapping, ...]


def read_sssom(path: Path) -> MappingSet:
    """Read an SSSOM TSV file: a ``#``-commented YAML metadata block, then a header row and rows."""
    text = path.read_text("utf-8")
    meta_lines, body_start = [], 0
    lines = text.splitlines(keepends=True)
    for i, line in enumerate(lines):
        if not line.startswith("#"):
            body_start = i
            break
        meta_lines.append(line[1:].removeprefix(" "))
    try:
        metadata = yaml.safe_load("".join(meta_lines)) or {}
    except yaml.YAMLError as err:
        raise MappingError(f"{path}: the metadata block is not YAML: {err}") from err
    missing = [k for k in REQUIRED_METADATA if k not in metadata]
    if missing:
        raise MappingError(f"{path}: metadata lacks {', '.join(missing)}")
    curies: dict[str, str] = metadata["curie_map"]
    reader = csv.DictReader(io.StringIO("".join(lines[body_start:])), delimiter="\t")
    absent = [c for c in REQUIRED_COLUMNS if c not in (reader.fieldnames or [])]
    if absent:
        raise MappingError(f"{path}:{body_start + 1}: the header row lacks {', '.join(absent)}")
    rows = []
    for offset, row in enumerate(reader, start=body_start + 2):
        def iri(column: str) -> URIRef:
            value = (row.get(column) or "").strip()
            prefix, sep, local = value.partition(":")
            if not sep or prefix not in curies:
                raise MappingError(f"{path}:{offset}: field {column} {value!r} is not a CURIE of curie_map")
            return URIRef(curies[prefix] + local)
        mapping = Mapping(iri("subject_id"), iri("predicate_id"), iri("object_id"),
                          iri("mapping_justification"), row["subject_type"].strip(),
                          row["object_type"].strip(), (row.get("comment") or "").strip(), offset)
        if not (mapping.is_axiom or mapping.predicate in SKOS_MAPPINGS):
            raise MappingError(f"{path}:{offset}: field predicate_id: use rdfs:subClassOf, "
                               "rdfs:subPropertyOf or a SKOS mapping property")
        for column in ("subject_type", "object_type"):
            if getattr(mapping, column) not in DECLARATIONS:
                raise MappingError(f"{path}:{offset}: field {column} must be one of {sorted(DECLARATIONS)}")
        if not str(mapping.subject).startswith(NAMESPACE_IRI):
            raise MappingError(f"{path}:{offset}: field subject_id must be a claimgraph term")
        rows.append(mapping)
    return MappingSet(metadata, tuple(rows))


def module_graph(mapping_set: MappingSet, core: Graph, note: str) -> Graph:
    """The alignment module for ``mapping_set``.

    ``core`` is the core ontology with its imports (the triples it already states are not
    repeated, the terms it declares are not declared again); ``note`` becomes the module's
    ``rdfs:comment`` (the generated-file notice).
    """
    g = Graph(bind_namespaces="none")
    for prefix, ns in sorted(mapping_set.metadata["curie_map"].items()):
        if prefix != "semapv":
            g.bind(prefix, ns)
    g.bind("dcterms", str(DCTERMS))
    g.bind("xsd", str(XSD))
    onto = URIRef(ALIGN_IRI)
    meta = mapping_set.metadata
    g.add((onto, RDF.type, OWL.Ontology))
    g.add((onto, OWL.versionIRI, URIRef(f"{ALIGN_IRI}/{VERSION}")))
    g.add((onto, OWL.versionInfo, Literal(VERSION)))
    g.add((onto, OWL.imports, URIRef(ONTOLOGY_IRI)))
    g.add((onto, OWL.imports, URIRef(INVERSES_IRI)))
    g.add((onto, DCTERMS.title, Literal("claimgraph ontology: alignment to PROV-O, SEM, schema.org and GRaSP",
                                        lang="en")))
    g.add((onto, DCTERMS.description, Literal(
        "Axioms that put claimgraph's classes and properties under those of PROV-O, SEM and schema.org "
        "where the meaning matches, SKOS mapping links between claimgraph's controlled values and GRaSP's, "
        "and rdfs:seeAlso where a term only resembles another. Generated from the SSSOM mapping set "
        f"{meta['mapping_set_id']}.", lang="en")))
    g.add((onto, DCTERMS.license, URIRef(meta["license"])))
    for creator in meta.get("creator_id") or []:
        g.add((onto, DCTERMS.creator, URIRef(creator)))
    if meta.get("mapping_date"):
        g.add((onto, DCTERMS.modified, Literal(str(meta["mapping_date"]), datatype=XSD.date)))
    g.add((onto, RDFS.seeAlso, URIRef(meta["mapping_set_id"])))
    g.add((onto, RDFS.comment, Literal(note, lang="en")))
    declared = {s for s in core.subjects(RDF.type, None) if isinstance(s, URIRef)}
    for m in mapping_set.mappings:
        triple = m.triple()
        if triple in core:
            continue
        g.add(triple)
        if m.is_concept_link and m.predicate not in declared:
            g.add((m.predicate, RDF.type, OWL.ObjectProperty))
        if (m.is_axiom or m.is_concept_link) and m.object not in declared:
            g.add((m.object, RDF.type, DECLARATIONS[m.object_type]))
    return g


def stated_mappings(graph: Graph) -> set[tuple[URIRef, URIRef, URIRef]]:
    """The alignment statements of ``graph``: axioms and SKOS links from a claimgraph term to a
    term outside claimgraph, and ``rdfs:seeAlso`` from a claimgraph term to an external term."""
    found = set()
    for p in (*AXIOM_PREDICATES, *SKOS_MAPPINGS, RDFS.seeAlso):
        for s, o in graph.subject_objects(p):
            if (isinstance(s, URIRef) and isinstance(o, URIRef) and str(s).startswith(NAMESPACE_IRI)
                    and not str(o).startswith("https://w3id.org/claimgraph/")):
                found.add((s, p, o))
    return found
