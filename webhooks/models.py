"""Webhook subscriptions, the outbox of events and one delivery per (event, subscription).

An event is written in the transaction that caused it (webhooks.services.emit) together
with its deliveries, so a rolled-back change announces nothing and a committed one is
never lost; the `webhooks` Celery queue sends the deliveries after the commit."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models

from tenants.models import Tenant
from webhooks.events import WebhookEventType


class WebhookSubscription(models.Model):
    class Format(models.TextChoices):
        ARCADIA = "arcadia", "Arcadia JSON (signed)"
        SLACK = "slack", 'Slack-compatible ({"text": ...})'

    url = models.URLField(max_length=2000)
    # Shown once, when the subscription is made; receivers verify X-Arcadia-Signature with it.
    secret = models.CharField(max_length=128)
    events = ArrayField(models.CharField(max_length=64, choices=WebhookEventType.choices))
    # None: every tenant's events (platform admins only). Set: that tenant's events only.
    tenant = models.ForeignKey(
        Tenant, null=True, blank=True, on_delete=models.CASCADE, related_name="webhooks"
    )
    format = models.CharField(max_length=16, choices=Format.choices, default=Format.ARCADIA)
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "webhook_subscriptions"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.url} ({', '.join(self.events)})"


class WebhookEvent(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    type = models.CharField(max_length=64, choices=WebhookEventType.choices)
    occurred_at = models.DateTimeField()
    tenant = models.ForeignKey(
        Tenant, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The object as the API shows it, when the event happened.
    payload = models.JSONField(encoder=DjangoJSONEncoder)

    class Meta:
        db_table = "webhook_events"
        ordering = ["-occurred_at"]

    def __str__(self) -> str:
        return f"{self.type} {self.id}"


class WebhookDelivery(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Failed (gave up)"

    event = models.ForeignKey(WebhookEvent, on_delete=models.CASCADE, related_name="deliveries")
    subscription = models.ForeignKey(
        WebhookSubscription, on_delete=models.CASCADE, related_name="deliveries"
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    last_status_code = models.PositiveIntegerField(null=True, blank=True)
    last_response_excerpt = models.TextField(blank=True, default="")
    last_error = models.TextField(blank=True, default="")
    # Due when <= now while pending; a sender claims a row by moving it a lease ahead.
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # Retries stop here (24 h after the event, or after a redeliver).
    retry_until = models.DateTimeField()
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        db_table = "webhook_deliveries"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "subscription"], name="webhook_deliveries_once"
            ),
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="webhook_deliveries_due",
                condition=models.Q(status="pending"),
            ),
            models.Index(fields=["subscription", "-created_at"], name="webhook_deliveries_sub"),
        ]

    def __str__(self) -> str:
        return f"{self.event.type} -> {self.subscription.url}: {self.status}"
