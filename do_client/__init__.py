"""do_client: the only code in Arcadia that talks HTTP to DigitalOcean.

A plain, synchronous package (not a Django app). Use ``client_for(purpose)`` for the shared
per-purpose client, or build a ``DOClient`` directly (tests pass an ``httpx.MockTransport``).
"""

from .client import DOClient, client_for, reset_clients
from .errors import (
    DOAPIError,
    DOBadResponse,
    DOError,
    DOForbidden,
    DONotFound,
    DORateLimited,
    DOServerError,
    DOTransportError,
    DOUnauthorized,
    DOUnprocessable,
)
from .pages import Page
from .rate_limits import RateLimit
from .tokens import resolve_token

__all__ = [
    "DOAPIError",
    "DOBadResponse",
    "DOClient",
    "DOError",
    "DOForbidden",
    "DONotFound",
    "DORateLimited",
    "DOServerError",
    "DOTransportError",
    "DOUnauthorized",
    "DOUnprocessable",
    "Page",
    "RateLimit",
    "client_for",
    "reset_clients",
    "resolve_token",
]
