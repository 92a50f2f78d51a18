"""Errors raised by the DigitalOcean client.

Every failure of a DO call surfaces as one of these; httpx's own exceptions are translated at
the client's single request boundary, so callers never catch httpx types.

    DOError
    ├── DOTransportError        timeout / connection failure, after retries ran out
    ├── DOBadResponse           body not JSON, truncated, or missing the expected key
    └── DOAPIError              DO answered with an error status
        ├── DOUnauthorized      401
        ├── DOForbidden         403
        ├── DONotFound          404
        ├── DOUnprocessable     422
        ├── DORateLimited       429, after retries ran out (or the wait was too long)
        └── DOServerError       5xx

No message here ever contains the API token: the client only passes method, path, status,
DO's error body and short body snippets, and it redacts the token from those too.
"""

from __future__ import annotations

__all__ = [
    "DOAPIError",
    "DOBadResponse",
    "DOError",
    "DOForbidden",
    "DONotFound",
    "DORateLimited",
    "DOServerError",
    "DOTransportError",
    "DOUnauthorized",
    "DOUnprocessable",
    "api_error_class",
]


class DOError(Exception):
    """Base class of every error the DO client raises."""


class DOTransportError(DOError):
    """The request got no usable HTTP response (timeout, connection error)."""


class DOBadResponse(DOError):
    """DO answered 2xx, but the body is not what the API promises."""


class DOAPIError(DOError):
    """DO answered with an error status; carries DO's error body fields.

    DO's error body is ``{"id": "not_found", "message": "...", "request_id": "..."}``.
    """

    def __init__(
        self,
        status_code: int,
        error_id: str | None,
        message: str | None,
        request_id: str | None,
        *,
        method: str = "",
        path: str = "",
    ) -> None:
        self.status_code = status_code
        self.error_id = error_id
        self.message = message
        self.request_id = request_id
        self.method = method
        self.path = path
        super().__init__(self._describe())

    def _describe(self) -> str:
        where = f" on {self.method} {self.path}" if self.method else ""
        text = f"DO {self.status_code} {self.error_id or 'error'}{where}: {self.message or ''}"
        if self.request_id:
            text += f" (request_id={self.request_id})"
        return text

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(status_code={self.status_code!r}, "
            f"error_id={self.error_id!r}, message={self.message!r}, "
            f"request_id={self.request_id!r})"
        )


class DOUnauthorized(DOAPIError):
    """401: the token is missing, wrong or revoked."""


class DOForbidden(DOAPIError):
    """403: the token lacks the scope for this call."""


class DONotFound(DOAPIError):
    """404: the resource does not exist (or is not visible to this token)."""


class DOUnprocessable(DOAPIError):
    """422: DO refused the request body."""


class DORateLimited(DOAPIError):
    """429 after the client's retries ran out, or when DO asked for a wait too long to block on.

    ``retry_after`` is the wait in seconds the client computed, when it knew one, so a
    task can reschedule itself instead of blocking a worker.
    """

    def __init__(
        self,
        status_code: int,
        error_id: str | None,
        message: str | None,
        request_id: str | None,
        *,
        method: str = "",
        path: str = "",
        retry_after: float | None = None,
    ) -> None:
        self.retry_after = retry_after
        super().__init__(status_code, error_id, message, request_id, method=method, path=path)


class DOServerError(DOAPIError):
    """5xx: DO failed; safe requests were already retried."""


_BY_STATUS: dict[int, type[DOAPIError]] = {
    401: DOUnauthorized,
    403: DOForbidden,
    404: DONotFound,
    422: DOUnprocessable,
    429: DORateLimited,
}


def api_error_class(status_code: int) -> type[DOAPIError]:
    """The most specific error class for an HTTP error status."""
    if status_code >= 500:
        return DOServerError
    return _BY_STATUS.get(status_code, DOAPIError)
