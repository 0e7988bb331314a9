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
CATALOG: Path = ONTOLOGY_DIR / "catalog-v001.xml"
IMPORTS_DIR: Path = ONTOLOGY_DIR / "imports"
PROV_O_FILE: Path = IMPORTS_DIR / "prov-o.owl"

ONTOLOGY_IRI = "https://w3id.org/claimgraph/ontology"
NAMESPACE_IRI = "https://w3id.org/claimgraph/ontology#"
PROV_O_IRI = "http://www.w3.org/ns/prov-o"  # not the PROV namespace: docs/decisions/0007-prov-o-import.md

__all__ = [
    "CATALOG",
    "CG",
    "IMPORTS_DIR",
    "NAMESPACE_FILE",
    "NAMESPACE_IRI",
    "ONTOLOGY_DIR",
    "ONTOLOGY_IRI",
    "OWL_FILE",
    "PROV_O_FILE",
    "PROV_O_IRI",
    "SHAPES",
    "SOURCE",
    "VOCABULARIES",
]


def __getattr__(name: str) -> Any:
    """Re-export ``CG`` and ``VOCABULARIES`` from the generated namespace module on first use."""
    if name in ("CG", "VOCABULARIES"):
        from . import namespace

        return getattr(namespace, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
