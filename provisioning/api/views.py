"""Provisioning API: start a create-droplet saga, and watch sagas run. Platform admins
only (sagas are operator tools); anyone else gets a 403.

Views only parse and call one service. `POST /droplets` answers 202 with the saga: the
work happens on the `provisioning` queue. With an `Idempotency-Key` header the same
request returns the same saga (202 again); the same key with another body is a 422
(as the IETF idempotency-key draft says), so a client's retry can never start a second
droplet and a reused key never silently means something else."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from arcadia.api import IsPlatformAdmin
from arcadia.validation import header_value
from arcadia.viewsets import ScopedReadOnlyViewSet, ScopedViewSet
from drift.api.serializers import AcceptSerializer
from provisioning import selectors
from provisioning.api.filters import SagaRunFilter
from provisioning.api.serializers import CreateDropletSerializer, SagaRunSerializer
from provisioning.revert import revert_drift
from provisioning.services import (
    IDEMPOTENCY_KEY_MAX,
    IdempotencyKeyReused,
    start_create_droplet,
)
from tenants.models import User

IDEMPOTENCY_KEY = OpenApiParameter(
    name="Idempotency-Key",
    # Printable ASCII (anything else is a 400 naming the header), no surrounding spaces.
    type={
        "type": "string",
        "minLength": 1,
        "maxLength": IDEMPOTENCY_KEY_MAX,
        "pattern": "^[!-~]([ -~]*[!-~])?$",
    },
    location=OpenApiParameter.HEADER,
    required=False,
    description=(
        "Makes the request safe to retry: the same key and body return the same saga. "
        "Without one, every request starts a new saga."
    ),
)


def saga_response(request: Request, run_id: int, *, code: int = status.HTTP_200_OK) -> Response:
    """A saga as the API shows it (with its steps)."""
    run = selectors.sagas_visible_to(request.user).get(pk=run_id)
    response = Response(SagaRunSerializer(run).data, status=code)
    if code == status.HTTP_202_ACCEPTED:
        response["Location"] = f"/api/v1/provisioning/sagas/{run.pk}"
    return response


class DropletViewSet(ScopedViewSet):
    permission_classes = [IsPlatformAdmin]
    scoped_by = staticmethod(selectors.sagas_visible_to)  # what it answers with: a saga
    serializer_class = SagaRunSerializer

    @extend_schema(
        summary="Create a droplet for a tenant (starts a saga)",
        parameters=[IDEMPOTENCY_KEY],
        request=CreateDropletSerializer,
        responses={
            202: SagaRunSerializer,
            400: OpenApiResponse(
                description="Invalid input (a field, or the Idempotency-Key header), or a "
                "tenant with no project."
            ),
            403: OpenApiResponse(description="Not a platform admin."),
            422: OpenApiResponse(description="The Idempotency-Key was used with another body."),
        },
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        body = CreateDropletSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        idempotency_key = header_value(request, "Idempotency-Key", max_length=IDEMPOTENCY_KEY_MAX)
        assert isinstance(request.user, User)  # IsPlatformAdmin refused anyone else
        try:
            started = start_create_droplet(
                name=data["name"],
                region=data["region"],
                size=data["size"],
                image=data["image"],
                tags=data["tags"],
                tenant_id=data["tenant"],
                project_id=data["project"],
                idempotency_key=idempotency_key,
                actor=request.user,
                requested_via="api",
            )
        except IdempotencyKeyReused as exc:
            return Response(exc.as_payload(), status=status.HTTP_422_UNPROCESSABLE_ENTITY)
        return saga_response(request, started.run.pk, code=status.HTTP_202_ACCEPTED)


@extend_schema_view(
    list=extend_schema(summary="Saga runs, newest first"),
    retrieve=extend_schema(summary="One saga run with its steps"),
)
class SagaRunViewSet(ScopedReadOnlyViewSet):
    permission_classes = [IsPlatformAdmin]
    scoped_by = staticmethod(selectors.sagas_visible_to)
    serializer_class = SagaRunSerializer
    filterset_class = SagaRunFilter
    ordering_fields = ["created_at", "id", "next_run_at"]
    ordering = ["-created_at", "-id"]


class DriftRevertViewSet(ScopedViewSet):
    """`POST /api/v1/drift/{id}/revert`: where operators expect it, next to the drift, but
    served here, since starting a revert is starting a saga (drift is the layer below)."""

    permission_classes = [IsPlatformAdmin]
    scoped_by = staticmethod(selectors.sagas_visible_to)  # what it answers with: a saga
    serializer_class = SagaRunSerializer

    @extend_schema(
        summary="Revert a drift: a saga puts the live value back to the spec",
        description=(
            "Starts the saga for the drifted field and answers 202 with it; asking again "
            "while it runs returns the same saga. Revertible: droplet `size_slug` "
            "(resize), `tags` (tag and untag), `name` (rename); volume `size_gigabytes` "
            "(grow only); database `size_slug` and `num_nodes` (resize); "
            "kubernetes_cluster `node_pools.<pool>.count` (scale) and "
            "`node_pools.<pool>.size` (replace the pool); firewall `inbound_rules` and "
            "`outbound_rules`; reserved_ip `droplet_id` (assign or unassign); "
            "load_balancer `size_slug`, `size_unit` and `forwarding_rules`. The drift "
            "closes `reverted` when the saga succeeds, and stays open with the saga's "
            "error when it fails."
        ),
        request=AcceptSerializer,
        responses={
            202: SagaRunSerializer,
            400: OpenApiResponse(
                description="This field (or resource) cannot be reverted "
                "(`not_revertible`), or the spec asks DO to shrink a volume "
                "(`volume_shrink`)."
            ),
            403: OpenApiResponse(description="Not a platform admin."),
            404: OpenApiResponse(description="No such drift."),
            409: OpenApiResponse(
                description="The drift is not open, or the resource has another live saga."
            ),
        },
    )
    @action(detail=True, methods=["post"])
    def revert(self, request: Request, pk: str | None = None) -> Response:
        assert isinstance(request.user, User)  # IsPlatformAdmin refused anonymous callers
        body = AcceptSerializer(data=request.data)  # an optional comment: why revert
        body.is_valid(raise_exception=True)
        started = revert_drift(
            int(pk or 0),
            actor=request.user,
            requested_via="api",
            comment=body.validated_data["comment"],
        )
        return saga_response(request, started.run.pk, code=status.HTTP_202_ACCEPTED)
