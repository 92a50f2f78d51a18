"""Request ids (README, "Logs"): taken from the caller's `X-Request-ID` when it is a sane
token, else made; bound to every log line of the request (structlog contextvars), handed
to the Celery tasks the request enqueues (arcadia.celery), returned in the
`X-Request-ID` response header and in every API error body (arcadia.api, .http_errors)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable

import structlog
from django.http import HttpRequest, HttpResponse

from arcadia.log_config import current_request

HEADER = "X-Request-ID"
# What a proxy or client may hand us: short, and nothing a log or header could trip on.
_ACCEPTABLE = re.compile(r"[A-Za-z0-9._:-]{1,128}")


def current_request_id() -> str | None:
    value = structlog.contextvars.get_contextvars().get("request_id")
    return str(value) if value else None


def request_id_of(request: HttpRequest) -> str | None:
    return getattr(request, "request_id", None) or current_request_id()


class RequestIdMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        given = request.headers.get(HEADER, "")
        request_id = given if _ACCEPTABLE.fullmatch(given) else uuid.uuid4().hex
        request.request_id = request_id  # type: ignore[attr-defined]
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id)
        token = current_request.set(request)
        try:
            response = self.get_response(request)
        finally:
            current_request.reset(token)
        response[HEADER] = request_id
        # Left bound: Django logs a 4xx/5xx after the middleware returns, and that line
        # names the request too. The thread's next request clears it first.
        return response
