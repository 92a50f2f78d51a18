"""API plumbing shared by every app: the one exception handler, role permissions, the
router (ASCII ids), strict filtering and pagination (a malformed or unknown query
parameter is a 400 naming it), and the schema hooks that document all of it."""

from __future__ import annotations

import re
from typing import Any

import django_filters
from django import forms
from django.core.exceptions import ImproperlyConfigured, RequestDataTooBig
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.utils import extend_schema_field
from rest_framework import permissions, status
from rest_framework.exceptions import ValidationError
from rest_framework.filters import OrderingFilter, SearchFilter
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

from arcadia.errors import Conflict, DomainError, InvalidInput, NotFound
from arcadia.http_errors import REQUEST_TOO_LARGE
from arcadia.request_id import current_request_id

_STATUS = {
    InvalidInput: status.HTTP_400_BAD_REQUEST,
    NotFound: status.HTTP_404_NOT_FOUND,
    Conflict: status.HTTP_409_CONFLICT,
}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    response = _error_response(exc, context)
    # Every error body names its request (arcadia.request_id), as its log lines do.
    request_id = current_request_id()
    if response is not None and request_id and isinstance(response.data, dict):
        response.data = {**response.data, "request_id": request_id}
    return response


def _error_response(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, RequestDataTooBig):  # from arcadia.parsers; Django's own is a 400
        return Response(REQUEST_TOO_LARGE, status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
    if isinstance(exc, DomainError):
        code = next(
            (code for cls, code in _STATUS.items() if isinstance(exc, cls)),
            status.HTTP_400_BAD_REQUEST,
        )
        return Response(exc.as_payload(), status=code)
    return drf_exception_handler(exc, context)


class IsPlatformAdmin(permissions.BasePermission):
    """Operators of the platform (DESIGN.md, "Tenants and roles"), as the user model's
    `has_platform_role` decides it (`tenants.roles`: the console asks the same), read
    from the user so that `arcadia/` imports no domain app."""

    message = "Only platform admins may do this."

    def has_permission(self, request: Any, view: Any) -> bool:
        return bool(getattr(request.user, "has_platform_role", False))


# --- ids --------------------------------------------------------------------------------

# Ids are ASCII digits: Python's `\d` (and `int()`) also take fullwidth and other
# scripts' digits, so `/resources/%EF%BC%91` (a fullwidth one) would be resource 1.
ID_PATTERN = "[0-9]+"
ID_MAX = 2**63 - 1  # bigint primary keys (DEFAULT_AUTO_FIELD)
ID_SCHEMA: dict[str, Any] = {"type": "integer", "format": "int64", "minimum": 1, "maximum": ID_MAX}
_ASCII_INTEGER = re.compile(r"-?[0-9]{1,20}")


class ApiRouter(SimpleRouter):
    """The routers of `/api/v1/`: an optional trailing slash, ids of ASCII digits
    unless a viewset declares its own `lookup_value_regex`, and only scoped viewsets."""

    def __init__(self) -> None:
        super().__init__()
        self.trailing_slash = "/?"  # the constructor only takes a bool

    def register(self, prefix: str, viewset: Any, basename: str | None = None) -> None:
        # Routes are registered once the settings (and DRF's generic views) are loaded.
        from arcadia.viewsets import ScopedViewSet

        if not issubclass(viewset, ScopedViewSet):
            raise ImproperlyConfigured(
                f"{viewset.__name__} is not an arcadia.viewsets.ScopedViewSet: every API "
                "viewset's queryset is scoped to the asking user."
            )
        super().register(prefix, viewset, basename)

    def get_lookup_regex(self, viewset: Any, lookup_prefix: str = "") -> str:
        lookup_field = getattr(viewset, "lookup_field", "pk")
        kwarg = getattr(viewset, "lookup_url_kwarg", None) or lookup_field
        value = getattr(viewset, "lookup_value_regex", None)
        if value is None:
            if lookup_field not in ("pk", "id"):
                raise ImproperlyConfigured(
                    f"{viewset.__name__} looks up by {lookup_field!r}: "
                    "give it a lookup_value_regex."
                )
            value = ID_PATTERN
        return f"(?P<{lookup_prefix}{kwarg}>{value})"


def parse_ascii_int(raw: str, *, name: str, minimum: int, maximum: int) -> int:
    """A query parameter's integer: ASCII digits only, within bounds; a 400 naming it."""
    if not _ASCII_INTEGER.fullmatch(raw):
        raise ValidationError({name: [f"Expected an integer from {minimum} to {maximum}."]})
    value = int(raw)
    if not minimum <= value <= maximum:
        raise ValidationError({name: [f"Expected an integer from {minimum} to {maximum}."]})
    return value


# --- filters ----------------------------------------------------------------------------


class AsciiIntegerField(forms.IntegerField):
    """forms.IntegerField takes `2.0`, ` 2 ` and fullwidth digits; this takes ASCII digits only."""

    def to_python(self, value: Any) -> int | None:
        if value is None:
            return None
        text = str(value)
        if not _ASCII_INTEGER.fullmatch(text):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return int(text)


@extend_schema_field(ID_SCHEMA)
class IdFilter(django_filters.NumberFilter):
    """An id (or any positive bigint): `?project=2.5`, `?tenant=1e51` and fullwidth
    digits are a 400 naming the parameter, not project 2 or a database error."""

    field_class = AsciiIntegerField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", ID_MAX)
        super().__init__(*args, **kwargs)


class StrictBooleanField(forms.Field):
    """`true` or `false`; django-filter's default reads anything else as "not given"."""

    widget = forms.TextInput  # NullBooleanSelect would map `junk` to None
    default_error_messages = {"invalid": "Expected true or false."}

    def to_python(self, value: Any) -> bool | None:
        if value is None:
            return None
        if value in ("true", "false"):
            return value == "true"
        raise forms.ValidationError(self.error_messages["invalid"], code="invalid")


class StrictBooleanFilter(django_filters.BooleanFilter):
    field_class = StrictBooleanField


# --- filter backends --------------------------------------------------------------------


def _listing(view: Any) -> bool:
    # Filters, search and ordering shape a list; one object is found by its id alone.
    return getattr(view, "action", "list") == "list"


class StrictFilterBackend(DjangoFilterBackend):
    """django-filter, plus a 400 naming any query parameter the endpoint doesn't know
    or that is given empty (`?kind=`).

    A typo such as `?knd=droplet` would otherwise be ignored and return everything. A
    list knows its filters, `search` (with `search_fields`), `ordering` (with
    `ordering_fields`) and paging; another action only `format` and the names in its
    `extra_query_params`."""

    always_allowed = frozenset({"format"})

    def allowed_params(self, view: Any, queryset: Any) -> set[str]:
        allowed = set(self.always_allowed) | set(getattr(view, "extra_query_params", ()))
        if not _listing(view):
            return allowed
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is not None:
            allowed.update(filterset_class.base_filters)
        if getattr(view, "search_fields", None):
            allowed.add(api_settings.SEARCH_PARAM)
        if getattr(view, "ordering_fields", None):
            allowed.add(api_settings.ORDERING_PARAM)
        paginator = getattr(view, "paginator", None)
        if paginator is not None:
            allowed.add(paginator.page_query_param)
            if paginator.page_size_query_param:
                allowed.add(paginator.page_size_query_param)
        return allowed

    def filter_queryset(self, request: Any, queryset: Any, view: Any) -> Any:
        allowed = self.allowed_params(view, queryset)
        unknown = sorted(set(request.query_params) - allowed)
        if unknown:
            raise ValidationError(
                {name: ["Unknown query parameter."] for name in unknown}
                | {"allowed": sorted(allowed)}
            )
        empty = sorted(name for name, value in request.query_params.items() if value == "")
        if empty:
            raise ValidationError({name: ["This parameter may not be empty."] for name in empty})
        if not _listing(view):
            return queryset
        return super().filter_queryset(request, queryset, view)


class StrictSearchFilter(SearchFilter):
    """SearchFilter, documented only where the view has `search_fields` (elsewhere the
    parameter is unknown, a 400)."""

    def get_search_terms(self, request: Any) -> list[str]:
        value = request.query_params.get(self.search_param, "")
        if "\x00" in value:
            raise ValidationError({self.search_param: ["Null characters are not allowed."]})
        return super().get_search_terms(request)

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        if not getattr(view, "search_fields", None):
            return []
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["description"] = "Matches " + ", ".join(
                f"`{name.lstrip('^=@$')}`" for name in view.search_fields
            )
        return parameters


class StrictOrderingFilter(OrderingFilter):
    """OrderingFilter that refuses an unknown field (a 400 naming `ordering`) instead of
    dropping it, and documents the fields it takes."""

    def get_ordering(self, request: Any, queryset: Any, view: Any) -> Any:
        params = request.query_params.get(self.ordering_param)
        if not params or not getattr(view, "ordering_fields", None):
            return self.get_default_ordering(view)
        valid = {name for name, _ in self.get_valid_fields(queryset, view, {"request": request})}
        terms = params.split(",")
        unknown = [term for term in terms if term.removeprefix("-") not in valid]
        if unknown:
            raise ValidationError(
                {
                    self.ordering_param: [
                        f"Unknown ordering field {unknown[0]!r}; one of "
                        + ", ".join(sorted(valid))
                        + ", each optionally prefixed with '-'."
                    ]
                }
            )
        return terms

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        declared = getattr(view, "ordering_fields", None) or []
        fields = [f if isinstance(f, str) else f[0] for f in declared]
        if not fields:
            return []
        return [
            {
                "name": self.ordering_param,
                "required": False,
                "in": "query",
                "description": "Comma-separated fields to sort by; `-` sorts descending.",
                "style": "form",
                "explode": False,
                "schema": {
                    "type": "array",
                    "minItems": 1,
                    "items": {"type": "string", "enum": [*fields, *(f"-{f}" for f in fields)]},
                },
            }
        ]


# --- pagination -------------------------------------------------------------------------


class StandardPagination(PageNumberPagination):
    """Page numbers; `page` and `page_size` are positive integers (`page_size` at most
    `max_page_size`), anything else a 400 naming them. A page past the last is a 404."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
    last_page_strings = ()  # `page=last` is not an integer: the schema says integer

    def get_page_size(self, request: Any) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        return parse_ascii_int(
            raw, name=self.page_size_query_param, minimum=1, maximum=self.max_page_size
        )

    def get_page_number(self, request: Any, paginator: Any) -> int:
        raw = request.query_params.get(self.page_query_param)
        if raw is None:
            return 1
        return parse_ascii_int(raw, name=self.page_query_param, minimum=1, maximum=ID_MAX)

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        return [
            {
                "name": self.page_query_param,
                "required": False,
                "in": "query",
                "description": "A page number; past the last page is a 404.",
                "schema": {"type": "integer", "format": "int64", "minimum": 1, "maximum": ID_MAX},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": f"Results per page (default {self.page_size}).",
                "schema": {"type": "integer", "minimum": 1, "maximum": self.max_page_size},
            },
        ]


# --- the schema -------------------------------------------------------------------------

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": (
        "An error. `detail` says what went wrong (401, 403, 404, 409...); a 400 for bad "
        "input maps each parameter or field it refuses to its messages."
    ),
    "properties": {
        "detail": {"type": "string"},
        "code": {"type": "string"},
        "request_id": {
            "type": "string",
            "description": "The request's id, as in its X-Request-ID header and log lines.",
        },
    },
    "additionalProperties": True,
}

ERROR_RESPONSES = {
    "400": "Invalid input: an unknown or malformed query parameter, or an invalid body.",
    "401": "Not authenticated: no, or an invalid, token or session.",
    "403": "Not allowed: not a platform admin, or a session request without its CSRF token.",
    "404": "Not found: no such object (or not yours), or a page past the last.",
    "429": "Throttled: retry after `Retry-After` seconds.",
}
BODY_ERROR_RESPONSES = {
    "413": "The body is too large.",
    "415": "The body is not JSON (or form data).",
}


# What DRF's trim_whitespace strips (str.strip) that a JSON Schema `\s` does not match.
_NOT_BLANK = r"[^\s\x1c-\x1f]"


class StrictCharFieldSchema(OpenApiSerializerFieldExtension):
    """A body string that may not be blank says so: DRF strips it first, so `" "` is as
    blank as `""` (a 400), and the schema has to refuse both (minLength, a pattern)."""

    target_class = "arcadia.validation.StrictCharField"
    match_subclasses = True

    def map_serializer_field(self, auto_schema: Any, direction: Any) -> Any:
        schema = auto_schema._map_serializer_field(self.target, direction, bypass_extensions=True)
        if not self.target.allow_blank:
            schema["minLength"] = max(schema.get("minLength", 0), 1)
            if self.target.trim_whitespace:
                schema.setdefault("pattern", _NOT_BLANK)
        return schema


class ReferenceFieldSchema(StrictCharFieldSchema):
    """A reference in a body: an id (an integer) or a name such as a URN (a string)."""

    target_class = "arcadia.validation.ReferenceField"
    priority = 1

    def map_serializer_field(self, auto_schema: Any, direction: Any) -> Any:
        name = super().map_serializer_field(auto_schema, direction)
        description = name.pop("description", None)
        schema: dict[str, Any] = {"oneOf": [dict(ID_SCHEMA), name]}
        if description:
            schema["description"] = description
        return schema


def canonical_paths(result: dict[str, Any], generator: Any, request: Any, public: bool) -> Any:
    """drf-spectacular hook: the routers accept an optional trailing slash (`/?`), which
    the schema would print as `/drift/`; document the canonical form, `/drift`."""
    result["paths"] = {
        (path.rstrip("/") or "/"): item for path, item in result.get("paths", {}).items()
    }
    return result


def document_errors(result: dict[str, Any], generator: Any, request: Any, public: bool) -> Any:
    """drf-spectacular hook: what every operation can answer besides success, and what
    its parameters take.

    - 400, 401, 403, 404 and 429 (and 413, 415 with a body) with the JSON `Error` body
      (an operation's own description of a code is kept; its body is the error schema);
    - path ids are integers 1..2**63-1 (the routers take ASCII digits only);
    - a query parameter that is given may not be empty (`minLength`/`minItems` 1)."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["Error"] = ERROR_SCHEMA
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for item in result.get("paths", {}).values():
        for operation in item.values():
            responses = operation.setdefault("responses", {})
            codes = dict(ERROR_RESPONSES)
            if "requestBody" in operation:
                codes.update(BODY_ERROR_RESPONSES)
            for code, description in codes.items():
                response = responses.setdefault(code, {"description": description})
                response["content"] = error
            for parameter in operation.get("parameters", []):
                schema = parameter.get("schema", {})
                if parameter["in"] == "path" and (
                    schema.get("type") == "integer" or schema.get("pattern") == f"^{ID_PATTERN}$"
                ):
                    parameter["schema"] = dict(ID_SCHEMA)
                elif (
                    parameter["in"] == "query"
                    and schema.get("type") == "string"
                    and "enum" not in schema
                ):
                    schema.setdefault("minLength", 1)
    return result
