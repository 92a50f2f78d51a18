"""The operator console for drift: the inbox (open drift, expected and actual side by side),
resolved drift as history, and "accept" as an admin action for one or many drifts.

The action calls `accept_drift`, the same service as the API, once per drift, and reports
what it did with `message_user`; nothing here writes drift itself. A drift's own page has
an "Accept…" button (`arcadia.page_actions`): a confirmation page shows the spec's field
taking the live value and the spec version n → n+1, and takes a comment, kept on the drift.
Values read as diffs (`arcadia.diffs`); long ones are cut to their column in the inbox.
"Revert" (action and button) and the drift's revert saga are added by provisioning
(`provisioning.admin.DriftAdmin`), the layer that starts sagas.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME, ActionForm
from django.db.models import Exists, F, OuterRef, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from arcadia.admin import ViewOnlyAdmin
from arcadia.diffs import render_changes, render_value
from arcadia.errors import DomainError
from arcadia.page_actions import PageAction, PageActionsMixin, Preview
from arcadia.validation import is_ascii_id
from drift.api.pagination import CappedCountPaginator
from drift.models import ACTIVE_STATUSES, Drift, DriftStatus, Provisioned
from drift.services.accept import accept_drift
from inventory.models import CloudResource, Kind
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
        if value == "resolved":  # suppressed drift is unresolved, listed under Suppressed
            return queryset.exclude(status__in=ACTIVE_STATUSES)
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


class DriftKindFilter(admin.SimpleListFilter):
    """The kinds of resources that have drift, not every kind Arcadia knows: most
    accounts drift on a handful. Resources are a small table; the semi-join to drift
    uses its resource index."""

    title = "kind"
    parameter_name = "resource__kind"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        has_drift = Drift.objects.filter(resource_id=OuterRef("pk"))
        present = set(
            CloudResource.objects.filter(Exists(has_drift))
            .order_by()
            .values_list("kind", flat=True)
            .distinct()
        )
        selected = self.value()
        if selected:
            present.add(selected)
        return [(value, label) for value, label in Kind.choices if value in present]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        return queryset.filter(resource__kind=self.value()) if self.value() else queryset


# Columns of resolved drift only: the inbox leaves them out.
INBOX_HIDES = ("resolved", "resolved_by")

ACCEPT = PageAction(
    name="accept",
    label="Accept…",
    verb="Accept: the live value becomes the spec",
    permission="accept",
    needs="the platform-admin role",
    comment_label="Why accept",
)


def _short_time(at: datetime | None) -> str:
    if at is None:
        return "-"
    local = timezone.localtime(at)
    return format_html(
        '<time datetime="{}" title="{}">{}</time>',
        at.isoformat(),
        local.strftime("%Y-%m-%d %H:%M:%S %Z"),
        local.strftime("%Y-%m-%d %H:%M"),
    )


def _truncated(css_class: str, value: Any) -> str:
    """A value in a list column: cut to the column's width by console.css, whole in its
    title (the list is for scanning; the drift's page shows it in full)."""
    text = _json(value)
    return format_html(
        '<span class="cell-truncate" title="{}"><code class="{}">{}</code></span>',
        text,
        css_class,
        text,
    )


class AcceptActionForm(ActionForm):
    comment = forms.CharField(
        required=False,
        max_length=2000,
        label="Comment",
        widget=forms.TextInput(attrs={"size": 40, "placeholder": "why (optional)"}),
    )


@admin.register(Drift)
class DriftAdmin(PageActionsMixin, ViewOnlyAdmin):
    list_display = [
        "id",
        "resource_link",
        "kind",
        "tenant",
        "field",
        "expected_value",
        "actual_value",
        "monthly_impact_column",
        "status",
        "detected",
        "resolved",
        "resolved_by",
    ]
    list_display_links = ["id"]
    list_filter = [
        InboxStatusFilter,
        FieldFilter,
        DriftKindFilter,
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
    # The same services as the list's actions, from the drift's own page.
    page_actions: tuple[PageAction, ...] = (ACCEPT,)
    fields = DRIFT_PAGE
    readonly_fields = DRIFT_PAGE

    # -- permissions: read-only, except the actions ------------------------------

    def get_list_display(self, request: HttpRequest) -> list[Any]:  # type: ignore[override]
        """The inbox (open drift) leaves out who and when resolved, empty there: its
        columns then fit a 1440 px screen (console.css cuts long values)."""
        columns = list(super().get_list_display(request))
        if request.GET.get(InboxStatusFilter.parameter_name) in (None, "", DriftStatus.OPEN):
            columns = [c for c in columns if c not in INBOX_HIDES]
        return columns

    def has_accept_permission(self, request: HttpRequest) -> bool:
        return is_platform_admin(request.user)

    # -- columns -----------------------------------------------------------------------

    @admin.display(description="Resource", ordering="resource__urn")
    def resource_link(self, obj: Drift) -> str:
        resource = obj.resource
        url = reverse("admin:inventory_cloudresource_change", args=[resource.pk])
        label = f"{resource.urn} ({resource.name})" if resource.name else resource.urn
        return format_html(
            '<a href="{}" class="cell-truncate" title="{} (its page and timeline)">{}</a>',
            url,
            label,
            label,
        )

    # Dates as one short line: Django's "Dec. 2, 2026, 2:21 p.m." wraps and pushes the
    # inbox's last columns off a 1440 px screen.
    @admin.display(description="Detected", ordering="detected_at")
    def detected(self, obj: Drift) -> str:
        return _short_time(obj.detected_at)

    @admin.display(description="Resolved", ordering="resolved_at")
    def resolved(self, obj: Drift) -> str:
        return _short_time(obj.resolved_at)

    @admin.display(description="Kind", ordering="resource__kind")
    def kind(self, obj: Drift) -> str:
        return obj.resource.kind

    @admin.display(description="Tenant", ordering="resource__project__tenant__name")
    def tenant(self, obj: Drift) -> str:
        project = obj.resource.project
        name = str(project.tenant) if project and project.tenant else "(unallocated)"
        return format_html('<span class="cell-truncate" title="{}">{}</span>', name, name)

    @admin.display(description="Expected")
    def expected_value(self, obj: Drift) -> str:
        return _truncated("drift-expected", obj.expected)

    @admin.display(description="Actual")
    def actual_value(self, obj: Drift) -> str:
        return _truncated("drift-actual", obj.actual)

    # Sorting by it starts with the costliest drift; unpriced drift comes after every
    # priced one (and first when the order is reversed).
    @admin.display(description="$/month", ordering=F("monthly_impact").desc(nulls_last=True))
    def monthly_impact_column(self, obj: Drift) -> str:
        """What the live value costs a month more (+) or less (-) than the spec's."""
        if obj.monthly_impact is None:
            return "unpriced"
        sign = "+" if obj.monthly_impact > 0 else ""
        return f"{sign}{obj.monthly_impact:,.2f} {obj.impact_currency}"

    @admin.display(description="Expected / actual")
    def side_by_side(self, obj: Drift) -> str:
        return format_html(
            '<table class="drift-side-by-side"><thead><tr><th>Expected (spec)</th>'
            "<th>Actual (live)</th></tr></thead><tbody><tr><td>{}</td><td>{}</td></tr>"
            '</tbody></table><div class="drift-diff">{}</div>',
            render_value(obj.expected),
            render_value(obj.actual),
            render_changes({obj.field: [obj.expected, obj.actual]}),
        )

    @admin.display(description=f"Drift history of this resource (latest {HISTORY_LENGTH})")
    def history(self, obj: Drift) -> str:
        rows = format_html_join(
            "",
            '<tr><td><a href="{}">{}</a></td><td>{}</td><td>{}</td><td>{}</td>'
            "<td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    reverse("admin:drift_drift_change", args=[d.pk]),
                    d.pk,
                    d.field,
                    d.status,
                    # expected -> actual, the way the timeline reads a change
                    render_changes({d.field: [d.expected, d.actual]}),
                    d.comment,
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
            "<th>Status</th><th>Expected → actual</th><th>Comment</th><th>Detected</th>"
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

    # -- the page's action: accept (arcadia.page_actions) ------------------------------

    def accept_preview(self, request: HttpRequest, obj: Drift) -> Preview:
        provisioned = obj.provisioned
        summary = format_html(
            "<p>The desired spec of {} takes the live value, and the drift closes "
            "<strong>accepted</strong>:</p>{}<p>Spec version {} → {}. Nothing is changed "
            "at DigitalOcean.</p>",
            obj.resource.urn,
            render_changes({obj.field: [provisioned.spec.get(obj.field), obj.actual]}),
            provisioned.spec_version,
            provisioned.spec_version + 1,
        )
        return Preview(summary, refusal=self.refusal(obj, doing="accepted"))

    def accept_perform(self, request: HttpRequest, obj: Drift, comment: str) -> str:
        drift = accept_drift(obj.pk, actor=request.user, comment=comment)  # type: ignore[arg-type]
        return f"Accepted drift #{drift.pk}: the spec's {drift.field} is now the live value."

    @staticmethod
    def refusal(obj: Drift, *, doing: str) -> str:
        """Why the page's action would be refused now, in the services' words (they
        decide again under the row lock)."""
        if obj.status != DriftStatus.OPEN:
            return f"Drift {obj.pk} is {obj.status}, not open: only an open drift can be {doing}."
        if obj.revert_running:
            return (
                f"Drift {obj.pk} cannot be {doing}: its revert saga (started "
                f"{obj.revert_started_at:%Y-%m-%d %H:%M:%S}Z) is still running. Wait for it "
                "to end; if it fails the drift stays open."
            )
        return ""

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
    readonly_fields = ["resource", "spec_pretty", "spec_version", "created_at", "updated_at"]
    fields = ("resource", "spec_pretty", "spec_version", "created_at", "updated_at")
    show_full_result_count = False

    @admin.display(description="Spec")
    def spec_json(self, obj: Provisioned) -> str:
        return _truncated("provisioned-spec", obj.spec)

    @admin.display(description="Spec")
    def spec_pretty(self, obj: Provisioned) -> SafeString:
        return render_value(obj.spec)


# Suppressions' console (a module of its own): registered with this one.
import drift.admin_suppressions  # noqa: E402, F401
