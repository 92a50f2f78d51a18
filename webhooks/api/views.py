"""`/api/v1/webhooks` (list, create, read, delete; `GET .../{id}/deliveries`) and
`/api/v1/webhook-deliveries` (list, read; `POST .../{id}/redeliver`).

Platform admins see and manage every subscription; a tenant's user only their own
tenants' (`tenant` required on create, a 400 naming it otherwise; another tenant's is a 404)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from arcadia.errors import InvalidInput
from arcadia.viewsets import ScopedReadOnlyViewSet
from tenants.models import User
from tenants.selectors import tenants_visible_to
from webhooks import selectors
from webhooks.api.serializers import (
    CreatedWebhookSubscriptionSerializer,
    SubscribeSerializer,
    WebhookDeliverySerializer,
    WebhookSubscriptionSerializer,
)
from webhooks.services import redeliver, subscribe, unsubscribe


@extend_schema_view(
    list=extend_schema(summary="Webhook subscriptions"),
    retrieve=extend_schema(summary="One webhook subscription"),
    destroy=extend_schema(summary="Delete a subscription and its delivery log"),
    create=extend_schema(
        summary="Subscribe a URL to events",
        request=SubscribeSerializer,
        responses={
            201: CreatedWebhookSubscriptionSerializer,
            400: OpenApiResponse(description="Invalid input; the body names the field."),
        },
    ),
)
class WebhookSubscriptionViewSet(
    mixins.CreateModelMixin, mixins.DestroyModelMixin, ScopedReadOnlyViewSet
):
    scoped_by = staticmethod(selectors.subscriptions_visible_to)
    serializer_class = WebhookSubscriptionSerializer
    filter_backends: list[Any] = []

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        body = SubscribeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        user = request.user
        assert isinstance(user, User)  # IsAuthenticated refused anonymous callers
        tenant = None
        if data.get("tenant"):
            # Not a tenant the caller may see: the same 400 as one that does not exist.
            tenant = tenants_visible_to(user).filter(pk=data["tenant"]).first()
            if tenant is None:
                raise InvalidInput("No such tenant among yours.", field="tenant")
        subscription = subscribe(
            url=data["url"],
            events=data["events"],
            tenant=tenant,
            secret=data.get("secret", ""),
            format=data["format"],
            actor=user,
        )
        return Response(
            CreatedWebhookSubscriptionSerializer(subscription).data, status=status.HTTP_201_CREATED
        )

    def perform_destroy(self, instance: Any) -> None:
        unsubscribe(instance)

    @extend_schema(
        summary="The subscription's deliveries, newest first",
        responses=WebhookDeliverySerializer(many=True),
    )
    @action(detail=True, methods=["get"])
    def deliveries(self, request: Request, pk: str | None = None) -> Response:
        subscription = self.get_object()
        queryset = selectors.deliveries_visible_to(request.user).filter(subscription=subscription)
        page = self.paginate_queryset(queryset)
        serialized = WebhookDeliverySerializer(page if page is not None else queryset, many=True)
        if page is not None:
            return self.get_paginated_response(serialized.data)
        return Response(serialized.data)


@extend_schema_view(
    list=extend_schema(summary="Webhook deliveries, newest first"),
    retrieve=extend_schema(summary="One webhook delivery"),
)
class WebhookDeliveryViewSet(ScopedReadOnlyViewSet):
    scoped_by = staticmethod(selectors.deliveries_visible_to)
    serializer_class = WebhookDeliverySerializer
    filter_backends: list[Any] = []

    @extend_schema(
        summary="Send the delivery again now, with a fresh 24 h of retries",
        request=None,
        responses=WebhookDeliverySerializer,
    )
    @action(detail=True, methods=["post"])
    def redeliver(self, request: Request, pk: str | None = None) -> Response:
        delivery = redeliver(self.get_object())
        return Response(WebhookDeliverySerializer(delivery).data)
