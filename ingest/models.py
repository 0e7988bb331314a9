"""The corpus file formats as pydantic models: unknown fields are rejected, values are checked.

These models check shape and controlled values only; whether a reference names a registered
entity is checked later by :mod:`claimgraph.ingest.resolve`, which knows the registry.
The format is documented for curators in ``corpus/README.md``.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from typing import Annotated, Any, Literal, Union

from urllib.parse import urlsplit

import pyoxigraph as ox
from pydantic import (AfterValidator, BaseModel, ConfigDict, Field, StrictInt, StringConstraints, field_validator,
                      model_validator)

from claimgraph.ontology.namespace import VOCABULARIES
from claimgraph.queries.settings import get_settings



def _at_most(setting: str, what: str) -> AfterValidator:
    """At most as many characters as the setting ``CLAIMGRAPH_<SETTING>`` allows (read when
    validating, so that a limit set in the environment applies)."""
    def check(value: str) -> str:
        limit = getattr(get_settings(), setting)
        if len(value) > limit:
            raise ValueError(f"{len(value)} characters, longer than the {limit} characters {what} may have "
                             f"(CLAIMGRAPH_{setting.upper()})")
        return value
    return AfterValidator(check)


_NAME = _at_most("corpus_max_name_length", "a name")
_TEXT = _at_most("corpus_max_text_length", "a text")

SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
Slug = Annotated[str, _NAME, StringConstraints(pattern=SLUG_PATTERN)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1), _TEXT]
Ref = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1), _NAME]
"""A reference to a registered entity: its slug or one of its aliases."""


def _web_address(value: str) -> str:
    """An http(s) IRI that N-Triples, Turtle and SPARQL can carry as it is."""
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError when the port is out of range
    except ValueError as exc:
        raise ValueError(f"not a web address ({exc})") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("not a web address: write it as https://host/...")
    try:
        ox.NamedNode(value)
    except ValueError as exc:
        raise ValueError(f"not a valid IRI ({exc}): percent-encode spaces and the characters <>\"{{}}|\\^`") from None
    return value


Url = Annotated[str, StringConstraints(strip_whitespace=True), _TEXT, AfterValidator(_web_address)]
"""A web address (http or https), checked to be a valid IRI (RFC 3987)."""

#: Bounds of counted things: more deaths than people alive, or paragraphs than any article has, are typos.
MAX_COUNT = 10_000_000_000
MAX_PARAGRAPH = 10_000
Count = Annotated[StrictInt, Field(ge=0, le=MAX_COUNT)]
"""A whole number of things (people, deaths): not a fraction, not true/false, within :data:`MAX_COUNT`."""

MAX_QUOTE_WORDS = 11


def _controlled(scheme: str):
    """A validator that accepts only the slugs of one controlled vocabulary of the ontology."""
    allowed = VOCABULARIES[scheme]

    def check(value: str) -> str:
        if value not in allowed:
            raise ValueError(f"{value!r} is not a valid {scheme}; use one of: {', '.join(sorted(allowed))}")
        return value
    return check


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class TimeBounds(Strict):
    """A possibly vague time: a label and the earliest and latest dates it can mean."""

    label: Text | None = None
    earliest: dt.date
    latest: dt.date

    @model_validator(mode="after")
    def _ordered(self) -> "TimeBounds":
        if self.latest < self.earliest:
            raise ValueError(f"latest ({self.latest}) is before earliest ({self.earliest})")
        return self

    @classmethod
    def parse(cls, value: Any) -> Any:
        """Accept a date, 'YYYY-MM', a year, or a mapping; anything else is left to fail."""
        if isinstance(value, dt.datetime):
            value = value.date()
        if isinstance(value, dt.date):
            return {"earliest": value, "latest": value}
        if isinstance(value, int) and not isinstance(value, bool) and 1000 <= value <= 9999:
            return {"label": str(value), "earliest": dt.date(value, 1, 1), "latest": dt.date(value, 12, 31)}
        if isinstance(value, str):
            m = re.fullmatch(r"(\d{4})-(\d{2})", value.strip())
            if m:
                year, month = int(m[1]), int(m[2])
                if not 1 <= month <= 12:
                    raise ValueError(f"{value!r} has no month {month}")
                last = calendar.monthrange(year, month)[1]
                return {"label": value, "earliest": dt.date(year, month, 1), "latest": dt.date(year, month, last)}
            raise ValueError(f"{value!r} is not a date: write 2025-06-27, 2025-06, 2025 or {{label, earliest, latest}}")
        return value


Time = Annotated[TimeBounds, Field(description="a date, a month, a year or {label, earliest, latest}")]


def _time_before(value: Any) -> Any:
    return TimeBounds.parse(value) if value is not None else None


# ---------------------------------------------------------------- registry

ActorKind = Literal["state", "government-body", "person", "organization", "news-outlet", "group", "unnamed-source"]


class Entity(Strict):
    slug: Slug
    label: Text
    aliases: list[Text] = []
    description: Text | None = None


class Actor(Entity):
    kind: ActorKind
    role: Text | None = None
    part_of: list[Ref] = []
    represents: list[Ref] = []
    affiliated_with: list[Ref] = []
    country: Ref | None = None
    state_affiliated: bool | None = None


class Place(Entity):
    located_in: Ref | None = None


class Event(Entity):
    type: str
    place: Ref | None = None
    time: Time | None = None
    participants: list[Ref] = []
    deaths: Count | None = None

    _type = field_validator("type")(_controlled("event-type"))
    _time = field_validator("time", mode="before")(_time_before)


class RegistryFile(Strict):
    actors: list[Actor] = []
    events: list[Event] = []
    places: list[Place] = []


# ---------------------------------------------------------------- propositions

class _Content(Strict):
    pass


class Responsibility(_Content):
    type: Literal["responsibility"]
    event: Ref
    agent: Ref
    mechanism: Text | None = None


class Causal(_Content):
    type: Literal["causal"]
    event: Ref
    cause: Text
    cause_event: Ref | None = None


class Intent(_Content):
    type: Literal["intent"]
    agent: Ref
    intent: Text
    event: Ref | None = None


class Status(_Content):
    type: Literal["status"]
    subject: Ref
    status: str
    object: Ref | None = None

    _status = field_validator("status")(_controlled("status"))


class Accusation(_Content):
    type: Literal["accusation"]
    accused: Ref
    deed: str
    beneficiary: Ref | None = None
    event: Ref | None = None
    detail: Text | None = None

    _deed = field_validator("deed")(_controlled("deed"))


class Prediction(_Content):
    type: Literal["prediction"]
    subject: Ref
    outcome: Text
    event: Ref | None = None


class Call(_Content):
    type: Literal["call"]
    addressee: Ref
    action: Text
    event: Ref | None = None


class Generic(_Content):
    type: Literal["generic"]
    subject: Ref
    predicate: Text
    object: Ref | None = None
    object_text: Text | None = None

    @model_validator(mode="after")
    def _one_object(self) -> "Generic":
        if self.object is not None and self.object_text is not None:
            raise ValueError("give object or object_text, not both")
        return self


Content = Annotated[
    Union[Responsibility, Causal, Intent, Status, Accusation, Prediction, Call, Generic],
    Field(discriminator="type"),
]

# ---------------------------------------------------------------- articles


class Relay(Strict):
    """One link of an attribution chain: who relays the claim, and how."""

    speaker: Ref
    cue: Text | None = None
    certainty: str | None = None

    @field_validator("certainty")
    @classmethod
    def _certainty(cls, value: str | None) -> str | None:
        return None if value is None else _controlled("certainty")(value)


def _relay_before(value: Any) -> Any:
    return {"speaker": value} if isinstance(value, str) else value


class Link(Strict):
    relation: Literal["contradicts", "supports", "responds-to", "revises"]
    claim: Annotated[str, StringConstraints(min_length=1), _NAME]


class Claim(Strict):
    id: Annotated[str, _NAME, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]*$")]
    speaker: Ref
    via: list[Annotated[Relay, Field()]] = []
    illocution: str
    polarity: str
    certainty: str = "underspecified"
    content: Content
    paraphrase: Text
    quote: Text | None = None
    cue: Text | None = None
    time: Time | None = None
    paragraph: Annotated[StrictInt, Field(ge=1, le=MAX_PARAGRAPH)] | None = None
    confidence: str = "high"
    links: list[Link] = []

    _illocution = field_validator("illocution")(_controlled("illocution"))
    _polarity = field_validator("polarity")(_controlled("polarity"))
    _certainty = field_validator("certainty")(_controlled("certainty"))
    _confidence = field_validator("confidence")(_controlled("confidence"))
    _time = field_validator("time", mode="before")(_time_before)

    @field_validator("via", mode="before")
    @classmethod
    def _relays(cls, value: Any) -> Any:
        return [_relay_before(v) for v in value] if isinstance(value, list) else value

    @field_validator("quote")
    @classmethod
    def _short_quote(cls, value: str | None) -> str | None:
        if value is not None and len(value.split()) > MAX_QUOTE_WORDS:
            raise ValueError(f"a verbatim quote stays under twelve words (this one has {len(value.split())})")
        return value


class ArticleMeta(Strict):
    slug: Slug
    title: Text
    published: Time
    outlet: Ref
    author: Ref | None = None
    language: Annotated[str, _NAME, StringConstraints(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]+)*$")] = "en"
    url: Url | None = None
    translation_of: Url | None = None
    seed: Text | None = None

    _published = field_validator("published", mode="before")(_time_before)


class Curation(Strict):
    curator: Slug
    date: dt.date


class ArticleFile(Strict):
    article: ArticleMeta
    curation: Curation
    claims: list[Claim]
