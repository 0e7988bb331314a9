"""Integrity across entries and claims: what no single field can tell.

Each finding is a curation error at the file, line and field where it is written, like any other
problem, and ingestion refuses the corpus:

- a roll-up loop: an actor that is part of itself through ``part_of`` and ``represents``
  (russia part of russian-government, part of russia), or a place located in itself; questions
  that roll actors up would never end, or count a claim twice;
- an attribution chain that loops: a relay named twice in ``via``, or the speaker among its own
  relays;
- a claim linked to itself (it ``revises`` or ``contradicts`` itself), or revisions in a circle.

Names are compared as the entities they resolve to, so "Moscow" and "russian-government" are
the same relay. A reference that resolves to nothing is left to the builder, which reports it.

>>> find_cycles({"a": ["b"], "b": ["c"], "c": ["a"], "d": ["d"], "e": ["a"]})
[['a', 'b', 'c'], ['d']]
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from claimgraph.ingest.registry import Located, Registry
from claimgraph.ingest.yaml_lines import field_path
from claimgraph.ontology.errors import Problem

if TYPE_CHECKING:
    from claimgraph.ingest.load import SourcedArticle

#: Relations that roll an actor up into another: a loop in them is refused.
ROLL_UP = ("part_of", "represents")
#: Links between claims that must not run in a circle (a claim cannot be older than itself).
ACYCLIC_LINKS = ("revises",)


def find_cycles(edges: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """Every loop of a directed graph, once each (as its strongly connected component, from its
    smallest member, in the order met), found without recursion."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    cycles: list[list[str]] = []
    for root in sorted(edges):
        if root in index:
            continue
        work: list[tuple[str, Any]] = [(root, iter(sorted(set(edges.get(root, ())))))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(set(edges.get(child, ()))))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1 or node in set(edges.get(node, ())):
                    cycles.append(sorted(component, key=index.__getitem__))
    return sorted(cycles, key=lambda c: min(c))


def _slug(registry: Registry, ref: str | None) -> str | None:
    found = registry.lookup(ref) if ref else None
    return found.entry.slug if found else None


def _loop_problems(registry: Registry, kind: str, fields: tuple[str, ...], noun: str) -> list[Problem]:
    entries = {item.entry.slug: item for item in registry.of_kind(kind)}  # type: ignore[arg-type]
    edges: dict[str, list[tuple[str, str]]] = {}
    for slug, item in entries.items():
        for name in fields:
            value = getattr(item.entry, name, None)
            for ref in [value] if isinstance(value, str) else value or []:
                target = _slug(registry, ref)
                if target in entries:
                    edges.setdefault(slug, []).append((target, name))
    problems = []
    for cycle in find_cycles({s: [t for t, _ in out] for s, out in edges.items()}):
        first: Located = entries[cycle[0]]
        members = set(cycle)
        via = next(name for target, name in edges[cycle[0]] if target in members)
        path = " → ".join([*cycle, cycle[0]])
        problems.append(Problem(f"{noun} loop: {path}; an entity cannot be inside itself",
                                first.file, first.line, field_path((*first.loc, via))))
    return problems


def registry_problems(registry: Registry) -> list[Problem]:
    """Roll-up loops among actors (``part_of``, ``represents``) and places (``located_in``)."""
    return (_loop_problems(registry, "actor", ROLL_UP, "roll-up (" + " / ".join(ROLL_UP) + ")")
            + _loop_problems(registry, "place", ("located_in",), "located_in"))


def _chain_problems(source: SourcedArticle, registry: Registry) -> list[Problem]:
    problems = []
    for i, claim in enumerate(source.model.claims):
        speaker = _slug(registry, claim.speaker)
        seen: dict[str, int] = {}
        for j, relay in enumerate(claim.via):
            who = _slug(registry, relay.speaker)
            if who is None:
                continue
            where = (source.file, source.line("claims", i, "via", j), field_path(("claims", i, "via", j)))
            if who == speaker:
                problems.append(Problem(f"{relay.speaker!r} is the speaker of this claim and cannot also relay it",
                                        *where))
            elif who in seen:
                problems.append(Problem(f"{relay.speaker!r} relays this claim twice (also via[{seen[who]}]): "
                                        "the chain loops", *where))
            seen.setdefault(who, j)
    return problems


def _link_problems(source: SourcedArticle) -> list[Problem]:
    problems = []
    edges: dict[str, list[str]] = {}
    first: dict[str, int] = {}
    for i, claim in enumerate(source.model.claims):
        first.setdefault(claim.id, i)
        for j, link in enumerate(claim.links):
            if link.claim == claim.id:
                problems.append(Problem(f"claim {claim.id!r} cannot {link.relation.replace('-', ' ')} itself",
                                        source.file, source.line("claims", i, "links", j),
                                        field_path(("claims", i, "links", j, "claim"))))
            elif link.relation in ACYCLIC_LINKS:
                edges.setdefault(claim.id, []).append(link.claim)
    for cycle in find_cycles(edges):
        if len(cycle) > 1:
            i = first[cycle[0]]
            problems.append(Problem(f"revisions in a circle: {' → '.join([*cycle, cycle[0]])}",
                                    source.file, source.line("claims", i, "links"), field_path(("claims", i, "links"))))
    return problems


def article_problems(source: SourcedArticle, registry: Registry) -> list[Problem]:
    """Loops in the attribution chains and the links of one article."""
    return _chain_problems(source, registry) + _link_problems(source)


def corpus_problems(registry: Registry, articles: Iterable[SourcedArticle]) -> list[Problem]:
    """Every integrity problem of the corpus: the registry's, then each article's."""
    problems = registry_problems(registry)
    for source in articles:
        problems.extend(article_problems(source, registry))
    return problems

