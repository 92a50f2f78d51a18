"""A drift's revert, as drift itself records it (DESIGN.md, "Accept" and "Revert").

A drift whose revert saga is live can be neither accepted nor closed by detection until
the saga ends: an accept would make the live value the spec while the saga puts the old
spec back (and the next detection would reopen the drift inverted), and a sync that sees
the value back before the saga's last step is the saga's work, not staleness.

The rule is one column, `cloud_drift.revert_started_at`, and these transitions, which
provisioning calls (drift imports nothing from it):

- `begin_revert`, in the transaction that starts the saga, sets it;
- `settle_revert`, the saga's last step, closes the drift `reverted` when the live value
  is back at the spec (else leaves it open for detection), and clears it;
- `record_revert_failure`, when the saga fails or is compensated, clears it and keeps the
  saga's error on the still-open drift.

`refuse_while_reverting` is the check accept makes; detection's close statement guards on
the same column (`revert_started_at IS NULL`). A check constraint keeps the column null on
every drift that is not open.

Locks are taken provisioned row first, then the drift (`drift.services.locking`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from arcadia.errors import Conflict
from drift.equality import MISSING, RESOURCE_COLUMNS, loosely_equal, resolve, to_json
from drift.models import Drift, DriftStatus
from drift.services.announce import announce_resolved
from drift.services.events import drift_event
from drift.services.locking import lock_spec_then_drift
from inventory.models import CloudResource, EventType


class RevertInProgress(Conflict):
    default_code = "revert_in_progress"


def refuse_while_reverting(drift: Drift, *, doing: str) -> None:
    """Raises RevertInProgress (409) when the drift's revert saga is live."""
    if drift.revert_running:
        started = f"{drift.revert_started_at:%Y-%m-%d %H:%M:%S}Z"
        raise RevertInProgress(
            f"Drift {drift.pk} cannot be {doing}: its revert saga (started {started}) is "
            "still running. Wait for it to end; if it fails the drift stays open."
        )


def begin_revert(drift_id: int, *, at: datetime, comment: str = "") -> None:
    """Marks the open drift as being reverted (the caller holds its row lock and is
    starting the saga in the same transaction); clears a previous revert's error. The
    operator's comment (why revert), when given, is kept on the drift as accept keeps its."""
    extra = {"comment": comment.strip()} if comment.strip() else {}
    Drift.objects.filter(pk=drift_id, status=DriftStatus.OPEN).update(
        revert_started_at=at, error="", updated_at=at, **extra
    )


def live_value(resource: CloudResource, field: str) -> Any:
    """The resource's live value of `field`, as detection resolves it."""
    columns = {name: getattr(resource, name) for name in RESOURCE_COLUMNS}
    return resolve(columns, resource.attrs, field)


def settle_revert(drift_id: int, *, actor: str, resolved_by_id: int | None) -> str:
    """The revert saga's last step, after it refreshed the resource: closes the drift
    `reverted` (with a `drift_reverted` event: field -> [the drifted value, the live value
    now]) when its field is back at the spec, else leaves it open; either way the revert
    is over. Says what it did."""
    now = timezone.now()
    with transaction.atomic():
        locked = lock_spec_then_drift(drift_id)
        if locked is None:
            return "no such drift"
        provisioned, drift = locked
        if drift.status != DriftStatus.OPEN:
            return f"drift already {drift.status}"
        live = live_value(drift.resource, drift.field)
        expected = provisioned.spec.get(drift.field, MISSING)
        if not loosely_equal(expected, live):
            Drift.objects.filter(pk=drift.pk).update(revert_started_at=None, updated_at=now)
            return (
                f"left open: live {drift.field} is {to_json(live)!r}, the spec wants "
                f"{to_json(expected)!r}"
            )
        Drift.objects.filter(pk=drift.pk, status=DriftStatus.OPEN).update(
            status=DriftStatus.REVERTED,
            resolved_at=now,
            resolved_by_id=resolved_by_id,
            error="",
            revert_started_at=None,
            updated_at=now,
        )
        drift_event(
            EventType.DRIFT_REVERTED,
            resource_id=drift.resource_id,
            field=drift.field,
            old=drift.actual,
            new=to_json(live),
            actor=actor,
            at=now,
        ).save()
        announce_resolved(drift.pk)  # webhooks: drift.resolved (reverted), after the commit
    return "reverted"


def record_revert_failure(drift_id: int, *, error: str) -> None:
    """A failed (or compensated) revert leaves its drift open, holding the saga's error;
    the revert is over, so the drift may be accepted or reverted again."""
    Drift.objects.filter(pk=drift_id, status=DriftStatus.OPEN).update(
        error=error, revert_started_at=None, updated_at=timezone.now()
    )
