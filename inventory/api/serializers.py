from typing import Any

from rest_framework import serializers

from inventory.models import CloudProject, CloudResource, CloudResourceEvent, SyncRun


class ProjectSerializer(serializers.ModelSerializer):
    tenant_name = serializers.CharField(source="tenant.name", read_only=True, default=None)

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


class ResourceSerializer(serializers.ModelSerializer):
    project_name = serializers.CharField(source="project.name", read_only=True, default=None)
    tenant = serializers.IntegerField(source="project.tenant_id", read_only=True, default=None)

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
        events = resource.events.order_by("-occurred_at", "-id")[: self.RECENT_EVENTS]
        return EventSerializer(events, many=True).data


class SyncRunSerializer(serializers.ModelSerializer):
    class Meta:
        model = SyncRun
        fields = [
            "id",
            "kind",
            "status",
            "trigger",
            "started_at",
            "finished_at",
            "pages",
            "seen",
            "discovered",
            "updated",
            "restored",
            "struck",
            "deleted",
            "error",
        ]
