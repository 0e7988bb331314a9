"""SHACL validation of claimgraph's own shapes without pySHACL: each property shape compiled to a
Python check that reports exactly what pySHACL reports, at a fraction of its cost.

pySHACL is the reference (:class:`claimgraph.ontology.validation.Validator`). It validates about
450 claims a second (``docs/benchmarks.md``), which bounds a full ingest; these checks do the
same work on indexes of the triples, so that ingestion can validate article by article in its
worker processes. Only what ``shapes.ttl`` uses is compiled (:data:`SUPPORTED`): targets by class
(SHACL instances, through ``rdfs:subClassOf*`` in the data), by subjects or objects of a property,
or by node; a property path that is one IRI; ``sh:minCount``, ``sh:maxCount``, ``sh:class``,
``sh:datatype``, ``sh:nodeKind``, ``sh:pattern`` (with ``sh:flags``), ``sh:in``, ``sh:hasValue``,
the four ranges, ``sh:lessThan``, ``sh:lessThanOrEquals``; one ``sh:message`` per shape; severity
and ``sh:deactivated``. A shapes graph with anything else raises :class:`Unsupported` when it is
compiled, and callers fall back to pySHACL. Each check follows pySHACL's own code for its
component (the datatype test for ill-typed literals, the string a pattern is matched against,
literal comparison); ``tests/ontology/test_compiled_shapes.py`` compares both on the valid and
invalid examples, the real corpus, synthetic corpora and random graphs (hypothesis).

Validating a **unit** (:meth:`CompiledShapes.validate`): the focus nodes are taken from the unit's
own triples (the subjects, and the objects for ``sh:targetObjectsOf``); their values, types and
class hierarchy from the unit and its context together (an article's context is the registry and
the ontology). The shapes are local to a focus node (every path is one predicate), so the union
of the units' reports is the whole graph's report (``docs/decisions/0019-incremental-ingestion.md``).

>>> from rdflib import Graph
>>> compiled = CompiledShapes.from_graph(shapes_graph())
>>> compiled.validate(Index(Graph())).conforms
True
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from functools import lru_cache
from typing import Any

from rdflib import RDF, RDFS, XSD, BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import SH
from rdflib.term import Node

from claimgraph.ontology.validation import ShaclReport, ShapeResult, ontology_graph, shapes_graph

TARGETS = (SH.targetClass, SH.targetSubjectsOf, SH.targetObjectsOf, SH.targetNode)
CONSTRAINTS = (SH.minCount, SH.maxCount, SH["class"], SH.datatype, SH.nodeKind, SH.pattern, SH["in"],
               SH.hasValue, SH.minInclusive, SH.maxInclusive, SH.minExclusive, SH.maxExclusive,
               SH.lessThan, SH.lessThanOrEquals)
#: What a compiled shape may say: targets, its path, the constraints above and their companions.
SUPPORTED = frozenset({*TARGETS, *CONSTRAINTS, SH.path, SH.message, SH.severity, SH.deactivated, SH.flags,
                       SH.name, SH.description, SH.order, SH.group, RDF.type, RDFS.label, RDFS.comment})


class Unsupported(Exception):
    """The shapes use something these checks do not implement; validate with pySHACL."""


_EMPTY: frozenset = frozenset()
_CANONICAL: dict[Node, Node] = {}


def canonical(term: Node) -> Node:
    """One object for each term the shapes name (paths, classes, values), shared with the code
    that builds the data (``ingest/build.py``): a dictionary finds a key that is the very same
    object without asking rdflib whether two terms are equal, which runs Python code."""
    return _CANONICAL.setdefault(term, term)


_TYPE, _SUBCLASS = canonical(RDF.type), canonical(RDFS.subClassOf)


class Index:
    """Triples indexed by subject then predicate, with the context they are validated in (another
    Index, or None); lookups see both."""

    def __init__(self, triples: Iterable[tuple[Node, Node, Node]] = (), context: Index | None = None) -> None:
        self.spo: dict[Node, dict[Node, set[Node]]] = {}
        self.context = context
        #: The context's triples, layer by layer (the context's own, then its context's...).
        self.layers: tuple[dict[Node, dict[Node, set[Node]]], ...] = (
            (context.spo, *context.layers) if context is not None else ())
        spo = self.spo
        for s, p, o in triples:
            by_p = spo.get(s)
            if by_p is None:
                spo[s] = {p: {o}}
            else:
                values = by_p.get(p)
                if values is None:
                    by_p[p] = {o}
                else:
                    values.add(o)
        self._supers: dict[Node, frozenset[Node]] = {}
        self._instances: dict[tuple[Node, Node], bool] = {}
        self._own_classes: bool | None = None

    def add(self, s: Node, p: Node, o: Node) -> None:
        self.spo.setdefault(s, {}).setdefault(p, set()).add(o)

    def values(self, s: Node, p: Node) -> set[Node]:
        by_p = self.spo.get(s)
        found = by_p.get(p, _EMPTY) if by_p is not None else _EMPTY
        for layer in self.layers:
            by_p = layer.get(s)
            if by_p is not None:
                more = by_p.get(p)
                if more:
                    found = found | more if found else more
        return found

    def has_own_classes(self) -> bool:
        """Whether this unit (not its context) says anything about the class hierarchy."""
        if self._own_classes is None:
            self._own_classes = any(_SUBCLASS in by_p for by_p in self.spo.values()) if self.layers else True
        return self._own_classes

    def _same_in_context(self, node: Node) -> bool:
        """Whether the context alone answers for ``node`` what this index answers: this unit says
        nothing about it nor about the class hierarchy (the context's answers are kept for every
        unit validated in it)."""
        return self.context is not None and node not in self.spo and not self.has_own_classes()

    def types(self, node: Node) -> set[Node]:
        return self.values(node, _TYPE)

    def superclasses(self, cls: Node) -> frozenset[Node]:
        """``cls`` and every class it is an ``rdfs:subClassOf*`` of, here or in the context."""
        found = self._supers.get(cls)
        if found is None:
            if self.context is not None and not self.has_own_classes():
                found = self._supers[cls] = self.context.superclasses(cls)
                return found
            seen, todo = {cls}, [cls]
            while todo:
                for up in self.values(todo.pop(), _SUBCLASS):
                    if up not in seen:
                        seen.add(up)
                        todo.append(up)
            found = self._supers[cls] = frozenset(seen)
        return found

    def is_instance(self, node: Node, cls: Node) -> bool:
        """Whether ``node`` is a SHACL instance of ``cls`` (``rdf:type/rdfs:subClassOf*``)."""
        key = (node, cls)
        found = self._instances.get(key)
        if found is None:
            if self._same_in_context(node):
                found = self.context.is_instance(node, cls)  # type: ignore[union-attr]
            else:
                found = any(cls in self.superclasses(t) for t in self.types(node))
            self._instances[key] = found
        return found


@dataclass(frozen=True, eq=False)
class _Check:
    """One compiled shape: its targets, its path, and one test per constraint, each giving the
    number of results for a focus node and its values."""

    shape: Node
    path: URIRef
    message: str
    classes: frozenset[Node]
    subjects_of: frozenset[Node]
    objects_of: frozenset[Node]
    nodes: frozenset[Node]
    tests: tuple[Callable[[Index, Node, set[Node]], int], ...]


class CompiledShapes:
    """A shapes graph compiled to checks; :meth:`validate` gives pySHACL's results."""

    def __init__(self, checks: list[_Check]) -> None:
        self.checks = checks
        by_class: dict[Node, list[_Check]] = defaultdict(list)
        for check in checks:
            for cls in check.classes:
                by_class[cls].append(check)
        self._by_class = dict(by_class)
        self._subjects_of = [c for c in checks if c.subjects_of]
        self._objects_of = [c for c in checks if c.objects_of]
        self._nodes = [c for c in checks if c.nodes]
        self._for_types: dict[frozenset[Node], list[_Check]] = {}

    @classmethod
    def from_graph(cls, shapes: Graph) -> CompiledShapes:
        """Compile a shapes graph (targets hoisted onto property shapes, as the Validator uses it);
        Unsupported if it says anything these checks do not implement."""
        checks = []
        shape_nodes = set(shapes.subjects(RDF.type, SH.NodeShape)) | set(shapes.subjects(RDF.type, SH.PropertyShape))
        shape_nodes |= {s for p in TARGETS for s in shapes.subjects(p, None)}
        for shape in sorted(shape_nodes, key=str):
            if (shape, RDF.type, RDFS.Class) in shapes:
                raise Unsupported(f"{shape} is an implicit class target")
            said = {p for p in shapes.predicates(shape, None) if str(p).startswith(str(SH)) or p in SUPPORTED}
            unknown = said - SUPPORTED - {SH.property}
            if unknown:
                raise Unsupported(f"{shape} uses {', '.join(sorted(map(str, unknown)))}")
            targets = {p: frozenset(map(canonical, shapes.objects(shape, p))) for p in TARGETS}
            constraints = tuple((p, canonical(o)) for p in CONSTRAINTS for o in shapes.objects(shape, p))
            if not any(targets.values()):
                continue  # reached only through other shapes (none here compile), or unused
            if shapes.value(shape, SH.deactivated) == Literal(True):
                continue
            if (shape, SH.property, None) in shapes:
                raise Unsupported(f"{shape} has targets and property shapes (hoist the targets first)")
            if shapes.value(shape, SH.severity, default=SH.Violation) != SH.Violation:
                continue  # only violations are reported
            path = shapes.value(shape, SH.path)
            path = canonical(path) if path is not None else None
            if not constraints:
                continue
            if not isinstance(path, URIRef):
                raise Unsupported(f"{shape}: only a path that is one IRI is compiled, not {path!r}")
            messages = list(shapes.objects(shape, SH.message))
            if len(messages) != 1:
                raise Unsupported(f"{shape} has {len(messages)} sh:message (one is compiled)")
            tests = tuple(_test(shapes, shape, p, o) for p, o in constraints)
            checks.append(_Check(shape, path, str(messages[0]), targets[SH.targetClass], targets[SH.targetSubjectsOf],
                                 targets[SH.targetObjectsOf], targets[SH.targetNode], tests))
        return cls(checks)

    # -- validation -------------------------------------------------------------------------------

    def focus(self, unit: Index, *, with_target_nodes: bool = False) -> dict[Node, list[_Check]]:
        """The unit's focus nodes and the checks each meets."""
        found: dict[Node, list[_Check]] = defaultdict(list)
        for s, by_p in unit.spo.items():
            types = unit.types(s)
            if types and self._by_class:
                found[s].extend(self._checks_for(unit, frozenset(types)))
            for check in self._subjects_of:
                if any(unit.values(s, p) for p in check.subjects_of):
                    found[s].append(check)
            for check in self._objects_of:
                for p in check.objects_of:
                    for o in by_p.get(p, ()):
                        found[o].append(check)
        if with_target_nodes:
            for check in self._nodes:
                for node in check.nodes:
                    found[node].append(check)
        return found

    def _checks_for(self, unit: Index, types: frozenset[Node]) -> list[_Check]:
        """The checks that target instances of ``types`` (cached: the class hierarchy is the
        ontology's, the same in every unit)."""
        found = self._for_types.get(types)
        if found is None:
            classes = set().union(*(unit.superclasses(t) for t in types))
            found = list(dict.fromkeys(c for cls in classes & self._by_class.keys() for c in self._by_class[cls]))
            if unit.has_own_classes():
                return found
            self._for_types[types] = found
        return found

    def results(self, unit: Index, *, with_target_nodes: bool = False) -> dict[Node, list[ShapeResult]]:
        """Every focus node of ``unit`` with its results (empty when it conforms)."""
        out: dict[Node, list[ShapeResult]] = {}
        spo, layers = unit.spo, unit.layers
        for node, checks in self.focus(unit, with_target_nodes=with_target_nodes).items():
            found: list[ShapeResult] = []
            by_path: dict[Node, set[Node]] = {}
            # What unit.values(node, path) reads, looked up once per node rather than per path.
            own = spo.get(node)
            more = [by_p for layer in layers if (by_p := layer.get(node)) is not None]
            for check in dict.fromkeys(checks) if len(checks) > 1 else checks:  # each shape checks a node once
                path = check.path
                values = by_path.get(path)
                if values is None:
                    values = own.get(path, _EMPTY) if own is not None else _EMPTY
                    for by_p in more:
                        extra = by_p.get(path)
                        if extra:
                            values = values | extra if values else extra
                    by_path[path] = values
                for test in check.tests:
                    failed = test(unit, node, values)
                    if failed:
                        found.extend([ShapeResult(node, check.path, check.message, check.shape)] * failed)
            out[node] = found
        return out

    def validate(self, unit: Index, *, with_target_nodes: bool = True) -> ShaclReport:
        """Validate ``unit`` as a whole graph (its context included in lookups)."""
        results = [r for rs in self.results(unit, with_target_nodes=with_target_nodes).values() for r in rs]
        return report(results)


def report(results: list[ShapeResult]) -> ShaclReport:
    ordered = sorted(results, key=lambda r: (r.message, str(r.focus)))
    return ShaclReport(not ordered, ordered, f"{len(ordered)} result(s)")


@lru_cache(maxsize=1)
def compiled_shapes() -> CompiledShapes:
    """The project's shapes, compiled (Unsupported when they use what is not compiled)."""
    return CompiledShapes.from_graph(shapes_graph())


@lru_cache(maxsize=1)
def ontology_index() -> Index:
    """The ontology as an index: the context of every unit (class hierarchy, controlled values)."""
    return Index(ontology_graph())


# -- the components, after pySHACL's own code -------------------------------------------------------


def _test(shapes: Graph, shape: Node, component: Node, param: Any) -> Callable[[Index, Node, set[Node]], int]:
    """One constraint as a function of (unit, focus node, its values) giving its number of results."""
    if component == SH.minCount:
        least = int(param)
        return lambda unit, focus, values: 1 if len(values) < least else 0
    if component == SH.maxCount:
        most = int(param)
        return lambda unit, focus, values: 1 if len(values) > most else 0
    if component == SH["class"]:
        def test_class(unit: Index, focus: Node, values: set[Node]) -> int:
            failed = 0
            for v in values:
                if isinstance(v, Literal) or not unit.is_instance(v, param):
                    failed += 1
            return failed
        return test_class
    if component == SH.datatype:
        def test_datatype(unit: Index, focus: Node, values: set[Node]) -> int:
            failed = 0
            for v in values:
                if not _datatype_matches(v, param):
                    failed += 1
            return failed
        return test_datatype
    if component == SH.nodeKind:
        kinds = _KINDS.get(param, ())

        def test_kind(unit: Index, focus: Node, values: set[Node]) -> int:
            failed = 0
            for v in values:
                if not isinstance(v, kinds):
                    failed += 1
            return failed
        return test_kind
    if component == SH.pattern:
        flags = str(shapes.value(shape, SH.flags) or "").lower()
        regex = re.compile(str(param.value if isinstance(param, Literal) else param),
                           (re.I if "i" in flags else 0) | (re.M if "m" in flags else 0))
        return lambda unit, focus, values: sum(
            1 for v in values if isinstance(v, BNode) or not (regex.match(_string(v)) or regex.search(_string(v))))
    if component == SH["in"]:
        allowed = frozenset(map(canonical, Collection(shapes, param)))
        return lambda unit, focus, values: len(values - allowed) if values else 0
    if component == SH.hasValue:
        return lambda unit, focus, values: 0 if param in values else 1
    if component in _RANGES:
        accept = _RANGES[component]
        return lambda unit, focus, values: sum(1 for v in values if not _in_range(v, param, accept))
    if component in (SH.lessThan, SH.lessThanOrEquals):
        strict = component == SH.lessThan
        return lambda unit, focus, values: _compare_pair(values, unit.values(focus, param), strict=strict)
    raise Unsupported(str(component))  # pragma: no cover - refused before


def _datatype_matches(v: Node, datatype: Node) -> bool:
    if not isinstance(v, Literal):
        return False
    if v.datatype == datatype:
        return getattr(v, "ill_typed", None) is not True and _actual_datatype(v, datatype)
    if datatype == RDFS.Literal:
        return True
    if datatype == RDFS.Datatype and v.datatype:
        return True
    if v.datatype is None and v.language is None and datatype == XSD.string:
        return _actual_datatype(v, datatype)
    if datatype == RDF.langString and v.language:
        return _actual_datatype(v, datatype)
    return False


_PYTHON_TYPES: dict[Node, type | tuple[type, ...]] = {
    XSD.string: (str, bytes), RDF.langString: (str, bytes), XSD.integer: int, XSD.float: float,
    XSD.decimal: Decimal, XSD.boolean: bool, XSD.date: date, XSD.time: time, XSD.dateTime: datetime}


def _actual_datatype(v: Literal, datatype: Node) -> bool:
    expected = _PYTHON_TYPES.get(datatype)
    return True if expected is None else isinstance(v.value, expected)


_KINDS = {SH.IRI: (URIRef,), SH.BlankNode: (BNode,), SH.Literal: (Literal,), SH.BlankNodeOrIRI: (BNode, URIRef),
          SH.BlankNodeOrLiteral: (BNode, Literal), SH.IRIOrLiteral: (URIRef, Literal)}


def _string(v: Node) -> str:
    if isinstance(v, Literal) and v.value is not None and v.datatype in (None, RDF.langString, XSD.string):
        return str(v.value)
    return str(v)


_RANGES = {SH.minInclusive: lambda c: c >= 0, SH.maxInclusive: lambda c: c <= 0,
           SH.minExclusive: lambda c: c > 0, SH.maxExclusive: lambda c: c < 0}


def _in_range(v: Node, bound: Literal, accept: Any) -> bool:
    if not isinstance(v, Literal):
        return False
    bound_is_string, v_is_string = isinstance(bound.value, str), isinstance(v.value, str)
    if bound_is_string != v_is_string:
        return False
    try:
        from pyshacl.rdfutil.compare import compare_literal  # pySHACL's own comparison, imported when needed
        return accept(compare_literal(v, bound))
    except (TypeError, NotImplementedError):
        return False


def _compare_pair(values: set[Node], others: set[Node], *, strict: bool) -> int:
    failed = 0
    for value in values:
        if isinstance(value, BNode):
            raise Unsupported("sh:lessThan(OrEquals) on a blank node")
        left, left_is_string = _comparable(value)
        for other in others:
            if isinstance(other, BNode):
                raise Unsupported("sh:lessThan(OrEquals) on a blank node")
            right, right_is_string = _comparable(other)
            if left_is_string != right_is_string or not (left < right if strict else left <= right):
                failed += 1
    return failed


def _comparable(node: Node) -> tuple[Any, bool]:
    if isinstance(node, URIRef):
        return str(node), True
    if isinstance(node, Literal) and isinstance(node.value, str):
        return node.value, True
    return node, False
