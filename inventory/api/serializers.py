from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from inventory.models import (
    CloudProject,
    CloudResource,
    CloudResourceEvent,
    ProjectTenantAssignment,
    SyncRun,
)
from inventory.selectors import events_visible_to, tenant_history


class ProjectSerializer(serializers.ModelSerializer):
    # An unassigned project has no tenant: both come back null.
    tenant_name = serializers.CharField(
        source="tenant.name", read_only=True, default=None, allow_null=True
    )

    class Meta:
        model = CloudProject
        fields = [
            "id",
            "provider",
            "provider_id",
            "name",
            "purpose",
            "description",
            "environment",
            "is_default",
            "tenant",
            "tenant_name",
            "last_seen_at",
            "created_at",
            "updated_at",
        ]


class TenantAssignmentSerializer(serializers.ModelSerializer):
    tenant_name = serializers.CharField(
        source="tenant.name", read_only=True, default=None, allow_null=True
    )

    class Meta:
        model = ProjectTenantAssignment
        fields = [
            "id",
            "tenant",
            "tenant_name",
            "effective_from",
            "effective_to",
            "actor",
            "reason",
            "is_correction",
            "superseded_at",
            "created_at",
        ]


class ProjectDetailSerializer(ProjectSerializer):
    """A project with its tenant history (`selectors.tenant_history`), oldest first."""

    tenant_history = serializers.SerializerMethodField()

    class Meta(ProjectSerializer.Meta):
        fields = [*ProjectSerializer.Meta.fields, "tenant_history"]

    @extend_schema_field(TenantAssignmentSerializer(many=True))
    def get_tenant_history(self, project: CloudProject) -> Any:
        return TenantAssignmentSerializer(tenant_history(project), many=True).data


class AssignTenantSerializer(serializers.Serializer):
    """`POST /projects/{id}/tenant`: who holds the project from when, and why."""

    tenant = serializers.CharField(
        allow_null=True, help_text="Tenant id, slug or name; null unassigns the project."
    )
    effective_from = serializers.CharField(
        required=False,
        allow_null=True,
        allow_blank=True,
        default=None,
        help_text="ISO-8601 instant (UTC when no zone); default now. Earlier: a correction.",
    )
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class EventOriginSerializer(serializers.Serializer):
    """What wrote the event (arcadia.origin); null where it was not there."""

    request_id = serializers.CharField(allow_null=True)
    sync_run = serializers.IntegerField(source="sync_run_id", allow_null=True)
    saga_run = serializers.IntegerField(source="saga_run_id", allow_null=True)
    do_action = serializers.IntegerField(source="do_action_id", allow_null=True)

    def to_representation(self, instance: CloudResourceEvent) -> dict[str, Any]:
        data = super().to_representation(instance)
        data["request_id"] = data["request_id"] or None
        return data


class EventSerializer(serializers.ModelSerializer):
    origin = EventOriginSerializer(source="*", read_only=True)

    class Meta:
        model = CloudResourceEvent
        fields = ["id", "event", "changes", "actor", "occurred_at", "origin"]

    def to_representation(self, instance: CloudResourceEvent) -> dict[str, Any]:
        data = super().to_representation(instance)
        # A tenant sees the event that brought a resource into its projects as an
        # arrival, without the previous holder's values (selectors.events_visible_to).
        scoped = getattr(instance, "tenant_changes", None)
        if scoped is not None:
            data["changes"] = scoped
        return data


class ResourceSerializer(serializers.ModelSerializer):
    # A resource outside any project (or in an unassigned one) has no project or tenant.
    project_name = serializers.CharField(
        source="project.name", read_only=True, default=None, allow_null=True
    )
    tenant = serializers.IntegerField(
        source="project.tenant_id", read_only=True, default=None, allow_null=True
    )

    class Meta:
        model = CloudResource
        fields = [
            "id",
            "provider",
            "kind",
            "provider_id",
            "urn",
            "name",
            "region",
            "size_slug",
            "status",
            "tags",
            "project",
            "project_name",
            "tenant",
            "first_seen_at",
            "last_seen_at",
            "stale_strike_count",
            "deleted_at",
        ]


class ResourceDetailSerializer(ResourceSerializer):
    recent_events = serializers.SerializerMethodField()

    class Meta(ResourceSerializer.Meta):
        fields = [*ResourceSerializer.Meta.fields, "attrs", "recent_events"]

    RECENT_EVENTS = 50

    def get_recent_events(self, resource: CloudResource) -> Any:
        user = self.context["request"].user
        events = events_visible_to(user, resource)[: self.RECENT_EVENTS]
        return EventSerializer(events, many=True).data


class SyncRunSerializer(serializers.ModelSerializer):
    class Meta:
        model = SyncRun
        fields = [*SyncRun.SUMMARY_FIELDS, "error"]
