"""The operator console for the inventory. Synced fields are read-only: the chokepoint is
the only writer. An operator's one decision here is which tenant owns a project."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from arcadia.admin import ViewOnlyAdmin
from arcadia.diffs import render_changes
from inventory.models import (
    CloudProject,
    CloudResource,
    CloudResourceEvent,
    Kind,
    SyncRun,
)
from inventory.selectors import tenant_history
from inventory.services.tenancy import assign_project_tenant

TIMELINE_LENGTH = 100


class CloudProjectForm(forms.ModelForm):
    """The tenant, and from when and why: blank "effective from" means now; an earlier
    instant is a correction, which the next draft invoice mentions."""

    effective_from = forms.DateTimeField(
        required=False,
        help_text="Blank: from now. Earlier (UTC, e.g. 2026-11-01 00:00): a correction.",
    )
    reason = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))

    class Meta:
        model = CloudProject
        fields = ["tenant"]

    def clean_effective_from(self):
        value = self.cleaned_data.get("effective_from")
        if value is not None and value > timezone.now():
            raise forms.ValidationError("An assignment starts now or earlier.")
        return value


@admin.register(CloudProject)
class CloudProjectAdmin(admin.ModelAdmin):
    """The one synced row an operator edits: its tenant. Every other field is read-only,
    and projects come and go only with DO."""

    form = CloudProjectForm
    list_display = ["name", "tenant", "environment", "is_default", "resource_count", "last_seen_at"]
    list_editable = ["tenant"]
    list_filter = ["tenant", "is_default", "environment"]
    list_select_related = ["tenant"]
    search_fields = ["name", "provider_id"]
    fields = [
        "name",
        "tenant",
        "effective_from",
        "reason",
        "provider",
        "provider_id",
        "purpose",
        "description",
        "environment",
        "is_default",
        "last_seen_at",
        "created_at",
        "updated_at",
        "tenant_assignments",
        "tenant_history",
    ]
    readonly_fields = [
        f for f in fields if isinstance(f, str) and f not in ("tenant", "effective_from", "reason")
    ]

    @admin.display(description="Tenant assignments")
    def tenant_assignments(self, obj: CloudProject) -> str:
        return (
            format_html_join(
                mark_safe("<br>"),
                "{} → {}: {} by {}{}{}",
                (
                    (
                        f"{a.effective_from:%Y-%m-%d %H:%M:%S}",
                        f"{a.effective_to:%Y-%m-%d %H:%M:%S}" if a.effective_to else "now",
                        a.tenant or "unassigned",
                        a.actor,
                        " (correction)" * a.is_correction,
                        (f" — {a.reason}" if a.reason else "")
                        + (
                            f" [superseded {a.superseded_at:%Y-%m-%d %H:%M}]"
                            if a.superseded_at
                            else ""
                        ),
                    )
                    for a in tenant_history(obj)
                ),
            )
            or "-"
        )

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
        # is billed: it goes through the service, which records who, from when and why.
        # The changelist's form has no date: its edits take effect now.
        data = getattr(form, "cleaned_data", {})
        assign_project_tenant(
            obj,
            obj.tenant,
            actor=request.user.get_username(),
            effective_from=data.get("effective_from"),
            reason=data.get("reason") or "",
        )

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


class KindFilter(admin.SimpleListFilter):
    """Only the kinds the table holds: twenty kinds, most accounts use a handful."""

    title = "kind"
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        present = set(
            model_admin.model.objects.order_by().values_list("kind", flat=True).distinct()
        )
        return [(value, label) for value, label in Kind.choices if value in present]

    def queryset(self, request, queryset):
        return queryset.filter(kind=self.value()) if self.value() else queryset


def render_value(value: Any) -> str:
    """A kind's attribute as HTML: objects as nested definition lists, lists of objects
    as one nested list each, scalars as text (None as a dash)."""
    if isinstance(value, dict):
        if not value:
            return "-"
        return format_html(
            '<dl class="attrs">{}</dl>',
            format_html_join(
                "",
                "<dt>{}</dt><dd>{}</dd>",
                ((key, render_value(value[key])) for key in sorted(value)),
            ),
        )
    if isinstance(value, list):
        if not value:
            return "-"
        if all(not isinstance(item, (dict, list)) for item in value):
            return ", ".join(str(item) for item in value)
        return format_html(
            "<ol>{}</ol>",
            format_html_join("", "<li>{}</li>", ((render_value(item),) for item in value)),
        )
    if value is None or value == "":
        return "-"
    return str(value)


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
    list_filter = [TombstonedFilter, KindFilter, "status", "region", "project__tenant", "project"]
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
        # The kind's own attributes, readably: nested objects (a cluster's node pools, a
        # firewall's rules) expanded rather than shown as one JSON blob.
        return render_value(obj.attrs)

    @admin.display(description=f"Timeline (latest {TIMELINE_LENGTH} events)")
    def timeline(self, obj: CloudResource) -> str:
        # Read like a changelog: when, what happened, who, and one line per changed field.
        events = obj.events.order_by("-occurred_at", "-id")[:TIMELINE_LENGTH]
        rows = format_html_join(
            "",
            '<tr><td class="timeline-when">{}</td><td><strong>{}</strong></td>'
            '<td class="timeline-who">{}</td><td>{}</td><td class="timeline-origin">{}</td></tr>',
            (
                (
                    e.occurred_at.strftime("%Y-%m-%d %H:%M:%S"),
                    e.get_event_display(),
                    e.actor,
                    render_changes(e.changes or {}),
                    origin_html(e),
                )
                for e in events
            ),
        )
        link = (
            reverse("admin:inventory_cloudresourceevent_changelist")
            + f"?resource__id__exact={obj.pk}"
        )
        return format_html(
            '<table class="timeline"><thead><tr><th>When</th><th>What</th><th>Who</th>'
            "<th>Changes</th><th>Origin</th></tr></thead><tbody>{}</tbody></table>"
            '<p><a href="{}">All events</a></p>',
            rows,
            link,
        )


def origin_html(event: CloudResourceEvent) -> str:
    """What wrote the event (arcadia.origin), each part linked to where it is shown."""
    parts = []
    if event.sync_run_id:
        url = reverse("admin:inventory_syncrun_change", args=[event.sync_run_id])
        parts.append(format_html('<a href="{}">sync run #{}</a>', url, event.sync_run_id))
    if event.saga_run_id:
        # By URL name only: provisioning sits above inventory, which may not import it.
        url = reverse("admin:provisioning_sagarun_change", args=[event.saga_run_id])
        parts.append(format_html('<a href="{}">saga #{}</a>', url, event.saga_run_id))
    if event.do_action_id:
        parts.append(format_html("DO action {}", event.do_action_id))
    if event.request_id:
        parts.append(format_html("request <code>{}</code>", event.request_id))
    return format_html_join(mark_safe("<br>"), "{}", ((p,) for p in parts)) if parts else "—"


@admin.register(CloudResourceEvent)
class CloudResourceEventAdmin(ViewOnlyAdmin):
    list_display = ["occurred_at", "event", "resource", "actor", "changes_lines", "origin"]
    list_filter = ["event"]
    list_select_related = ["resource"]
    # `=`: an exact request id pasted from a log line, not a substring. Unindexed: the
    # search reads the events as the other search fields already make it do.
    search_fields = ["resource__urn", "resource__name", "actor", "=request_id"]

    @admin.display(description="Origin")
    def origin(self, obj: CloudResourceEvent) -> str:
        return origin_html(obj)

    date_hierarchy = "occurred_at"
    show_full_result_count = False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="Changes")
    def changes_lines(self, obj: CloudResourceEvent) -> str:
        return render_changes(obj.changes or {})


@admin.register(SyncRun)
class SyncRunAdmin(ViewOnlyAdmin):
    """Every kind's runs, newest first: each kind syncs on its own."""

    list_display = [*SyncRun.SUMMARY_FIELDS, "short_error"]
    list_filter = [KindFilter, "status", "trigger"]

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="Error")
    def short_error(self, obj: SyncRun) -> str:
        return obj.error[:120]
