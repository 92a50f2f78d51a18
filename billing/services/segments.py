"""Usage segments of a month, rebuilt from the inventory's history (DESIGN.md, "Segments",
"The month", "Tenant").

Set-based and streaming: one server-side cursor reads the lifecycle events of every
droplet that could have run in the month (ordered by resource, then time), a second reads
the month's stored segments in the same order, and a merge in Python keeps only the
differences. New rows are spooled to a temporary file and written with one COPY; stale
ones go in one DELETE. An unchanged month writes nothing; memory holds one resource's
history at a time (and the ids of stale rows).

The caller holds the month's lock (`month_lock_name`): generations of different tenants
in one month share these rows.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import IO, Any

from django.db import connection

from billing import metering
from billing.metering import Event, History, Segment
from billing.periods import month_bounds
from billing.services import bulk
from inventory.models import PROVIDER_DO, Kind

# A droplet last seen before the month began cannot have run in it; one created after it
# ends yields no segment and costs a few rows. Only events that can move usage are read:
# `updated` ones that change the size or the project.
_HISTORY_SQL = """
SELECT r.id, r.attrs->>'created_at', r.last_seen_at, e.event, e.occurred_at,
       e.changes ? 'project', e.changes->'project'->>1,
       e.changes ? 'size_slug', e.changes->'size_slug'->>1,
       e.changes->'last_seen_at'->>1
  FROM cloud_resources r
  JOIN cloud_resource_events e ON e.resource_id = r.id
 WHERE r.provider = %(provider)s AND r.kind = %(kind)s AND r.last_seen_at >= %(start)s
   AND e.event IN ('discovered', 'updated', 'deleted', 'restored')
   AND (e.event <> 'updated' OR e.changes ?| array['size_slug', 'project'])
 ORDER BY r.id, e.occurred_at, e.id
"""

_STORED_SQL = """
SELECT id, resource_id, project_id, tenant_id, size_slug, started_at, ended_at
  FROM billing_usage_segments
 WHERE period_start = %s
 ORDER BY resource_id, started_at
"""

_COPY_SQL = (
    "COPY billing_usage_segments "
    "(period_start, resource_id, project_id, tenant_id, size_slug, started_at, ended_at) "
    "FROM STDIN"
)

# (project_id, tenant_id, size_slug, started_at, ended_at): a stored row equals a new one.
SegmentKey = tuple[int | None, int | None, str, datetime, datetime]


def month_lock_name(month: date) -> str:
    return f"billing:month:{month:%Y-%m}"


def project_tenants() -> dict[int, int | None]:
    """Each project's tenant as it is now: a segment belongs to it (DESIGN.md, "Tenant")."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, tenant_id FROM cloud_projects")
        return dict(cursor.fetchall())


def _histories(start: datetime) -> Iterator[tuple[int, History]]:
    """(resource id, history) for every candidate droplet, in resource order."""
    params: dict[str, Any] = {"provider": PROVIDER_DO, "kind": Kind.DROPLET, "start": start}
    current: int | None = None
    created: str | None = None
    last_seen: datetime | None = None
    events: list[Event] = []
    for rid, created_at, seen, kind, at, has_p, project, has_s, size, last in bulk.stream(
        _HISTORY_SQL, params
    ):
        if rid != current:
            if current is not None and last_seen is not None:
                yield current, History(metering.parse_instant(created), last_seen, events)
            current, created, last_seen, events = rid, created_at, seen, []
        changes: dict[str, object] = {}
        if has_p:
            changes["project"] = [None, project]
        if has_s:
            changes["size_slug"] = [None, size]
        if last is not None:
            changes["last_seen_at"] = [last, last]
        events.append(Event(kind, at, changes))
    if current is not None and last_seen is not None:
        yield current, History(metering.parse_instant(created), last_seen, events)


def _stored(month: date) -> Generator[tuple[int, dict[SegmentKey, int]], None, None]:
    """(resource id, {segment key: row id}) of the month's stored segments, in order."""
    current: int | None = None
    keyed: dict[SegmentKey, int] = {}
    for pk, rid, project, tenant, size, started, ended in bulk.stream(_STORED_SQL, [month]):
        if rid != current:
            if current is not None:
                yield current, keyed
            current, keyed = rid, {}
        keyed[(project, tenant, size, started, ended)] = pk
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
    # (tenant id or None, size): which prices the month needs, in whose currency.
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
    """Computes the month's segments and how they differ from the stored ones."""
    start, end = month_bounds(month)
    tenants = project_tenants()
    plan = SegmentPlan(month)
    stored = _stored(month)
    pending = next(stored, None)
    try:
        for resource_id, history in _histories(start):
            plan.resources += 1
            clipped = metering.clip(metering.segments(history), start, end)
            # Stored rows of resources that no longer have any (in order before this one).
            while pending is not None and pending[0] < resource_id:
                plan.to_delete.extend(pending[1].values())
                pending = next(stored, None)
            old: dict[SegmentKey, int] = {}
            if pending is not None and pending[0] == resource_id:
                old = pending[1]
                pending = next(stored, None)
            new = [_key(seg, tenants) for seg in clipped]
            plan.segments += len(new)
            for key in new:
                plan.usage.add((key[1], key[2]))
                if old.pop(key, None) is None:
                    plan.spool.write(bulk.row(month, resource_id, *key))
                    plan.to_insert += 1
            plan.to_delete.extend(old.values())
        while pending is not None:
            plan.to_delete.extend(pending[1].values())
            pending = next(stored, None)
    except BaseException:
        plan.discard()
        raise
    finally:
        stored.close()
    return plan


def _key(seg: Segment, tenants: dict[int, int | None]) -> SegmentKey:
    project = seg.project_id
    if project is not None and project not in tenants:
        project = None  # a project since removed from the mirror: unallocated, never dropped
    tenant = tenants.get(project) if project is not None else None
    return (project, tenant, seg.size_slug, seg.started_at, seg.ended_at)


def rebuild_segments(month: date) -> SegmentPlan:
    """Plans and writes the month's segments. The caller holds `month_lock_name(month)`
    inside its transaction."""
    plan = plan_segments(month)
    plan.apply()
    return plan
