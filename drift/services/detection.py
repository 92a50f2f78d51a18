"""Drift detection (DESIGN.md, "Detection").

Sweeps every provisioned resource and, for each field of its spec, compares the live value
(`drift.equality.resolve`) with the desired one under loose equality:

- a new mismatch opens a drift and writes one `drift_detected` event;
- an open drift whose live value (or desired value) changed gets it refreshed, silently;
- an unchanged open drift writes nothing;
- a field that matches again, or left the spec, closes `stale` with a `drift_stale` event,
  except while the drift's revert saga is running (`cloud_drift.revert_started_at`, see
  `drift.services.reverting`): the drift then stays open, and the saga closes it;
- a tombstoned resource is drift: every spec implicitly expects `deleted_at` to be null;
- drift a suppression in force matches (drift.suppression_match) is `suppressed`, not
  open: a new one is inserted so, an open one becomes so, and one no suppression holds
  any more reopens, or moves to another suppression that still holds it. A suppressed
  drift is otherwise unresolved drift: refreshed, and closed `stale` when it heals;
- expiry is not the batches' to act on: before its first batch a sweep calls
  `drift.services.suppressions.expire_due`, which reopens the drift of every suppression
  past `expires_at` and announces each expiry (`drift.suppression_expired`) once. A
  suppression that expires mid-sweep keeps holding its drift until the next
  `expire_due` (beat, every 5 minutes), so no sweep reopens it unannounced.

Set-based: provisioned rows are walked in pk-ordered batches, and a batch costs at most
`QUERIES_PER_BATCH` queries whatever its size (an advisory lock, one read of specs joined
to resources, one read of the active suppressions, one read of the batch's unresolved
drifts, then at most one insert, one refresh, one open/suppressed switch, one close and
one event insert, and once a sweep, in the first batch that opens or
refreshes a drift, one read of the price book). Once a sweep, before its batches,
`expire_due` costs one query when no suppression is due. Never a query per resource or
per field.

A drift's `monthly_impact` (drift.services.impact) is set when it opens and whenever its
expected or actual value is refreshed, from the price book read once per sweep.

Concurrency: each batch is one transaction under the `drift:detect` advisory lock, so two
sweeps interleave batch by batch and the second finds nothing left to write. The writes
are safe without it too: inserts go through `ON CONFLICT DO NOTHING` on the one-active-drift
index (events only for rows actually inserted), updates are guarded by the status (open or
suppressed). The suppression services take the same lock.
The batch's provisioned rows are read `FOR SHARE`, so an accept (which locks its
provisioned row first) either lands before the batch reads the spec or waits for it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from psycopg.rows import dict_row, namedtuple_row

from arcadia.locks import xact_lock
from drift.equality import MISSING, RESOURCE_COLUMNS, loosely_equal, resolve, to_json
from drift.models import TOMBSTONE_FIELD
from drift.selectors import last_completed_sync
from drift.services.announce import announce_detection
from drift.services.events import drift_event
from drift.services.impact import DEFAULT_CURRENCY, SweepPrices, drift_impact
from drift.services.locking import DETECT_LOCK
from drift.services.suppressions import expire_due
from drift.suppression_match import ActiveSuppressions, restatus
from inventory.models import CloudResourceEvent, EventType

BATCH_SIZE = 1000
# 10 + one check for webhook subscribers (drift.services.announce).
QUERIES_PER_BATCH = 11
# Once a sweep: is any suppression's expiry due (drift.services.suppressions.expire_due)?
QUERIES_PER_SWEEP = 1
DEFAULT_ACTOR = "detect_drift"

# Every column a spec field may name (`RESOURCE_COLUMNS`, the one list), read by name.
_BATCH_SQL = f"""
SELECT p.id AS provisioned_id, p.resource_id, p.spec::text AS spec,
       {", ".join(f"r.{c}" for c in RESOURCE_COLUMNS)}, r.attrs::text AS attrs
  FROM cloud_provisioned p
  JOIN cloud_resources r ON r.id = p.resource_id
 WHERE p.id > %s
 ORDER BY p.id
 LIMIT %s
   FOR SHARE OF p
"""

_OPEN_SQL = """
SELECT id, resource_id, field, expected::text, actual::text, suppression_id
  FROM cloud_drift
 WHERE status IN ('open', 'suppressed') AND resource_id = ANY(%s::bigint[])
"""

_INSERT_SQL = """
INSERT INTO cloud_drift (resource_id, provisioned_id, field, expected, actual, status,
                         detected_at, comment, error, created_at, updated_at,
                         monthly_impact, impact_currency, suppression_id)
SELECT v.resource_id, v.provisioned_id, v.field, v.expected::jsonb, v.actual::jsonb,
       CASE WHEN v.suppression_id IS NULL THEN 'open' ELSE 'suppressed' END,
       %s, '', '', %s, %s, v.impact, %s, v.suppression_id
  FROM unnest(%s::bigint[], %s::bigint[], %s::text[], %s::text[], %s::text[], %s::numeric[],
              %s::bigint[])
       AS v(resource_id, provisioned_id, field, expected, actual, impact, suppression_id)
ON CONFLICT (resource_id, field) WHERE status IN ('open', 'suppressed') DO NOTHING
RETURNING resource_id, field
"""

_REFRESH_SQL = """
UPDATE cloud_drift d
   SET expected = v.expected::jsonb, actual = v.actual::jsonb, updated_at = %s,
       monthly_impact = v.impact, impact_currency = %s
  FROM unnest(%s::bigint[], %s::text[], %s::text[], %s::numeric[])
       AS v(id, expected, actual, impact)
 WHERE d.id = v.id AND d.status IN ('open', 'suppressed')
"""

# Closes `stale`, except a drift whose revert saga is running (drift.services.reverting):
# a value back at the spec is then the saga's work, and its last step closes it
# `reverted`. One statement whatever the batch's size.
_CLOSE_SQL = """
UPDATE cloud_drift
   SET status = 'stale', resolved_at = %s, updated_at = %s
 WHERE id = ANY(%s::bigint[]) AND status IN ('open', 'suppressed')
   AND revert_started_at IS NULL
RETURNING id, resource_id, field, actual::text
"""


@dataclass
class DetectionOutcome:
    provisioned: int = 0
    opened: int = 0
    refreshed: int = 0
    closed: int = 0
    suppressed: int = 0  # open drift a suppression now holds (new drift inserted so too)
    reopened: int = 0  # suppressed drift no suppression holds any more (expiry included)
    expired: int = 0  # suppressions whose expiry this sweep handled first
    batches: int = 0

    def __str__(self) -> str:
        batches = f"{self.batches} batch{'' if self.batches == 1 else 'es'}"
        plural = "" if self.expired == 1 else "s"
        expired = f" ({self.expired} suppression{plural} expired first)" if self.expired else ""
        return (
            f"swept {self.provisioned} provisioned resources in {batches}: "
            f"opened {self.opened}, refreshed {self.refreshed}, closed {self.closed}, "
            f"suppressed {self.suppressed}, reopened {self.reopened}{expired}"
        )


@dataclass(frozen=True)
class _Provisioned:
    """One provisioned resource of a batch: its spec and its live values."""

    provisioned_id: int
    resource_id: int
    spec: dict[str, Any]
    columns: dict[str, Any]  # RESOURCE_COLUMNS by name
    attrs: dict[str, Any]

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> _Provisioned:
        columns = {c: row[c] for c in RESOURCE_COLUMNS}
        columns["tags"] = list(columns["tags"] or [])
        return cls(
            provisioned_id=row["provisioned_id"],
            resource_id=row["resource_id"],
            spec=_load(row["spec"]) or {},
            columns=columns,
            attrs=_load(row["attrs"]) or {},
        )


@dataclass(frozen=True)
class _OpenDrift:
    """An unresolved (open or suppressed) drift of the batch."""

    id: int
    expected: Any
    actual: Any
    suppression_id: int | None = None


@dataclass
class _BatchPlan:
    # (resource_id, provisioned_id, field, expected, actual)
    opens: list[tuple[int, int, str, Any, Any]] = field(default_factory=list)
    # (drift id, expected, actual)
    refreshes: list[tuple[int, Any, Any]] = field(default_factory=list)
    # drift id -> the live value now
    closes: dict[int, Any] = field(default_factory=dict)
    # The suppression holding each open, in their order (None: it opens open).
    open_suppressions: list[int | None] = field(default_factory=list)
    # (drift id, the suppression that should hold it or None to reopen it)
    restatus: list[tuple[int, int | None]] = field(default_factory=list)
    # The monthly impact of each open and each refresh, in their order.
    open_impacts: list[Decimal | None] = field(default_factory=list)
    refresh_impacts: list[Decimal | None] = field(default_factory=list)


@dataclass(frozen=True)
class DetectionRun:
    """What the scheduled detection did: compared against which sync, or why it skipped."""

    skipped: bool
    message: str
    against_sync: int | None = None
    outcome: DetectionOutcome | None = None


def run_detection(*, actor: str = DEFAULT_ACTOR) -> DetectionRun:
    """Detection against the last completed sync (DESIGN.md, "Schedules"): with no
    completed sync there is no trustworthy inventory to compare with, so it skips."""
    sync = last_completed_sync()
    if sync is None:
        return DetectionRun(
            skipped=True,
            message="skipped: no inventory sync has completed yet, nothing to compare against",
        )
    outcome = detect_drift(actor=actor)
    finished = f"{sync.finished_at:%Y-%m-%d %H:%M:%S}Z" if sync.finished_at else "?"
    return DetectionRun(
        skipped=False,
        message=f"against {sync.kind} sync #{sync.pk} (finished {finished}): {outcome}",
        against_sync=sync.pk,
        outcome=outcome,
    )


def detect_drift(*, actor: str = DEFAULT_ACTOR, batch_size: int = BATCH_SIZE) -> DetectionOutcome:
    """Handles due suppression expiries, then sweeps every provisioned resource once; see
    the module docstring."""
    expiry = expire_due(actor=actor)
    outcome = DetectionOutcome(expired=expiry.expired, reopened=expiry.reopened)
    prices = SweepPrices()
    last_id = 0
    while True:
        with transaction.atomic():
            xact_lock(DETECT_LOCK)
            rows = _read_batch(last_id, batch_size)
            if rows:
                _detect_batch(rows, outcome, actor=actor, at=timezone.now(), prices=prices)
        if not rows:
            break
        outcome.batches += 1
        outcome.provisioned += len(rows)
        last_id = rows[-1].provisioned_id
        if len(rows) < batch_size:
            break
    return outcome


def effective_spec(spec: dict[str, Any]) -> dict[str, Any]:
    """The spec plus the implicit "exists" expectation, unless the spec states its own
    (an accepted tombstone puts the tombstone time there)."""
    return {TOMBSTONE_FIELD: None, **spec}


def _read_batch(last_id: int, batch_size: int) -> list[_Provisioned]:
    with connection.cursor() as cursor:
        cursor.cursor.row_factory = dict_row
        cursor.execute(_BATCH_SQL, [last_id, batch_size])
        return [_Provisioned.from_row(row) for row in cursor.fetchall()]


def _read_open(resource_ids: list[int]) -> dict[int, dict[str, _OpenDrift]]:
    """The batch's unresolved (open or suppressed) drifts, by resource and field."""
    by_resource: dict[int, dict[str, _OpenDrift]] = {}
    with connection.cursor() as cursor:
        cursor.cursor.row_factory = dict_row
        cursor.execute(_OPEN_SQL, [resource_ids])
        for row in cursor.fetchall():
            by_resource.setdefault(row["resource_id"], {})[row["field"]] = _OpenDrift(
                row["id"], _load(row["expected"]), _load(row["actual"]), row["suppression_id"]
            )
    return by_resource


def _plan(
    rows: list[_Provisioned],
    open_drifts: dict[int, dict[str, _OpenDrift]],
    prices: SweepPrices | None = None,
    suppressions: ActiveSuppressions | None = None,
) -> _BatchPlan:
    plan = _BatchPlan()
    for row in rows:
        provisioned_id, resource_id = row.provisioned_id, row.resource_id
        columns, attrs, spec = row.columns, row.attrs, row.spec
        still_open = open_drifts.get(resource_id, {})
        for name, expected in effective_spec(spec).items():
            live = resolve(columns, attrs, name)
            current = still_open.pop(name, None)
            if loosely_equal(expected, live):
                if current is not None:
                    plan.closes[current.id] = to_json(live)
                continue
            actual = to_json(live)
            held_by = _held_by(suppressions, row, name)
            if current is None:
                plan.opens.append((resource_id, provisioned_id, name, expected, actual))
                plan.open_impacts.append(_impact(prices, row, name, expected, actual))
                plan.open_suppressions.append(held_by)
                continue
            if current.suppression_id != held_by:
                plan.restatus.append((current.id, held_by))
            if not (
                loosely_equal(current.actual, actual) and loosely_equal(current.expected, expected)
            ):
                plan.refreshes.append((current.id, expected, actual))
                plan.refresh_impacts.append(_impact(prices, row, name, expected, actual))
        # Whatever is still open for this resource names a field that left the spec.
        for name, current in still_open.items():
            plan.closes[current.id] = to_json(resolve(columns, attrs, name))
    return plan


def _held_by(suppressions: ActiveSuppressions | None, row: _Provisioned, name: str) -> int | None:
    if not suppressions:
        return None
    return suppressions.match(
        resource_id=row.resource_id,
        kind=str(row.columns["kind"]),
        tags=row.columns["tags"],
        name=name,
    )


def _impact(
    prices: SweepPrices | None, row: _Provisioned, name: str, expected: Any, actual: Any
) -> Decimal | None:
    if prices is None:
        return None
    kind = str(row.columns["kind"])
    return drift_impact(
        prices.get(),
        kind=kind,
        columns=row.columns,
        attrs=row.attrs,
        field=name,
        expected=expected,
        actual=actual,
    )


def _detect_batch(
    rows: list[_Provisioned],
    outcome: DetectionOutcome,
    *,
    actor: str,
    at: datetime,
    prices: SweepPrices | None = None,
) -> None:
    # Read in the batch's transaction, under the detection lock the suppression services
    # take too: a suppression or a lift is either wholly before this batch or after it.
    suppressions = ActiveSuppressions.read(at)
    open_drifts = _read_open([row.resource_id for row in rows])
    plan = _plan(rows, open_drifts, prices, suppressions)
    # Planning an open or a refresh has read the book already: no query here.
    priced = prices is not None and bool(plan.opens or plan.refreshes)
    currency = prices.get().currency if prices and priced else DEFAULT_CURRENCY
    events: list[CloudResourceEvent] = []
    with connection.cursor() as cursor:
        cursor.cursor.row_factory = namedtuple_row
        if plan.opens:
            resource_ids, provisioned_ids, names, expected, actual = zip(*plan.opens, strict=True)
            cursor.execute(
                _INSERT_SQL,
                [
                    at,
                    at,
                    at,
                    currency,
                    list(resource_ids),
                    list(provisioned_ids),
                    list(names),
                    [_dump(v) for v in expected],
                    [_dump(v) for v in actual],
                    plan.open_impacts,
                    plan.open_suppressions,
                ],
            )
            inserted = set(cursor.fetchall())
            outcome.opened += len(inserted)
            outcome.suppressed += sum(
                1
                for (rid, _, name, _, _), held_by in zip(
                    plan.opens, plan.open_suppressions, strict=True
                )
                if held_by is not None and (rid, name) in inserted
            )
            events.extend(
                drift_event(
                    EventType.DRIFT_DETECTED,
                    resource_id=rid,
                    field=name,
                    old=exp,
                    new=act,
                    actor=actor,
                    at=at,
                )
                for rid, _, name, exp, act in plan.opens
                if (rid, name) in inserted
            )
        if plan.refreshes:
            ids, expected, actual = zip(*plan.refreshes, strict=True)
            cursor.execute(
                _REFRESH_SQL,
                [
                    at,
                    currency,
                    list(ids),
                    [_dump(v) for v in expected],
                    [_dump(v) for v in actual],
                    plan.refresh_impacts,
                ],
            )
            outcome.refreshed += cursor.rowcount
    if plan.restatus:
        switched = restatus(plan.restatus, at=at)
        outcome.suppressed += switched.suppressed
        outcome.reopened += switched.reopened
    with connection.cursor() as cursor:
        cursor.cursor.row_factory = namedtuple_row
        if plan.closes:
            cursor.execute(_CLOSE_SQL, [at, at, list(plan.closes)])
            closed = cursor.fetchall()
            outcome.closed += len(closed)
            events.extend(
                drift_event(
                    EventType.DRIFT_STALE,
                    resource_id=row.resource_id,
                    field=row.field,
                    old=_load(row.actual),
                    new=plan.closes[row.id],
                    actor=actor,
                    at=at,
                )
                for row in closed
            )
    if events:
        CloudResourceEvent.objects.bulk_create(events)
        # Webhooks: outbox rows in this transaction, sent by the `webhooks` queue later.
        announce_detection(at=at, resource_ids=[event.resource_id for event in events])


def _dump(value: Any) -> str | None:
    # None is stored as SQL NULL, as the ORM stores it for these nullable JSON columns.
    return None if value is None or value is MISSING else json.dumps(value)


def _load(text: str | None) -> Any:
    return None if text is None else json.loads(text)
