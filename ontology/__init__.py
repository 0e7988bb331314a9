"""claimgraph.ontology: the claimgraph OWL ontology, its SHACL data shapes and derived files.

The edited source is ``claimgraph.ttl``; ``claimgraph.owl`` (RDF/XML) and ``namespace.py`` are
generated from it by ``python -m claimgraph.ontology.generate``. The paths below locate the
files; ``CG`` and ``VOCABULARIES`` are re-exported lazily from the generated ``namespace``
module, so that the generator can run before that module exists.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

ONTOLOGY_DIR: Path = Path(__file__).resolve().parent
SOURCE: Path = ONTOLOGY_DIR / "claimgraph.ttl"
OWL_FILE: Path = ONTOLOGY_DIR / "claimgraph.owl"
NAMESPACE_FILE: Path = ONTOLOGY_DIR / "namespace.py"
SHAPES: Path = ONTOLOGY_DIR / "shapes.ttl"
#: The rules that derive facts at ingestion (SPARQL CONSTRUCT, one file per derived fact).
RULES_DIR: Path = ONTOLOGY_DIR / "rules"
CATALOG: Path = ONTOLOGY_DIR / "catalog-v001.xml"
IMPORTS_DIR: Path = ONTOLOGY_DIR / "imports"
#: The modules beside the core: the alignment (generated from its SSSOM mapping set) and the
#: inverse properties (edited Turtle), each with its generated RDF/XML.
MAPPINGS: Path = ONTOLOGY_DIR / "mappings" / "claimgraph.sssom.tsv"
ALIGN_SOURCE: Path = ONTOLOGY_DIR / "claimgraph-align.ttl"
ALIGN_OWL: Path = ONTOLOGY_DIR / "claimgraph-align.owl"
INVERSES_SOURCE: Path = ONTOLOGY_DIR / "claimgraph-inverses.ttl"
INVERSES_OWL: Path = ONTOLOGY_DIR / "claimgraph-inverses.owl"
#: PROV-O: the published Turtle (the copy Protégé loads) and the RDF/XML generated from it for
#: owlready2, named after the version IRI the core imports, as owlready2's onto_path needs.
PROV_O_SOURCE: Path = IMPORTS_DIR / "prov-o.ttl"
PROV_O_FILE: Path = IMPORTS_DIR / "prov-o-20130430.owl"
SKOS_FILE: Path = IMPORTS_DIR / "skos.nt"
SEM_FILE: Path = IMPORTS_DIR / "sem.nt"
SCHEMA_FILE: Path = IMPORTS_DIR / "schema-org.nt"

ONTOLOGY_IRI = "https://w3id.org/claimgraph/ontology"
NAMESPACE_IRI = "https://w3id.org/claimgraph/ontology#"
ALIGN_IRI = "https://w3id.org/claimgraph/ontology/align"
INVERSES_IRI = "https://w3id.org/claimgraph/ontology/inverses"
#: PROV-O is imported by its version IRI (its ontology IRI is http://www.w3.org/ns/prov-o#): docs/decisions/0007-prov-o-import.md
PROV_O_IRI = "http://www.w3.org/ns/prov-o-20130430"
SKOS_IRI = "http://www.w3.org/2004/02/skos/core"

__all__ = [
    "ALIGN_IRI",
    "ALIGN_OWL",
    "ALIGN_SOURCE",
    "CATALOG",
    "CG",
    "IMPORTS_DIR",
    "INVERSES_IRI",
    "INVERSES_OWL",
    "INVERSES_SOURCE",
    "MAPPINGS",
    "NAMESPACE_FILE",
    "NAMESPACE_IRI",
    "ONTOLOGY_DIR",
    "ONTOLOGY_IRI",
    "OWL_FILE",
    "PROV_O_FILE",
    "PROV_O_IRI",
    "PROV_O_SOURCE",
    "RULES_DIR",
    "SCHEMA_FILE",
    "SEM_FILE",
    "SHAPES",
    "SKOS_FILE",
    "SKOS_IRI",
    "SOURCE",
    "VOCABULARIES",
]


def __getattr__(name: str) -> Any:
    """Re-export ``CG`` and ``VOCABULARIES`` from the generated namespace module on first use."""
    if name in ("CG", "VOCABULARIES"):
        from . import namespace

        return getattr(namespace, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
