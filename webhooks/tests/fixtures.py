"""Webhook objects of one tenant, for tests outside this app (tests/test_route_isolation.py)."""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.utils import timezone

from tenants.models import Tenant
from webhooks.models import WebhookDelivery, WebhookEvent, WebhookSubscription
from webhooks.services import subscribe


def tenant_subscription(tenant: Tenant) -> WebhookSubscription:
    return subscribe(
        url="https://hooks.example.com/a", events=["drift.detected"], tenant=tenant, actor=None
    )


def tenant_delivery(tenant: Tenant) -> WebhookDelivery:
    now = timezone.now()
    event = WebhookEvent.objects.create(
        id=uuid.uuid4(), type="drift.detected", occurred_at=now, tenant=tenant, payload={}
    )
    return WebhookDelivery.objects.create(
        event=event,
        subscription=tenant_subscription(tenant),
        next_attempt_at=now,
        retry_until=now + timedelta(hours=24),
        created_at=now,
    )
