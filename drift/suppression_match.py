"""Which active suppression holds a drift, and the one statement that moves drift between
open and suppressed. Shared by detection (every batch) and the suppression services (at
suppress, lift and expiry time), so both decide the same way.

A drift on (resource, field) is held by a suppression of that field in force (`holding_q`)
whose scope is the resource itself, the resource's kind, or one of its tags. In force means
active, or past its expiry with that expiry not handled yet: only
`drift.services.suppressions.expire_due` releases an expired suppression's drift, so that
each expiry is announced once, with the drift it reopened. When several match, the
most specific wins (resource, then kind, then tag), then the oldest (lowest id): the
choice is stable from sweep to sweep.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import connection
from django.db.models import Q

from drift.models import DriftSuppression


def active_q(at: datetime) -> Q:
    """Suppressions in force at `at`: not lifted, and permanent or expiring after it."""
    return Q(lifted_at__isnull=True) & (Q(permanent=True) | Q(expires_at__gt=at))


def holding_q(at: datetime) -> Q:
    """Suppressions that hold drift at `at`: the active ones, and the expired ones whose
    expiry `expire_due` has not handled yet."""
    return active_q(at) | Q(lifted_at__isnull=True, expiry_handled_at__isnull=True)


@dataclass
class ActiveSuppressions:
    """The suppressions in force (`holding_q`), indexed by what a drift is matched on.
    One query."""

    by_resource: dict[tuple[int, str], int] = field(default_factory=dict)
    by_kind: dict[tuple[str, str], int] = field(default_factory=dict)
    by_tag: dict[tuple[str, str], int] = field(default_factory=dict)

    @classmethod
    def read(cls, at: datetime) -> ActiveSuppressions:
        rows = (
            DriftSuppression.objects.filter(holding_q(at))
            .order_by("id")
            .values_list("id", "resource_id", "kind", "tag", "field")
        )
        return cls.of(rows)

    @classmethod
    def of(cls, rows: Iterable[tuple[int, int | None, str, str, str]]) -> ActiveSuppressions:
        active = cls()
        # In id order, so setdefault keeps the oldest of equally specific ones.
        for sid, resource_id, kind, tag, name in sorted(rows):
            if resource_id is not None:
                active.by_resource.setdefault((resource_id, name), sid)
            elif kind:
                active.by_kind.setdefault((kind, name), sid)
            else:
                active.by_tag.setdefault((tag, name), sid)
        return active

    def __bool__(self) -> bool:
        return bool(self.by_resource or self.by_kind or self.by_tag)

    def match(self, *, resource_id: int, kind: str, tags: Sequence[str], name: str) -> int | None:
        """The id of the suppression holding drift on `name` of this resource, or None."""
        found = self.by_resource.get((resource_id, name))
        if found is not None:
            return found
        found = self.by_kind.get((kind, name))
        if found is not None:
            return found
        held = [self.by_tag[(t, name)] for t in tags if (t, name) in self.by_tag]
        return min(held) if held else None


# Suppressed with a suppression id, open without one; only unresolved drift, and never
# one whose revert saga runs (only open drift may have one: it stays open, and is held
# once the saga has ended). One statement whatever the number of drifts.
_RESTATUS_SQL = """
UPDATE cloud_drift d
   SET status = CASE WHEN v.suppression_id IS NULL THEN 'open' ELSE 'suppressed' END,
       suppression_id = v.suppression_id, updated_at = %s
  FROM unnest(%s::bigint[], %s::bigint[]) AS v(id, suppression_id)
 WHERE d.id = v.id AND d.status IN ('open', 'suppressed') AND d.revert_started_at IS NULL
   AND d.suppression_id IS DISTINCT FROM v.suppression_id
RETURNING d.id, d.status
"""


@dataclass(frozen=True)
class Restatused:
    suppressed: int = 0
    reopened_ids: tuple[int, ...] = ()  # the drift that went back to open, by id

    @property
    def reopened(self) -> int:
        return len(self.reopened_ids)


def restatus(changes: Sequence[tuple[int, int | None]], *, at: datetime) -> Restatused:
    """Moves each (drift id, suppression id or None) to suppressed by that suppression,
    or back to open; returns how many were suppressed, and which reopened."""
    if not changes:
        return Restatused()
    ids, suppressions = zip(*changes, strict=True)
    with connection.cursor() as cursor:
        cursor.execute(_RESTATUS_SQL, [at, list(ids), list(suppressions)])
        rows: list[Any] = cursor.fetchall()
    reopened = tuple(sorted(drift_id for drift_id, status in rows if status == "open"))
    return Restatused(suppressed=len(rows) - len(reopened), reopened_ids=reopened)
