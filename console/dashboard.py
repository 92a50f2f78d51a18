"""What the operator console's home shows: the figures that say what needs attention.

Each figure is one or two aggregate queries whatever the data holds (no query per row),
and carries the admin list it was counted from, filtered the same way (`url`), so a
number on the home is always one click from its rows. Links use the query strings the
apps' own list filters understand (`drift.admin`, `provisioning.admin`, ...); this
module reads the models and writes nothing.

The console sits above every domain app (it shows them all), so it lives here, not in
`arcadia/`, which imports no domain app (STYLE.md, "Layers").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from billing.models import Invoice, InvoiceStatus, Reconciliation
from billing.models import ReconciliationReason as Reason
from drift.models import Drift, DriftStatus
from drift.selectors import SuppressedCounts, suppressed_counts
from inventory.models import Kind, SyncRun
from provisioning.models import LIVE_STATUSES, SagaRun, SagaStatus

# The chart's window, and the failed sagas' (older failures are history, not attention).
WINDOW_DAYS = 30
# Beat resumes due sagas every minute: one due for longer than this is not being driven.
STUCK_AFTER = timedelta(minutes=10)
# A non-matched reconciliation line whose reason accounts for it without anyone acting:
# everything else is money nobody has explained yet.
EXPLAINED_REASONS = (Reason.ROUNDING,)
UNEXPLAINED_REASONS = tuple(r.value for r in Reason if r not in EXPLAINED_REASONS)


def changelist(model: str, **params: object) -> str:
    """The admin list of `app_label.model`, filtered by `params` (admin query-string
    lookups, e.g. `status__exact="draft"`)."""
    app_label, model_name = model.split(".")
    url = reverse(f"admin:{app_label}_{model_name}_changelist")
    query = {k: _param(v) for k, v in params.items() if v is not None}
    return f"{url}?{urlencode(query)}" if query else url


def _param(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return ",".join(str(v) for v in value)
    return str(value)


# --- drift ------------------------------------------------------------------------------


@dataclass(frozen=True)
class DriftGroup:
    """Open drift of one kind or one tenant."""

    label: str
    count: int
    monthly: Decimal  # priced drift's $/month summed (0 when none is priced)
    unpriced: int
    url: str
    unpriced_url: str


@dataclass(frozen=True)
class OpenDrift:
    count: int
    monthly: Decimal
    unpriced: int
    oldest_detected_at: datetime | None
    oldest_url: str | None
    by_kind: list[DriftGroup]
    by_tenant: list[DriftGroup]
    url: str
    unpriced_url: str

    @property
    def oldest_age(self) -> timedelta | None:
        if self.oldest_detected_at is None:
            return None
        return timezone.now() - self.oldest_detected_at


_GROUP_TOTALS = {
    "n": Count("id"),
    "monthly": Sum("monthly_impact"),
    "unpriced": Count("id", filter=Q(monthly_impact__isnull=True)),
}


def open_drift() -> OpenDrift:
    """Open drift by kind and by tenant with what it costs a month; unpriced drift is
    counted apart, never summed as 0. Four queries, all on the status index."""
    open_rows = Drift.objects.filter(status=DriftStatus.OPEN).order_by()
    kinds = dict(Kind.choices)
    by_kind = [
        _group(
            kinds.get(row["resource__kind"], row["resource__kind"]),
            row,
            resource__kind=row["resource__kind"],
        )
        for row in _biggest_first(open_rows.values("resource__kind"), "resource__kind")
    ]
    by_tenant = []
    for row in _biggest_first(
        open_rows.values(
            tenant_id=F("resource__project__tenant"),
            tenant_name=F("resource__project__tenant__name"),
        ),
        "tenant_name",
    ):
        if row["tenant_id"] is None:
            by_tenant.append(_group("(unallocated)", row, resource__project__tenant__isnull=True))
        else:
            by_tenant.append(
                _group(
                    row["tenant_name"], row, resource__project__tenant__id__exact=row["tenant_id"]
                )
            )
    unresolved = open_rows.aggregate(**_GROUP_TOTALS)
    oldest = (
        open_rows.order_by("detected_at", "id").values_list("pk", "detected_at").first()
        if unresolved["n"]
        else None
    )
    return OpenDrift(
        count=unresolved["n"],
        monthly=unresolved["monthly"] or Decimal("0.00"),
        unpriced=unresolved["unpriced"],
        oldest_detected_at=oldest[1] if oldest else None,
        oldest_url=reverse("admin:drift_drift_change", args=[oldest[0]]) if oldest else None,
        by_kind=by_kind,
        by_tenant=by_tenant,
        url=changelist("drift.drift", status=DriftStatus.OPEN),
        unpriced_url=changelist(
            "drift.drift", status=DriftStatus.OPEN, monthly_impact__isnull=True
        ),
    )


def _biggest_first(groups: QuerySet[Any, Any], then: str) -> list[dict[str, Any]]:
    """`groups` (a `.values()` queryset) with the totals, most drift first."""
    return list(groups.annotate(**_GROUP_TOTALS).order_by(F("n").desc(), then))


def _group(label: str, row: Mapping[str, Any], **filters: object) -> DriftGroup:
    return DriftGroup(
        label=label,
        count=row["n"],
        monthly=row["monthly"] or Decimal("0.00"),
        unpriced=row["unpriced"],
        url=changelist("drift.drift", status=DriftStatus.OPEN, **filters),
        unpriced_url=changelist(
            "drift.drift", status=DriftStatus.OPEN, monthly_impact__isnull=True, **filters
        ),
    )


@dataclass(frozen=True)
class Suppressed:
    counts: SuppressedCounts  # drift.selectors.suppressed_counts
    url: str  # the suppressed drift
    suppressions_url: str | None  # the suppressions, where the console lists them


def suppressed_drift() -> Suppressed:
    """Drift held out of the inbox by a suppression (two queries, drift's own selector)."""
    try:
        suppressions_url: str | None = reverse("admin:drift_driftsuppression_changelist")
    except NoReverseMatch:
        suppressions_url = None
    return Suppressed(
        counts=suppressed_counts(),
        url=changelist("drift.drift", status=DriftStatus.SUPPRESSED),
        suppressions_url=suppressions_url,
    )


@dataclass(frozen=True)
class DriftDay:
    day: date
    opened: int
    closed: int


def drift_per_day(*, days: int = WINDOW_DAYS, today: date | None = None) -> list[DriftDay]:
    """Drift detected and drift resolved (accepted, reverted or gone stale) on each of
    the last `days` days (UTC), today included, oldest first. Two grouped queries."""
    today = today or timezone.now().date()
    first = today - timedelta(days=days - 1)
    since = datetime.combine(first, datetime.min.time(), tzinfo=timezone.get_current_timezone())
    opened, closed = dict(opened_per_day(since)), dict(closed_per_day(since))
    return [
        DriftDay(day=d, opened=opened.get(d, 0), closed=closed.get(d, 0))
        for d in (first + timedelta(days=i) for i in range(days))
    ]


def opened_per_day(since: datetime) -> QuerySet[Any, Any]:
    """(day, drift detected that day) since `since`: off the `detected_at` index."""
    return _per_day(Drift.objects.filter(detected_at__gte=since), "detected_at")


def closed_per_day(since: datetime) -> QuerySet[Any, Any]:
    """(day, drift resolved that day) since `since`: off the partial `resolved_at` index,
    never the whole history of resolved drift."""
    return _per_day(Drift.objects.filter(resolved_at__gte=since), "resolved_at")


def _per_day(queryset: QuerySet[Any, Any], column: str) -> QuerySet[Any, Any]:
    return (
        queryset.order_by()
        .annotate(day=TruncDate(column))
        .values("day")
        .annotate(n=Count("id"))
        .values_list("day", "n")
    )


# --- sagas ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sagas:
    failed: int
    stuck: int
    failed_url: str
    stuck_url: str


def sagas_needing_attention(*, now: datetime | None = None) -> Sagas:
    """Sagas that failed (not undone) in the window, and live ones whose next pass is
    overdue by more than `STUCK_AFTER` (nothing is driving them). One query."""
    now = now or timezone.now()
    failed_since = now - timedelta(days=WINDOW_DAYS)
    stuck_before = now - STUCK_AFTER
    failed = Q(status=SagaStatus.FAILED, finished_at__gte=failed_since)
    stuck = Q(status__in=LIVE_STATUSES, next_run_at__lt=stuck_before)
    totals = SagaRun.objects.filter(failed | stuck).aggregate(
        failed=Count("id", filter=failed), stuck=Count("id", filter=stuck)
    )
    return Sagas(
        failed=totals["failed"],
        stuck=totals["stuck"],
        failed_url=changelist(
            "provisioning.sagarun", status__exact=SagaStatus.FAILED, finished_at__gte=failed_since
        ),
        stuck_url=changelist(
            "provisioning.sagarun",
            status__in=[s.value for s in LIVE_STATUSES],
            next_run_at__lt=stuck_before,
        ),
    )


# --- syncs ------------------------------------------------------------------------------


@dataclass(frozen=True)
class KindSync:
    kind: str
    label: str
    run: SyncRun

    @property
    def age(self) -> timedelta:
        return timezone.now() - self.run.started_at

    @property
    def url(self) -> str:
        return changelist("inventory.syncrun", kind=self.kind)


def last_syncs() -> list[KindSync]:
    """Each kind's latest run (a skipped one, which found another run holding the kind's
    lock, says nothing about the mirror). One query: DISTINCT ON (kind)."""
    labels = dict(Kind.choices)
    runs = (
        SyncRun.objects.exclude(status=SyncRun.Status.SKIPPED)
        .order_by("kind", "-started_at", "-id")
        .distinct("kind")
    )
    return [KindSync(kind=r.kind, label=labels.get(r.kind, r.kind), run=r) for r in runs]


# --- billing ----------------------------------------------------------------------------


@dataclass(frozen=True)
class LastReconciliation:
    reconciliation: Reconciliation
    unexplained: Decimal  # ours minus DO's, over the lines no reason accounts for
    unexplained_lines: int
    url: str
    lines_url: str


def last_reconciliation() -> LastReconciliation | None:
    """The newest reconciliation and the money in it that no reason explains away (every
    non-matched line but rounding). Two queries."""
    latest = Reconciliation.objects.order_by("-created_at", "-id").first()
    if latest is None:
        return None
    # A matched line has no reason, so the reasons alone pick the lines (as the link does).
    unexplained = latest.lines.filter(reason__in=UNEXPLAINED_REASONS).aggregate(
        amount=Sum("difference"), n=Count("id")
    )
    return LastReconciliation(
        reconciliation=latest,
        unexplained=unexplained["amount"] or Decimal("0.00"),
        unexplained_lines=unexplained["n"],
        url=reverse("admin:billing_reconciliation_change", args=[latest.pk]),
        lines_url=changelist(
            "billing.reconciliationline",
            reconciliation__id__exact=latest.pk,
            reason__in=UNEXPLAINED_REASONS,
        ),
    )


@dataclass(frozen=True)
class DraftInvoices:
    count: int
    url: str


def draft_invoices() -> DraftInvoices:
    """Invoices generated but not yet finalized (numbered and sent)."""
    return DraftInvoices(
        count=Invoice.objects.filter(status=InvoiceStatus.DRAFT).count(),
        url=changelist("billing.invoice", status__exact=InvoiceStatus.DRAFT),
    )


# --- the whole home ---------------------------------------------------------------------


@dataclass(frozen=True)
class Dashboard:
    drift: OpenDrift
    suppressed: Suppressed
    drift_days: list[DriftDay]
    sagas: Sagas
    syncs: list[KindSync]
    reconciliation: LastReconciliation | None
    drafts: DraftInvoices
    generated_at: datetime = field(default_factory=timezone.now)


def dashboard() -> Dashboard:
    return Dashboard(
        drift=open_drift(),
        suppressed=suppressed_drift(),
        drift_days=drift_per_day(),
        sagas=sagas_needing_attention(),
        syncs=last_syncs(),
        reconciliation=last_reconciliation(),
        drafts=draft_invoices(),
    )
