"""The operator console for the inventory. Synced fields are read-only: the chokepoint is
the only writer. An operator's one decision here is which tenant owns a project."""

from __future__ import annotations

import json

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from arcadia.admin import ViewOnlyAdmin
from inventory.models import (
    CloudProject,
    CloudResource,
    CloudResourceEvent,
    SyncRun,
)
from inventory.services.projects import assign_tenant

TIMELINE_LENGTH = 100


@admin.register(CloudProject)
class CloudProjectAdmin(admin.ModelAdmin):
    """The one synced row an operator edits: its tenant. Every other field is read-only,
    and projects come and go only with DO."""

    list_display = ["name", "tenant", "environment", "is_default", "resource_count", "last_seen_at"]
    list_editable = ["tenant"]
    list_filter = ["tenant", "is_default", "environment"]
    list_select_related = ["tenant"]
    search_fields = ["name", "provider_id"]
    fields = [
        "name",
        "tenant",
        "provider",
        "provider_id",
        "purpose",
        "description",
        "environment",
        "is_default",
        "last_seen_at",
        "created_at",
        "updated_at",
        "tenant_history",
    ]
    readonly_fields = [f for f in fields if isinstance(f, str) and f != "tenant"]

    @admin.display(description="Tenant history")
    def tenant_history(self, obj: CloudProject) -> str:
        changes = obj.tenant_changes.select_related("old_tenant", "new_tenant").order_by("id")
        return (
            format_html_join(
                mark_safe("<br>"),
                "{}: {} → {} by {}",
                (
                    (
                        f"{c.occurred_at:%Y-%m-%d %H:%M:%S}",
                        c.old_tenant or "-",
                        c.new_tenant or "-",
                        c.actor,
                    )
                    for c in changes
                ),
            )
            or "-"
        )

    def save_model(self, request, obj: CloudProject, form, change) -> None:
        # The tenant (the only editable field, here and in the changelist) decides who
        # is billed: it goes through the service, which records who changed it.
        assign_tenant(obj, obj.tenant, actor=request.user.get_username())

    def get_queryset(self, request):
        from django.db.models import Count, Q

        return (
            super()
            .get_queryset(request)
            .annotate(live_resources=Count("resources", filter=Q(resources__deleted_at=None)))
        )

    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="Live resources", ordering="live_resources")
    def resource_count(self, obj: CloudProject) -> int:
        return obj.live_resources  # type: ignore[attr-defined]  # annotated in get_queryset


class TombstonedFilter(admin.SimpleListFilter):
    title = "tombstoned"
    parameter_name = "tombstoned"

    def lookups(self, request, model_admin):
        return [("no", "Live"), ("yes", "Tombstoned")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(deleted_at__isnull=False)
        if self.value() == "no":
            return queryset.filter(deleted_at__isnull=True)
        return queryset


@admin.register(CloudResource)
class CloudResourceAdmin(ViewOnlyAdmin):
    list_display = [
        "urn",
        "name",
        "kind",
        "region",
        "size_slug",
        "status",
        "project",
        "tenant",
        "last_seen_at",
        "stale_strike_count",
        "deleted_at",
    ]
    list_filter = [TombstonedFilter, "kind", "status", "region", "project__tenant", "project"]
    list_select_related = ["project__tenant"]
    search_fields = ["name", "urn", "provider_id"]
    show_full_result_count = False
    readonly_fields = [
        "provider",
        "kind",
        "provider_id",
        "urn",
        "project",
        "name",
        "region",
        "size_slug",
        "status",
        "tags",
        "attrs_pretty",
        "first_seen_at",
        "last_seen_at",
        "stale_strike_count",
        "deleted_at",
        "timeline",
    ]
    exclude = ["attrs"]

    @admin.display(description="Tenant", ordering="project__tenant__name")
    def tenant(self, obj: CloudResource):
        return obj.project.tenant if obj.project else None

    @admin.display(description="Attributes")
    def attrs_pretty(self, obj: CloudResource) -> str:
        return format_html("<pre>{}</pre>", json.dumps(obj.attrs, indent=2, sort_keys=True))

    @admin.display(description=f"Timeline (latest {TIMELINE_LENGTH} events)")
    def timeline(self, obj: CloudResource) -> str:
        events = obj.events.order_by("-occurred_at", "-id")[:TIMELINE_LENGTH]
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td><strong>{}</strong></td><td>{}</td><td><code>{}</code></td></tr>",
            (
                (
                    e.occurred_at.strftime("%Y-%m-%d %H:%M:%S"),
                    e.event,
                    e.actor,
                    json.dumps(e.changes, sort_keys=True),
                )
                for e in events
            ),
        )
        link = (
            reverse("admin:inventory_cloudresourceevent_changelist")
            + f"?resource__id__exact={obj.pk}"
        )
        return format_html(
            '<table class="timeline"><thead><tr><th>When</th><th>Event</th><th>Actor</th>'
            "<th>Changes</th></tr></thead><tbody>{}</tbody></table>"
            '<p><a href="{}">All events</a></p>',
            rows,
            link,
        )


@admin.register(CloudResourceEvent)
class CloudResourceEventAdmin(ViewOnlyAdmin):
    list_display = ["occurred_at", "event", "resource", "actor", "changes"]
    list_filter = ["event"]
    list_select_related = ["resource"]
    search_fields = ["resource__urn", "resource__name", "actor"]
    date_hierarchy = "occurred_at"
    show_full_result_count = False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(SyncRun)
class SyncRunAdmin(ViewOnlyAdmin):
    list_display = [*SyncRun.SUMMARY_FIELDS, "short_error"]
    list_filter = ["kind", "status", "trigger"]

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="Error")
    def short_error(self, obj: SyncRun) -> str:
        return obj.error[:120]
