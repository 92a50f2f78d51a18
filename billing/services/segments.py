"""Usage segments of a month, rebuilt from the inventory's history (DESIGN.md, "Segments",
"The month", "Tenant").

Set-based and streaming, one metered kind at a time (`billing.meters`): one server-side
cursor reads the lifecycle events of every resource of the kind that could have run in
the month (ordered by resource, then time), a second reads the kind's stored segments of
the month in the same order, and a merge in Python keeps only the
differences. New rows are spooled to a temporary file and written with one COPY; stale
ones go in one DELETE. An unchanged month writes nothing; memory holds one resource's
history at a time (and the ids of stale rows).

The caller holds the month's lock (`month_lock_name`): generations of different tenants
in one month share these rows.
"""

from __future__ import annotations

import json
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import IO, Any

from django.db import connection

from billing import metering
from billing.metering import Event, History
from billing.meters import METERS, Charge, MeterRule
from billing.periods import month_bounds
from billing.services import bulk
from inventory.models import PROVIDER_DO

# A resource last seen before the month began cannot have run in it; one created after it
# ends yields no segment and costs a few rows. Only events that can move usage are read:
# `updated` ones that change the project, the size or one of the kind's priced attrs.
# One statement per metered kind, built from the rule's field list (`_history_sql`).
_HISTORY_SQL = """
SELECT r.id, r.attrs->>'created_at', r.last_seen_at, jsonb_build_object({attrs}), e.event,
       e.occurred_at, jsonb_build_object({changes})
  FROM cloud_resources r
  JOIN cloud_resource_events e ON e.resource_id = r.id
 WHERE r.provider = %(provider)s AND r.kind = %(kind)s AND r.last_seen_at >= %(start)s
   AND e.event IN ('discovered', 'updated', 'deleted', 'restored')
   AND (e.event <> 'updated' OR e.changes ?| %(moving)s)
 ORDER BY r.id, e.occurred_at, e.id
"""
# Columns every kind's history reads from its events beside its priced attrs.
_EVENT_FIELDS = ("project", "size_slug", "last_seen_at")

_STORED_SQL = """
SELECT s.id, s.resource_id, s.project_id, s.tenant_id, s.product, s.size_slug, s.quantity,
       s.unit, s.started_at, s.ended_at
  FROM billing_usage_segments s
  JOIN cloud_resources r ON r.id = s.resource_id
 WHERE s.period_start = %s AND r.kind = %s
 ORDER BY s.resource_id, s.started_at
"""

SEGMENT_COLUMNS = (
    "period_start",
    "resource_id",
    "project_id",
    "tenant_id",
    "product",
    "size_slug",
    "quantity",
    "unit",
    "started_at",
    "ended_at",
)
_COPY_SQL = f"COPY billing_usage_segments ({', '.join(SEGMENT_COLUMNS)}) FROM STDIN"

# (project_id, tenant_id, product, price key, quantity, unit, started_at, ended_at): a
# stored row equals a new one.
SegmentKey = tuple[int | None, int | None, str, str, Decimal, str, datetime, datetime]


def month_lock_name(month: date) -> str:
    return f"billing:month:{month:%Y-%m}"


@dataclass(frozen=True)
class TenantSpan:
    """One assignment of a project: `tenant_id` (None: unassigned) from `start` until
    `end` (None: still in effect)."""

    start: datetime
    end: datetime | None
    tenant_id: int | None


# Every mirrored project, with its live assignments that touch the month (none: never
# assigned). A handful of projects, a few rows each: read whole.
_SPANS_SQL = """
SELECT p.id, a.effective_from, a.effective_to, a.tenant_id
  FROM cloud_projects p
  LEFT JOIN project_tenant_assignments a
    ON a.project_id = p.id AND a.superseded_at IS NULL
   AND a.effective_from < %(end)s AND (a.effective_to IS NULL OR a.effective_to > %(start)s)
 ORDER BY p.id, a.effective_from
"""


def tenant_spans(start: datetime, end: datetime) -> dict[int, list[TenantSpan]]:
    """Each project's assignments in effect during [start, end), oldest first (DESIGN.md,
    "Tenant"): a segment belongs to the tenant in effect at each instant."""
    spans: dict[int, list[TenantSpan]] = {}
    with connection.cursor() as cursor:
        cursor.execute(_SPANS_SQL, {"start": start, "end": end})
        for project, since, until, tenant in cursor.fetchall():
            held = spans.setdefault(project, [])
            if since is not None:
                held.append(TenantSpan(since, until, tenant))
    return spans


def split_by_tenant(
    started: datetime, ended: datetime, spans: list[TenantSpan]
) -> list[tuple[int | None, datetime, datetime]]:
    """[started, ended) cut at assignment boundaries: (tenant in effect, from, to) pieces.
    Time no assignment covers (before the project's first) is unallocated (None)."""
    pieces: list[tuple[int | None, datetime, datetime]] = []

    def add(tenant: int | None, lo: datetime, hi: datetime) -> None:
        if pieces and pieces[-1][0] == tenant and pieces[-1][2] == lo:
            pieces[-1] = (tenant, pieces[-1][1], hi)  # one tenant across two rows: one piece
        else:
            pieces.append((tenant, lo, hi))

    cursor = started
    for span in spans:
        lo, hi = max(span.start, cursor), min(span.end or ended, ended)
        if hi <= lo:
            continue
        if lo > cursor:
            add(None, cursor, lo)
        add(span.tenant_id, lo, hi)
        cursor = hi
    if cursor < ended:
        add(None, cursor, ended)
    return pieces


def _history_sql(rule: MeterRule) -> str:
    def pairs(source: str, names: tuple[str, ...]) -> str:
        return ", ".join(f"'{n}', {source}->'{n}'" for n in names)

    return _HISTORY_SQL.format(
        attrs=pairs("r.attrs", rule.fields) if rule.fields else "",
        changes=pairs("e.changes", (*_EVENT_FIELDS, *rule.fields)),
    )


def _json(value: Any) -> dict[str, Any]:
    # Django's psycopg setup hands jsonb back as text.
    if isinstance(value, str):
        loaded = json.loads(value)
        return loaded if isinstance(loaded, dict) else {}
    return value or {}


def _histories(rule: MeterRule, start: datetime) -> Iterator[tuple[int, History]]:
    """(resource id, history) for every candidate resource of the rule's kind, in order."""
    params: dict[str, Any] = {
        "provider": PROVIDER_DO,
        "kind": rule.kind,
        "start": start,
        "moving": ["project", "size_slug", *rule.fields],
    }
    current: int | None = None
    created: str | None = None
    last_seen: datetime | None = None
    attrs: dict[str, Any] = {}
    events: list[Event] = []
    for rid, created_at, seen, now_attrs, kind, at, raw in bulk.stream(_history_sql(rule), params):
        if rid != current:
            if current is not None and last_seen is not None:
                yield current, History(metering.parse_instant(created), last_seen, events, attrs)
            current, created, last_seen, events = rid, created_at, seen, []
            attrs = _json(now_attrs)
        changes = {k: v for k, v in _json(raw).items() if v is not None}
        events.append(Event(kind, at, changes))
    if current is not None and last_seen is not None:
        yield current, History(metering.parse_instant(created), last_seen, events, attrs)


@dataclass(frozen=True, slots=True)
class MeteredSegment:
    """One charge of one resource over one stretch of the month."""

    project_id: int | None
    charge: Charge
    started_at: datetime
    ended_at: datetime


def metered_segments(
    history: History, rule: MeterRule, start: datetime, end: datetime
) -> list[MeteredSegment]:
    """The month's charges of one resource: each stretch's charges, clipped to the month,
    a charge continuing unchanged across stretches (an unpriced part of a priced attr
    changed) kept as one segment."""
    out: list[MeteredSegment] = []
    open_: dict[tuple[int | None, Charge], int] = {}  # -> index in out of its last piece
    for stretch in metering.stretches(history, rule.fields):
        lo, hi = max(stretch.started_at, start), min(stretch.ended_at, end)
        if hi <= lo:
            continue
        for charge in rule.charges(stretch.state):
            index = open_.get((stretch.project_id, charge))
            if index is not None and out[index].ended_at == lo:
                out[index] = MeteredSegment(stretch.project_id, charge, out[index].started_at, hi)
                continue
            open_[(stretch.project_id, charge)] = len(out)
            out.append(MeteredSegment(stretch.project_id, charge, lo, hi))
    return out


def _stored(month: date, kind: str) -> Generator[tuple[int, dict[SegmentKey, int]], None, None]:
    """(resource id, {segment key: row id}) of the month's stored segments of one kind."""
    current: int | None = None
    keyed: dict[SegmentKey, int] = {}
    for pk, rid, project, tenant, product, key, qty, unit, started, ended in bulk.stream(
        _STORED_SQL, [month, kind]
    ):
        if rid != current:
            if current is not None:
                yield current, keyed
            current, keyed = rid, {}
        keyed[(project, tenant, product, key, qty, unit, started, ended)] = pk
    if current is not None:
        yield current, keyed


@dataclass
class SegmentPlan:
    """What the month's segments should become, computed but not yet written."""

    month: date
    resources: int = 0
    segments: int = 0
    to_delete: list[int] = field(default_factory=list)
    to_insert: int = 0
    # (tenant id or None, price key): which prices the month needs, in whose currency.
    usage: set[tuple[int | None, str]] = field(default_factory=set)
    # Lives from planning to `apply` (or `discard`), which close it.
    spool: IO[bytes] = field(default_factory=bulk.spool)

    @property
    def changed(self) -> bool:
        return bool(self.to_delete or self.to_insert)

    def apply(self) -> None:
        """Writes the differences: one DELETE, one COPY (each only when needed)."""
        try:
            if self.to_delete:
                with connection.cursor() as cursor:
                    cursor.execute(
                        "DELETE FROM billing_usage_segments WHERE id = ANY(%s)",
                        [self.to_delete],
                    )
            if self.to_insert:
                bulk.copy_from(_COPY_SQL, self.spool)
        finally:
            self.spool.close()

    def discard(self) -> None:
        self.spool.close()


def plan_segments(month: date) -> SegmentPlan:
    """Computes the month's segments of every metered kind (`billing.meters.METERS`), one
    kind at a time, and how they differ from the stored ones."""
    start, end = month_bounds(month)
    tenants = tenant_spans(start, end)
    plan = SegmentPlan(month)
    try:
        for rule in METERS.values():
            _plan_kind(plan, rule, tenants, start, end)
    except BaseException:
        plan.discard()
        raise
    return plan


def _plan_kind(
    plan: SegmentPlan,
    rule: MeterRule,
    tenants: dict[int, list[TenantSpan]],
    start: datetime,
    end: datetime,
) -> None:
    month = plan.month
    stored = _stored(month, rule.kind)
    pending = next(stored, None)
    try:
        for resource_id, history in _histories(rule, start):
            plan.resources += 1
            # Stored rows of resources that no longer have any (in order before this one).
            while pending is not None and pending[0] < resource_id:
                plan.to_delete.extend(pending[1].values())
                pending = next(stored, None)
            old: dict[SegmentKey, int] = {}
            if pending is not None and pending[0] == resource_id:
                old = pending[1]
                pending = next(stored, None)
            new = [
                key
                for seg in metered_segments(history, rule, start, end)
                for key in _keys(seg, tenants)
            ]
            plan.segments += len(new)
            for key in new:
                plan.usage.add((key[1], key[3]))
                if old.pop(key, None) is None:
                    plan.spool.write(bulk.row(month, resource_id, *key))
                    plan.to_insert += 1
            plan.to_delete.extend(old.values())
        while pending is not None:
            plan.to_delete.extend(pending[1].values())
            pending = next(stored, None)
    finally:
        stored.close()


def _keys(seg: MeteredSegment, tenants: dict[int, list[TenantSpan]]) -> list[SegmentKey]:
    """The segment's rows: one per tenant in effect during it (`split_by_tenant`), the one
    place segments resolve their tenant."""
    project = seg.project_id
    if project is not None and project not in tenants:
        project = None  # a project since removed from the mirror: unallocated, never dropped
    spans = tenants.get(project, []) if project is not None else []
    charge = seg.charge
    return [
        (
            project,
            tenant,
            charge.product,
            charge.price_key,
            charge.quantity,
            charge.unit.value,
            lo,
            hi,
        )
        for tenant, lo, hi in split_by_tenant(seg.started_at, seg.ended_at, spans)
    ]


def rebuild_segments(month: date) -> SegmentPlan:
    """Plans and writes the month's segments. The caller holds `month_lock_name(month)`
    inside its transaction."""
    plan = plan_segments(month)
    plan.apply()
    return plan
