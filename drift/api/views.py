"""Drift API: the inbox, one drift, accept; recording desired state. Platform admins only
(DESIGN.md, "Surfaces"); anyone else gets a 403. Revert, at `/api/v1/drift/{id}/revert`,
is provisioning's (`provisioning.api.views.DriftRevertViewSet`): it starts a saga.

Views only parse and call one service; the exception handler maps domain errors (404
unknown drift, 409 drift not open or its revert still running, 400 invalid spec)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from arcadia.api import IsPlatformAdmin, StrictFilterBackend
from arcadia.errors import InvalidInput, NotFound
from arcadia.viewsets import ScopedReadOnlyViewSet
from drift import selectors
from drift.api.filters import DriftFilter, ProvisionedFilter, StableOrderingFilter
from drift.api.pagination import CappedCountPagination
from drift.api.serializers import (
    AcceptSerializer,
    DriftSerializer,
    ProvisionedSerializer,
    RecordProvisionedSerializer,
)
from drift.services.accept import accept_drift
from drift.services.provisioned import record_provisioned
from tenants.models import User


def _operator(request: Request) -> User:
    # IsPlatformAdmin has already refused anonymous callers.
    assert isinstance(request.user, User)
    return request.user


ERRORS = {
    403: OpenApiResponse(description="Not a platform admin."),
    404: OpenApiResponse(description="No such drift."),
}


@extend_schema_view(
    list=extend_schema(
        summary="The drift inbox",
        description="Open drift by default; `status=resolved` (or one status) is the history.",
    ),
    retrieve=extend_schema(summary="One drift, in any status"),
)
class DriftViewSet(ScopedReadOnlyViewSet):
    permission_classes = [IsPlatformAdmin]
    scoped_by = staticmethod(selectors.drift_visible_to)
    serializer_class = DriftSerializer
    filterset_class = DriftFilter
    filter_backends = [StrictFilterBackend, StableOrderingFilter]
    pagination_class = CappedCountPagination
    ordering_fields = ["detected_at", "resolved_at", "field", "id", "monthly_impact"]
    ordering = ["-detected_at", "-id"]

    @extend_schema(
        summary="Accept a drift: the live value becomes the desired one",
        request=AcceptSerializer,
        responses={
            200: DriftSerializer,
            **ERRORS,
            409: OpenApiResponse(
                description=(
                    "The drift is not open (`drift_not_open`: already resolved), or its "
                    "revert saga is still running (`revert_in_progress`)."
                )
            ),
        },
    )
    @action(detail=True, methods=["post"])
    def accept(self, request: Request, pk: str | None = None) -> Response:
        body = AcceptSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        drift = accept_drift(
            int(pk or 0), actor=_operator(request), comment=body.validated_data["comment"]
        )
        drift = self.get_queryset().get(pk=drift.pk)
        return Response(DriftSerializer(drift).data)


@extend_schema_view(
    list=extend_schema(summary="Recorded desired state (specs)"),
    retrieve=extend_schema(summary="One resource's spec"),
    create=extend_schema(
        summary="Record a resource's desired state",
        request=RecordProvisionedSerializer,
        responses={
            201: ProvisionedSerializer,
            200: ProvisionedSerializer,
            400: OpenApiResponse(description="Not a JSON object of fields, or no such resource."),
        },
    ),
)
class ProvisionedViewSet(mixins.CreateModelMixin, ScopedReadOnlyViewSet):
    permission_classes = [IsPlatformAdmin]
    scoped_by = staticmethod(selectors.provisioned_visible_to)
    serializer_class = ProvisionedSerializer
    filterset_class = ProvisionedFilter
    ordering_fields = ["id", "updated_at"]
    ordering = ["id"]

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        body = RecordProvisionedSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            resource = selectors.find_resource(body.validated_data["resource"])
        except NotFound as exc:  # a reference in a body is invalid input, not a missing URL
            raise InvalidInput(exc.message, field="resource") from exc
        provisioned = record_provisioned(
            resource, body.validated_data["spec"], actor=_operator(request)
        )
        created = provisioned.outcome == "created"
        data = ProvisionedSerializer(self.get_queryset().get(pk=provisioned.pk)).data
        return Response(data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)
