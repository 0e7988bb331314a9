"""How a failure to talk to a SPARQL server becomes a claimgraph error, for reads and writes alike.

>>> str(transport_error(TimeoutError(), "http://127.0.0.1:9/sparql", 2.5))
'http://127.0.0.1:9/sparql did not answer within 2.5 s'
>>> type(transport_error(ConnectionRefusedError("refused"), "http://127.0.0.1:9/sparql", 2)).__name__
'BackendError'
"""

from __future__ import annotations

import http.client
import socket
import urllib.error

from claimgraph.ontology.errors import BackendError, QueryTimeout

#: What a failed exchange with a server can raise below the HTTP status level.
TRANSPORT_ERRORS = (TimeoutError, socket.timeout, urllib.error.URLError, OSError, http.client.HTTPException)


def unreachable(exc: BaseException, url: str) -> BackendError:
    reason = getattr(exc, "reason", None) or exc
    return BackendError(f"cannot reach the SPARQL endpoint {url}: {reason}")


def transport_error(exc: BaseException, url: str, timeout: float) -> BackendError:
    """A time-out (the socket's, or one inside a URLError) as QueryTimeout; anything else as a
    BackendError saying the endpoint cannot be reached."""
    if isinstance(exc, (TimeoutError, socket.timeout)) or (
            isinstance(exc, urllib.error.URLError) and isinstance(exc.reason, (TimeoutError, socket.timeout))):
        return QueryTimeout(f"{url} did not answer within {timeout:g} s")
    return unreachable(exc, url)
