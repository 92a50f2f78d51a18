"""API plumbing shared by every app: the one exception handler and role permissions."""

from __future__ import annotations

from typing import Any

from rest_framework import permissions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from arcadia.errors import Conflict, DomainError, InvalidInput, NotFound

_STATUS = {
    InvalidInput: status.HTTP_400_BAD_REQUEST,
    NotFound: status.HTTP_404_NOT_FOUND,
    Conflict: status.HTTP_409_CONFLICT,
}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DomainError):
        code = next(
            (code for cls, code in _STATUS.items() if isinstance(exc, cls)),
            status.HTTP_400_BAD_REQUEST,
        )
        return Response(exc.as_payload(), status=code)
    return drf_exception_handler(exc, context)


class IsPlatformAdmin(permissions.BasePermission):
    """Operators of the platform (DESIGN.md, "Tenants and roles")."""

    message = "Only platform admins may do this."

    def has_permission(self, request: Any, view: Any) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.is_platform_admin)
