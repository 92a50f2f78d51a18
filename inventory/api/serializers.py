from typing import Any

from rest_framework import serializers

from inventory.models import CloudProject, CloudResource, CloudResourceEvent, SyncRun
from inventory.selectors import events_visible_to


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


class EventSerializer(serializers.ModelSerializer):
    class Meta:
        model = CloudResourceEvent
        fields = ["id", "event", "changes", "actor", "occurred_at"]

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
