"""Reads for webhooks, scoped to the asking user: platform admins see every
subscription; a tenant's user sees only their tenants' (an outside one is absent: 404)."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet

from tenants.models import User
from tenants.selectors import scope_by_tenant
from webhooks.models import WebhookDelivery, WebhookSubscription


def subscriptions_visible_to(user: User | AnonymousUser) -> QuerySet[WebhookSubscription]:
    queryset = WebhookSubscription.objects.select_related("tenant", "created_by")
    return scope_by_tenant(queryset, user, tenant_field="tenant")


def deliveries_visible_to(user: User | AnonymousUser) -> QuerySet[WebhookDelivery]:
    queryset = WebhookDelivery.objects.select_related("event", "subscription")
    return scope_by_tenant(queryset, user, tenant_field="subscription__tenant")
