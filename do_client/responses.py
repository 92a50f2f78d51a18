"""Reading DO's response bodies: JSON with exact decimals, and DO's error body.

All JSON is parsed with ``parse_float=Decimal``, so a price like ``0.00743999984115362`` comes
back as exactly that ``Decimal``, never a binary float. Integers stay ``int``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import httpx

from .errors import DOAPIError, DOBadResponse, DORateLimited, api_error_class

__all__ = ["api_error", "expect_key", "parse_json"]

Redact = Callable[[str], str]

_SNIPPET_CHARS = 200


def parse_json(response: httpx.Response, *, redact: Redact) -> Any:
    """The parsed body; None for 204 (and an empty 202). Not JSON raises DOBadResponse."""
    if response.status_code == 204 or (response.status_code == 202 and not response.content):
        return None
    try:
        return json.loads(response.text, parse_float=Decimal)
    except ValueError as exc:  # also catches a truncated body: JSON that ends early
        raise DOBadResponse(
            f"{_where(response)} -> {response.status_code}: body is not valid JSON "
            f"({len(response.content)} bytes): {_snippet(response, redact)!r}"
        ) from exc


def expect_key(body: Any, key: str, *, where: str) -> Any:
    """``body[key]``, or DOBadResponse naming what was missing."""
    if not isinstance(body, dict) or key not in body:
        raise DOBadResponse(f"{where}: response has no {key!r}")
    return body[key]


def api_error(
    response: httpx.Response, *, redact: Redact, retry_after: float | None = None
) -> DOAPIError:
    """The typed error for a DO error response, from ``{"id", "message", "request_id"}``."""
    try:
        body = json.loads(response.text, parse_float=Decimal)
    except ValueError:
        body = None
    if isinstance(body, dict):
        error_id, message, request_id = body.get("id"), body.get("message"), body.get("request_id")
    else:  # e.g. an HTML page from a load balancer in front of DO
        error_id, message, request_id = None, _snippet(response, redact), None
    fields: dict[str, Any] = {
        "method": response.request.method,
        "path": response.request.url.raw_path.decode("ascii", "replace"),
    }
    cls = api_error_class(response.status_code)
    if cls is DORateLimited:
        fields["retry_after"] = retry_after
    return cls(
        response.status_code,
        redact(str(error_id)) if error_id is not None else None,
        redact(str(message)) if message is not None else None,
        str(request_id or response.headers.get("x-request-id") or "") or None,
        **fields,
    )


def _where(response: httpx.Response) -> str:
    return f"{response.request.method} {response.request.url.raw_path.decode('ascii', 'replace')}"


def _snippet(response: httpx.Response, redact: Redact) -> str:
    return redact(response.text[:_SNIPPET_CHARS])
