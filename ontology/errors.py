"""The one place where claimgraph's errors are defined.

Every error the product raises on purpose derives from :class:`ClaimgraphError`. The CLI maps
them to exit codes (0 ok, 1 invalid input, 2 any other error) and the API maps them to HTTP
statuses in ``claimgraph.api.errors``; nothing else needs to know the hierarchy.

>>> err = CorpusError("unknown actor 'rusia'", file="corpus/articles/a.yaml", line=12, field="claims[0].speaker")
>>> str(err)
"corpus/articles/a.yaml:12: claims[0].speaker: unknown actor 'rusia'"
>>> isinstance(err, InvalidInput)
True
"""

from __future__ import annotations

from dataclasses import dataclass


class ClaimgraphError(Exception):
    """Base of every error claimgraph raises on purpose."""

    exit_code = 2


class InvalidInput(ClaimgraphError):
    """The caller's input is wrong: a corpus file, a parameter, a query. Exit code 1."""

    exit_code = 1


@dataclass(frozen=True)
class Problem:
    """One problem found in a corpus file: where it is and what is wrong."""

    message: str
    file: str | None = None
    line: int | None = None
    field: str | None = None

    def __str__(self) -> str:
        where = ":".join(str(p) for p in (self.file, self.line) if p is not None)
        parts = [p for p in (where, self.field, self.message) if p]
        return ": ".join(parts)


class CorpusError(InvalidInput):
    """One or more problems in the curated corpus; nothing was written."""

    def __init__(self, message: str | None = None, *, file: str | None = None,
                 line: int | None = None, field: str | None = None,
                 problems: list[Problem] | None = None) -> None:
        self.problems = list(problems or [])
        if message is not None:
            self.problems.insert(0, Problem(message, file, line, field))
        super().__init__("\n".join(str(p) for p in self.problems))


class ShapeViolation(CorpusError):
    """The graph built from the corpus breaks a SHACL shape of the ontology."""


class ParameterError(InvalidInput):
    """A question parameter is missing, unknown or malformed."""


class QuerySyntaxError(InvalidInput):
    """A SPARQL query does not parse."""


class ForbiddenQuery(InvalidInput):
    """A query the read-only endpoint refuses: updates, LOAD, SERVICE, foreign graphs."""


class QueryTooLong(InvalidInput):
    """A query longer than the configured cap."""


class UnknownFunction(QuerySyntaxError):
    """A query calls a function the endpoint does not offer (not SPARQL's own, not an XSD cast)."""


class QueryFailed(InvalidInput):
    """The engine could not evaluate a query that parses (a feature or an argument it does not support)."""


class QueryTooCostly(InvalidInput):
    """A query needs more than a query may take: a worker's memory, or an answer's bytes."""


class NotAcceptable(InvalidInput):
    """None of the media types the client accepts can carry this kind of answer."""

    def __init__(self, offered: tuple[str, ...] | list[str]) -> None:
        self.offered = tuple(offered)
        super().__init__("none of the requested media types is available for this answer; offered: "
                         + ", ".join(self.offered))

    def __reduce__(self) -> tuple[object, ...]:  # crosses the process boundary with its offer
        return (type(self), (self.offered,))


class TooManyRequests(InvalidInput):
    """One client has too many queries in flight at once; it should wait for an answer first."""


class NotFound(ClaimgraphError):
    """A slug or question that does not exist."""

    exit_code = 1


class BackendError(ClaimgraphError):
    """The store failed or could not be reached."""


class StoreMissing(BackendError):
    """No store at the configured location: run `claimgraph ingest` first."""


class StoreBusy(BackendError):
    """Another ingest holds the store's writers' lock past the time allowed to wait for it."""


class QueryTimeout(BackendError):
    """A query ran past its time limit and was stopped."""


class Busy(BackendError):
    """Too many queries at once; retry shortly."""


class WritesNotSupported(BackendError):
    """The store does not take this kind of write (the embedded store is replaced whole)."""


class ResultTruncated(BackendError):
    """The server cut the answer at its own row cap (Virtuoso's ResultSetMaxRows)."""


class InvalidSetting(InvalidInput):
    """A setting (an environment variable) has a value that is not valid."""
