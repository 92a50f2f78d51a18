from __future__ import annotations

from rest_framework import serializers

from drift.models import Drift, Provisioned
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


class DriftSerializer(serializers.ModelSerializer):
    resource = ResourceRefSerializer(read_only=True)
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
        ]


class AcceptSerializer(serializers.Serializer):
    comment = serializers.CharField(
        required=False, allow_blank=True, max_length=2000, default="", trim_whitespace=True
    )


class ProvisionedSerializer(serializers.ModelSerializer):
    resource = ResourceRefSerializer(read_only=True)

    class Meta:
        model = Provisioned
        fields = ["id", "resource", "spec", "spec_version", "created_at", "updated_at"]


class RecordProvisionedSerializer(serializers.Serializer):
    resource = serializers.CharField(help_text="Resource id or URN, e.g. do:droplet:123.")
    spec = serializers.JSONField(help_text="JSON object of field -> desired value.")
