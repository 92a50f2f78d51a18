"""`/api/v1/drift/suppressions`: list, create and read drift suppressions, and lift one
(`POST .../{id}/lift`). Platform admins only, as the rest of drift (others get a 403).

Views parse and call `drift.services.suppressions`; its InvalidInput becomes a 400 naming
the field (both a kind and a resource given, no expiry and not permanent, an expiry in the
past), NotFound a 404, Conflict a 409 (`suppression_exists`, `suppression_lifted`)."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from arcadia.api import IsPlatformAdmin, StrictFilterBackend
from arcadia.errors import InvalidInput, NotFound
from arcadia.validation import ReferenceField, StrictCharField
from arcadia.viewsets import ScopedReadOnlyViewSet
from drift import selectors
from drift.api.filters import StableOrderingFilter
from drift.api.serializers import DriftSuppressionSerializer
from drift.models import DriftSuppression
from drift.services.suppressions import lift as lift_suppression
from drift.services.suppressions import require_one_scope, suppress
from drift.suppression_match import active_q
from inventory.models import Kind
from tenants.models import User

STATES = [("active", "Active"), ("expired", "Expired"), ("lifted", "Lifted")]


class SuppressSerializer(serializers.Serializer):
    resource = ReferenceField(
        required=False, allow_null=True, help_text="Resource id or URN (one scope only)."
    )
    kind = serializers.ChoiceField(
        choices=Kind.choices, required=False, allow_blank=True, help_text="One scope only."
    )
    tag = StrictCharField(
        required=False, allow_blank=True, max_length=255, help_text="One scope only."
    )
    field = StrictCharField(max_length=255, help_text="The drifted field, e.g. size_slug.")
    reason = StrictCharField(max_length=2000)
    owner = StrictCharField(
        required=False, max_length=150, help_text="A platform admin's username; you by default."
    )
    expires_at = serializers.DateTimeField(
        required=False, allow_null=True, help_text="Required unless `permanent` is true."
    )
    permanent = serializers.BooleanField(
        required=False, default=False, help_text="Never expires: an explicit choice."
    )


class LiftSerializer(serializers.Serializer):
    reason = StrictCharField(max_length=2000, help_text="Why the drift goes back to the inbox.")


class SuppressionFilter(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(choices=STATES, method="filter_state")
    field = django_filters.CharFilter()
    kind = django_filters.ChoiceFilter(choices=Kind.choices)
    tag = django_filters.CharFilter()

    class Meta:
        model = DriftSuppression
        fields = ["state", "field", "kind", "tag"]

    def filter_state(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        active = active_q(timezone.now())
        if value == "active":
            return queryset.filter(active)
        if value == "lifted":
            return queryset.filter(lifted_at__isnull=False)
        return queryset.filter(Q(lifted_at__isnull=True) & ~active)


def _operator(request: Request) -> User:
    assert isinstance(request.user, User)  # IsPlatformAdmin refused anonymous callers
    return request.user


def _owner(username: str | None) -> User | None:
    if not username:
        return None
    owner = User.objects.filter(username=username.strip()).first()
    if owner is None:
        raise InvalidInput(f"No user named {username!r}.", field="owner")
    return owner


@extend_schema_view(
    list=extend_schema(summary="Drift suppressions", description="Newest first; `state` filters."),
    retrieve=extend_schema(summary="One drift suppression"),
    create=extend_schema(
        summary="Suppress drift on a (resource, field), (kind, field) or (tag, field)",
        request=SuppressSerializer,
        responses={
            201: DriftSuppressionSerializer,
            400: OpenApiResponse(description="Invalid input; the body names the field."),
            403: OpenApiResponse(description="Not a platform admin."),
            409: OpenApiResponse(
                description="An active suppression of that scope and field exists "
                "(`suppression_exists`)."
            ),
        },
    ),
)
class DriftSuppressionViewSet(mixins.CreateModelMixin, ScopedReadOnlyViewSet):
    permission_classes = [IsPlatformAdmin]
    scoped_by = staticmethod(selectors.suppressions_visible_to)
    serializer_class = DriftSuppressionSerializer
    filterset_class = SuppressionFilter
    filter_backends = [StrictFilterBackend, StableOrderingFilter]
    ordering_fields = ["created_at", "expires_at", "id"]
    ordering = ["-created_at", "-id"]

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        body = SuppressSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        require_one_scope(resource=data.get("resource"), kind=data.get("kind"), tag=data.get("tag"))
        resource = None
        if data.get("resource"):
            try:
                resource = selectors.find_resource(data["resource"])
            except NotFound as exc:  # a reference in a body is invalid input
                raise InvalidInput(exc.message, field="resource") from exc
        suppression = suppress(
            resource=resource,
            kind=data.get("kind"),
            tag=data.get("tag"),
            field=data["field"],
            reason=data["reason"],
            owner=_owner(data.get("owner")),
            expires_at=data.get("expires_at"),
            permanent=data["permanent"],
            actor=_operator(request),
        )
        shown = DriftSuppressionSerializer(self.get_queryset().get(pk=suppression.pk)).data
        return Response(shown, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Lift a suppression: the drift it holds goes back to the inbox",
        request=LiftSerializer,
        responses={
            200: DriftSuppressionSerializer,
            400: OpenApiResponse(description="No reason given."),
            403: OpenApiResponse(description="Not a platform admin."),
            404: OpenApiResponse(description="No such suppression."),
            409: OpenApiResponse(description="Lifted already (`suppression_lifted`)."),
        },
    )
    @action(detail=True, methods=["post"])
    def lift(self, request: Request, pk: str | None = None) -> Response:
        body = LiftSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        suppression = lift_suppression(
            int(pk or 0), actor=_operator(request), reason=body.validated_data["reason"]
        )
        shown = DriftSuppressionSerializer(self.get_queryset().get(pk=suppression.pk)).data
        return Response(shown)
