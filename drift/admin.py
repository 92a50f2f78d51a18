"""The operator console for drift: the inbox (open drift, expected and actual side by side),
resolved drift as history, and "accept" as an admin action for one or many drifts.

The action calls `accept_drift`, the same service as the API, once per drift, and reports
what it did with `message_user`; nothing here writes drift itself. "Revert" and the
drift's revert saga are added by provisioning (`provisioning.admin.DriftAdmin`), the layer
that starts sagas.
"""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME, ActionForm
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from arcadia.admin import ViewOnlyAdmin
from arcadia.errors import DomainError
from arcadia.validation import is_ascii_id
from drift.api.pagination import CappedCountPaginator
from drift.models import Drift, DriftStatus, Provisioned
from drift.services.accept import accept_drift
from tenants.roles import is_platform_admin

HISTORY_LENGTH = 50
# One drift's page: every field read-only (changes go through the services).
DRIFT_PAGE: tuple[str, ...] = (
    "status",
    "resource_link",
    "field",
    "side_by_side",
    "detected_at",
    "resolved_at",
    "resolved_by",
    "comment",
    "error",
    "history",
)


def _json(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


def _resource_links(resource_id: int) -> str:
    change = reverse("admin:inventory_cloudresource_change", args=[resource_id])
    events = (
        reverse("admin:inventory_cloudresourceevent_changelist")
        + f"?resource__id__exact={resource_id}"
    )
    return format_html(
        '<a href="{}">resource and timeline</a> · <a href="{}">events</a>', change, events
    )


class InboxStatusFilter(admin.SimpleListFilter):
    """Open drift unless asked otherwise: the console opens on the inbox."""

    title = "status"
    parameter_name = "status"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [
            ("resolved", "Resolved (history)"),
            *[(s.value, s.label) for s in DriftStatus if s != DriftStatus.OPEN],
            ("all", "All"),
        ]

    def choices(self, changelist: Any):  # type: ignore[override]
        yield {
            "selected": self.value() in (None, DriftStatus.OPEN),
            "query_string": changelist.get_query_string(remove=[self.parameter_name]),
            "display": "Open (inbox)",
        }
        for lookup, title in self.lookup_choices:
            yield {
                "selected": self.value() == str(lookup),
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        value = self.value()
        if value == "all":
            return queryset
        if value == "resolved":
            return queryset.exclude(status=DriftStatus.OPEN)
        if value in DriftStatus.values:
            return queryset.filter(status=value)
        return queryset.filter(status=DriftStatus.OPEN)


class FieldFilter(admin.SimpleListFilter):
    """The drifted fields, as found in open drift (cheap on the partial index) plus the one
    currently selected."""

    title = "field"
    parameter_name = "field"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        fields = set(
            Drift.objects.filter(status=DriftStatus.OPEN)
            .order_by()
            .values_list("field", flat=True)
            .distinct()
        )
        selected = self.value()
        if selected:
            fields.add(selected)
        return [(f, f) for f in sorted(fields)]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        return queryset.filter(field=self.value()) if self.value() else queryset


class AcceptActionForm(ActionForm):
    comment = forms.CharField(
        required=False,
        max_length=2000,
        label="Comment",
        widget=forms.TextInput(attrs={"size": 40, "placeholder": "why (optional)"}),
    )


@admin.register(Drift)
class DriftAdmin(ViewOnlyAdmin):
    list_display = [
        "id",
        "resource_link",
        "kind",
        "tenant",
        "field",
        "expected_value",
        "actual_value",
        "status",
        "detected_at",
        "resolved_at",
        "resolved_by",
    ]
    list_display_links = ["id"]
    list_filter = [
        InboxStatusFilter,
        FieldFilter,
        "resource__kind",
        # Every tenant (a small table), not RelatedOnly: that one scans all drift history.
        "resource__project__tenant",
    ]
    list_select_related = ["resource__project__tenant", "resolved_by"]
    search_fields = ["resource__urn", "resource__name", "=field"]
    ordering = ["-detected_at", "-id"]
    show_full_result_count = False
    # The history holds millions of rows: the API's paginator counts at most COUNT_CAP.
    paginator = CappedCountPaginator
    list_per_page = 50
    actions = ["accept_selected"]
    action_form = AcceptActionForm
    fields = DRIFT_PAGE
    readonly_fields = DRIFT_PAGE

    # -- permissions: read-only, except the actions ------------------------------

    def has_accept_permission(self, request: HttpRequest) -> bool:
        return is_platform_admin(request.user)

    # -- columns -----------------------------------------------------------------------

    @admin.display(description="Resource", ordering="resource__urn")
    def resource_link(self, obj: Drift) -> str:
        resource = obj.resource
        url = reverse("admin:inventory_cloudresource_change", args=[resource.pk])
        label = f"{resource.urn} ({resource.name})" if resource.name else resource.urn
        return format_html('<a href="{}" title="resource and its timeline">{}</a>', url, label)

    @admin.display(description="Kind", ordering="resource__kind")
    def kind(self, obj: Drift) -> str:
        return obj.resource.kind

    @admin.display(description="Tenant", ordering="resource__project__tenant__name")
    def tenant(self, obj: Drift) -> str:
        project = obj.resource.project
        return str(project.tenant) if project and project.tenant else "(unallocated)"

    @admin.display(description="Expected")
    def expected_value(self, obj: Drift) -> str:
        return format_html('<code class="drift-expected">{}</code>', _json(obj.expected))

    @admin.display(description="Actual")
    def actual_value(self, obj: Drift) -> str:
        return format_html('<code class="drift-actual">{}</code>', _json(obj.actual))

    @admin.display(description="Expected / actual")
    def side_by_side(self, obj: Drift) -> str:
        return format_html(
            '<table class="drift-side-by-side"><thead><tr><th>Expected (spec)</th>'
            "<th>Actual (live)</th></tr></thead><tbody><tr><td><pre>{}</pre></td>"
            "<td><pre>{}</pre></td></tr></tbody></table>",
            json.dumps(obj.expected, indent=2, sort_keys=True),
            json.dumps(obj.actual, indent=2, sort_keys=True),
        )

    @admin.display(description=f"Drift history of this resource (latest {HISTORY_LENGTH})")
    def history(self, obj: Drift) -> str:
        rows = format_html_join(
            "",
            '<tr><td><a href="{}">{}</a></td><td>{}</td><td>{}</td><td><code>{}</code></td>'
            "<td><code>{}</code></td><td>{}</td><td>{}</td></tr>",
            (
                (
                    reverse("admin:drift_drift_change", args=[d.pk]),
                    d.pk,
                    d.field,
                    d.status,
                    _json(d.expected),
                    _json(d.actual),
                    d.detected_at.strftime("%Y-%m-%d %H:%M:%S"),
                    d.resolved_at.strftime("%Y-%m-%d %H:%M:%S") if d.resolved_at else "",
                )
                for d in Drift.objects.filter(resource_id=obj.resource_id).order_by(
                    "-detected_at", "-id"
                )[:HISTORY_LENGTH]
            ),
        )
        return format_html(
            '<table class="drift-history"><thead><tr><th>Drift</th><th>Field</th>'
            "<th>Status</th><th>Expected</th><th>Actual</th><th>Detected</th>"
            "<th>Resolved</th></tr></thead><tbody>{}</tbody></table><p>{}</p>",
            rows,
            _resource_links(obj.resource_id),
        )

    # -- the action --------------------------------------------------------------------

    @admin.action(
        description="Accept selected drift (the live value becomes the spec)",
        permissions=["accept"],
    )
    def accept_selected(self, request: HttpRequest, queryset: QuerySet) -> None:
        comment = request.POST.get("comment", "")
        accepted = 0
        refused: list[str] = []
        for drift_id in self._selected_ids(request, queryset):
            try:
                accept_drift(drift_id, actor=request.user, comment=comment)  # type: ignore[arg-type]
                accepted += 1
            except DomainError as exc:
                refused.append(f"#{drift_id}: {exc.message}")
        if accepted:
            self.message_user(
                request,
                f"Accepted {accepted} drift{'s' if accepted != 1 else ''}.",
                messages.SUCCESS,
            )
        if refused:
            self.message_user(
                request,
                f"Refused {len(refused)}: " + "; ".join(refused),
                messages.WARNING,
            )

    @staticmethod
    def _selected_ids(request: HttpRequest, queryset: QuerySet) -> list[int]:
        """The ticked rows. Django narrows `queryset` to the current filter (the open
        inbox), which would silently drop a drift someone resolved meanwhile; taking
        the ids as posted lets the service refuse it, and the operator read why."""
        posted = request.POST.getlist(ACTION_CHECKBOX_NAME)
        if request.POST.get("select_across") == "1" or not posted:
            return list(queryset.order_by("pk").values_list("pk", flat=True))
        return sorted({int(value) for value in posted if is_ascii_id(value)})


@admin.register(Provisioned)
class ProvisionedAdmin(ViewOnlyAdmin):
    list_display = ["id", "resource", "spec_version", "spec_json", "updated_at"]
    list_select_related = ["resource"]
    search_fields = ["resource__urn", "resource__name"]
    readonly_fields = ["resource", "spec_json", "spec_version", "created_at", "updated_at"]
    fields = ("resource", "spec_json", "spec_version", "created_at", "updated_at")
    show_full_result_count = False

    @admin.display(description="Spec")
    def spec_json(self, obj: Provisioned) -> str:
        return format_html("<code>{}</code>", _json(obj.spec))
