from __future__ import annotations

from typing import Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from arcadia.validation import MAX_JSON_DEPTH, ReferenceField, SafeJSONField, StrictCharField
from drift.models import Drift, DriftSuppression, Provisioned
from inventory.models import CloudResource
from tenants.models import Tenant


class TenantRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Tenant
        fields = ["id", "name", "slug"]


class ResourceRefSerializer(serializers.ModelSerializer):
    """The resource as the inbox shows it: what it is and whose it is."""

    tenant = TenantRefSerializer(source="project.tenant", read_only=True, allow_null=True)

    class Meta:
        model = CloudResource
        fields = ["id", "kind", "name", "urn", "region", "tenant", "deleted_at"]


class RevertSagaRefSerializer(serializers.Serializer):
    """The drift's latest revert saga; the whole run is at /api/v1/provisioning/sagas/{id}."""

    id = serializers.IntegerField()
    status = serializers.CharField()
    current_step = serializers.CharField()
    last_error = serializers.CharField()


class MonthlyImpactSerializer(serializers.Serializer):
    """What a drift costs a month (drift.services.impact): the live value's monthly price
    minus the spec's, before markup. Positive: the live resource costs more."""

    amount = serializers.DecimalField(max_digits=12, decimal_places=2, coerce_to_string=True)
    currency = serializers.CharField(help_text="ISO 4217, e.g. USD.")


class DriftSerializer(serializers.ModelSerializer):
    resource = ResourceRefSerializer(read_only=True)
    monthly_impact = serializers.SerializerMethodField(
        help_text="Null when a price it needs is not in the price book (unpriced)."
    )
    revert_saga = serializers.SerializerMethodField()
    expected = serializers.JSONField(read_only=True, allow_null=True)
    actual = serializers.JSONField(read_only=True, allow_null=True)
    resolved_by = serializers.CharField(
        source="resolved_by.username", read_only=True, default=None, allow_null=True
    )

    class Meta:
        model = Drift
        fields = [
            "id",
            "status",
            "field",
            "expected",
            "actual",
            "resource",
            "provisioned",
            "detected_at",
            "resolved_at",
            "resolved_by",
            "comment",
            "error",
            "revert_saga",
            "monthly_impact",
            "suppression",
        ]

    @extend_schema_field(MonthlyImpactSerializer(allow_null=True))
    def get_monthly_impact(self, drift: Drift) -> dict[str, Any] | None:
        if drift.monthly_impact is None:
            return None
        return MonthlyImpactSerializer(
            {"amount": drift.monthly_impact, "currency": drift.impact_currency}
        ).data

    @extend_schema_field(RevertSagaRefSerializer(allow_null=True))
    def get_revert_saga(self, drift: Drift) -> dict[str, Any] | None:
        # Annotated through `drift.selectors.LISTING_ANNOTATIONS` (provisioning's
        # `with_revert_saga`); absent on a bare row.
        saga_id = getattr(drift, "revert_saga_id", None)
        if saga_id is None:
            return None
        return {
            "id": saga_id,
            "status": drift.revert_saga_status,  # type: ignore[attr-defined]
            "current_step": drift.revert_saga_current_step,  # type: ignore[attr-defined]
            "last_error": drift.revert_saga_last_error,  # type: ignore[attr-defined]
        }


class DriftSuppressionSerializer(serializers.ModelSerializer):
    """A suppression as `/api/v1/drift/suppressions` shows it, and as the
    `drift.suppression_expired` webhook carries it."""

    scope = serializers.ChoiceField(
        choices=["resource", "kind", "tag"], read_only=True, help_text="What it matches on."
    )
    resource_urn = serializers.CharField(
        source="resource.urn", read_only=True, default=None, allow_null=True
    )
    owner = serializers.CharField(source="owner.username", read_only=True)
    created_by = serializers.CharField(source="created_by.username", read_only=True)
    lifted_by = serializers.CharField(
        source="lifted_by.username", read_only=True, default=None, allow_null=True
    )
    state = serializers.SerializerMethodField(
        help_text="`active`, `expired` (past `expires_at`) or `lifted`."
    )
    held_drift = serializers.IntegerField(
        source="held", read_only=True, default=0, help_text="Drift it holds suppressed now."
    )
    expiry_handled_at = serializers.DateTimeField(
        read_only=True,
        allow_null=True,
        help_text="When Arcadia handled its expiry: reopened its drift and announced "
        "`drift.suppression_expired`. Null until then (an expired one keeps holding its "
        "drift for up to 5 minutes).",
    )

    class Meta:
        model = DriftSuppression
        fields = [
            "id",
            "scope",
            "resource",
            "resource_urn",
            "kind",
            "tag",
            "field",
            "owner",
            "reason",
            "expires_at",
            "permanent",
            "state",
            "held_drift",
            "created_at",
            "created_by",
            "lifted_at",
            "lifted_by",
            "lift_reason",
            "expiry_handled_at",
        ]
        read_only_fields = fields

    def get_state(self, suppression: DriftSuppression) -> str:
        return suppression.state(timezone.now())


class AcceptSerializer(serializers.Serializer):
    comment = StrictCharField(
        required=False, allow_blank=True, max_length=2000, default="", trim_whitespace=True
    )


class ProvisionedSerializer(serializers.ModelSerializer):
    resource = ResourceRefSerializer(read_only=True)

    class Meta:
        model = Provisioned
        fields = ["id", "resource", "spec", "spec_version", "created_at", "updated_at"]


class RecordProvisionedSerializer(serializers.Serializer):
    resource = ReferenceField(help_text="Resource id or URN, e.g. do:droplet:123.")
    spec = SafeJSONField(
        max_depth=MAX_JSON_DEPTH,
        help_text=f"JSON object of field -> desired value, at most {MAX_JSON_DEPTH} levels deep.",
    )
