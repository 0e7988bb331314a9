"""What schemathesis needs to know about this API beyond its OpenAPI schema.

Used by the suite (``tests/api/test_schema_fuzz.py``) and by a manual run of the command line:
``SCHEMATHESIS_HOOKS=tests.api.schema_hooks schemathesis run URL/openapi.json``.

* ``application/sparql-query`` bodies are the query's text, in UTF-8.
* A question's ``since`` and ``until`` bound a period: the API refuses ``since`` after ``until``
  (its description says so; JSON Schema cannot relate two parameters), so generated pairs are
  put in order rather than counted as valid requests refused.
"""

from __future__ import annotations

from typing import Any

import schemathesis

from claimgraph.queries.catalog import PERIODS


@schemathesis.serializer("application/sparql-query")
def sparql_query(ctx: Any, value: Any) -> bytes:
    return value.encode("utf-8") if isinstance(value, str) else str(value).encode("utf-8")


@schemathesis.hook
def map_query(ctx: Any, query: dict[str, Any] | None) -> dict[str, Any] | None:
    if query:
        for first, last in PERIODS:
            a, b = query.get(first), query.get(last)
            if isinstance(a, str) and isinstance(b, str) and a > b:
                query[first], query[last] = b, a
    return query
