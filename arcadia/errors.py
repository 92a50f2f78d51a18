"""The domain error tree every app raises from its services.

    DomainError
     ├── InvalidInput   -> 400 (bad field values, unknown references in a body)
     ├── NotFound       -> 404
     └── Conflict       -> 409 (a state transition that no longer applies)

Views, admin actions and commands translate these at their edge; services never
know which surface called them.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    default_code = "error"

    def __init__(self, message: str, *, code: str | None = None, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.code = code or self.default_code
        self.field = field

    def as_payload(self) -> dict[str, Any]:
        if self.field:
            return {self.field: [self.message]}
        return {"detail": self.message, "code": self.code}


class InvalidInput(DomainError):
    default_code = "invalid"


class NotFound(DomainError):
    default_code = "not_found"


class Conflict(DomainError):
    default_code = "conflict"
