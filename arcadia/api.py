"""API plumbing shared by every app: the one exception handler, role permissions, strict
filtering and pagination."""

from __future__ import annotations

from typing import Any

from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import permissions, status
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.settings import api_settings
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


class StrictFilterBackend(DjangoFilterBackend):
    """django-filter, plus a 400 naming any query parameter the endpoint doesn't know.

    A typo such as `?knd=droplet` would otherwise be ignored and return everything."""

    always_allowed = frozenset({"page", "page_size", "format"})

    def filter_queryset(self, request: Any, queryset: Any, view: Any) -> Any:
        allowed = set(self.always_allowed)
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is not None:
            allowed.update(filterset_class.base_filters)
        if getattr(view, "search_fields", None):
            allowed.add(api_settings.SEARCH_PARAM)
        if getattr(view, "ordering_fields", None):
            allowed.add(api_settings.ORDERING_PARAM)
        allowed.update(getattr(view, "extra_query_params", ()))
        unknown = sorted(set(request.query_params) - allowed)
        if unknown:
            raise ValidationError(
                {name: ["Unknown query parameter."] for name in unknown}
                | {"allowed": sorted(allowed)}
            )
        return super().filter_queryset(request, queryset, view)


class StandardPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


def canonical_paths(result: dict[str, Any], generator: Any, request: Any, public: bool) -> Any:
    """drf-spectacular hook: the routers accept an optional trailing slash (`/?`), which
    the schema would print as `/drift/`; document the canonical form, `/drift`."""
    result["paths"] = {
        (path.rstrip("/") or "/"): item for path, item in result.get("paths", {}).items()
    }
    return result
