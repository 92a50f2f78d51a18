from __future__ import annotations

from rest_framework import serializers

from arcadia.validation import StrictCharField
from webhooks.events import WebhookEventType
from webhooks.models import WebhookDelivery, WebhookSubscription


class WebhookSubscriptionSerializer(serializers.ModelSerializer):
    """A subscription as listed: never its secret (shown once, on create)."""

    created_by = serializers.CharField(
        source="created_by.username", read_only=True, default=None, allow_null=True
    )

    class Meta:
        model = WebhookSubscription
        fields = ["id", "url", "events", "tenant", "format", "active", "created_by", "created_at"]
        read_only_fields = fields


class CreatedWebhookSubscriptionSerializer(WebhookSubscriptionSerializer):
    """The create response: the secret, this once."""

    class Meta(WebhookSubscriptionSerializer.Meta):
        fields = [*WebhookSubscriptionSerializer.Meta.fields, "secret"]
        read_only_fields = fields


class SubscribeSerializer(serializers.Serializer):
    url = StrictCharField(max_length=2000, help_text="http:// or https://")
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=WebhookEventType.choices), allow_empty=False
    )
    tenant = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        help_text="Required for a tenant's user (their own tenant); none: every tenant's events.",
    )
    secret = StrictCharField(
        required=False,
        allow_blank=True,
        min_length=16,
        max_length=128,
        help_text="Generated when not given; returned once.",
    )
    format = serializers.ChoiceField(
        choices=WebhookSubscription.Format.choices,
        required=False,
        default=WebhookSubscription.Format.ARCADIA,
    )


class WebhookDeliverySerializer(serializers.ModelSerializer):
    event_id = serializers.UUIDField(source="event.id", read_only=True)
    event_type = serializers.CharField(source="event.type", read_only=True)
    occurred_at = serializers.DateTimeField(source="event.occurred_at", read_only=True)

    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "subscription",
            "event_id",
            "event_type",
            "occurred_at",
            "status",
            "attempts",
            "last_status_code",
            "last_response_excerpt",
            "last_error",
            "last_attempt_at",
            "next_attempt_at",
            "retry_until",
            "delivered_at",
        ]
        read_only_fields = fields
