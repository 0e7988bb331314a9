"""The entity registry: every actor, event and place, found by slug or alias.

References in article files are resolved here. An unknown reference, or one that names an
entity of the wrong kind (an event where an actor is expected), is a curation error that names
the file, line and field.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

from claimgraph.ingest.models import Actor, Event, Place
from claimgraph.ingest.yaml_lines import field_path
from claimgraph.ontology.errors import Problem

Kind = Literal["actor", "event", "place"]


@dataclass(frozen=True)
class Located:
    """A registry entry with the place it was written."""

    kind: Kind
    entry: Actor | Event | Place
    file: str
    line: int | None
    loc: tuple = ()


def _a(noun: str) -> str:
    return ("an " if noun[:1] in "aeiou" else "a ") + noun


def _key(name: str) -> str:
    return " ".join(name.casefold().split())


@dataclass
class Registry:
    entries: dict[str, Located] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)  # casefolded slug/alias -> slug
    problems: list[Problem] = field(default_factory=list)

    def add(self, item: Located) -> None:
        slug = item.entry.slug
        if slug in self.entries:
            first = self.entries[slug]
            self.problems.append(Problem(
                f"slug {slug!r} is already defined at {first.file}:{first.line}",
                item.file, item.line, field_path((*item.loc, "slug"))))
            return
        self.entries[slug] = item
        for name in (slug, item.entry.label, *item.entry.aliases):
            key = _key(name)
            owner = self.names.get(key)
            if owner is None:
                self.names[key] = slug
            elif owner != slug and name != item.entry.label:
                other = self.entries[owner]
                self.problems.append(Problem(
                    f"alias {name!r} already names {owner!r} ({other.file}:{other.line})",
                    item.file, item.line, field_path((*item.loc, "aliases"))))

    def lookup(self, ref: str) -> Located | None:
        slug = self.names.get(_key(ref))
        return self.entries.get(slug) if slug else None

    def resolve(self, ref: str, kinds: Iterable[Kind]) -> Located:
        """Find a reference among the allowed kinds; raise LookupError with a helpful message."""
        kinds = tuple(kinds)
        found = self.lookup(ref)
        if found is None:
            hint = self._suggest(ref)
            raise LookupError(f"unknown {' or '.join(kinds)} {ref!r}" + (f" (did you mean {hint!r}?)" if hint else "")
                              + "; add it to corpus/registry/")
        if found.kind not in kinds:
            raise LookupError(f"{ref!r} is {_a(found.kind)}, but {_a(' or '.join(kinds))} is expected here")
        return found

    def _suggest(self, ref: str) -> str | None:
        import difflib
        close = difflib.get_close_matches(_key(ref), list(self.names), n=1, cutoff=0.75)
        return self.names[close[0]] if close else None

    def of_kind(self, kind: Kind) -> list[Located]:
        return [e for e in self.entries.values() if e.kind == kind]
