"""Reverting drift (DESIGN.md, "Revert").

Revert puts the live resource back to the spec through a provisioning saga; which saga
for which field of which kind is one table, `provisioning.revertible` (a droplet's resize,
retag and rename; a volume's growth; a database's resize; a node pool's scale or
replacement; a firewall's or load balancer's update; a reserved IP's reassignment).
Only an open drift can be reverted (Conflict, 409, otherwise), only on those fields and
with a value DO accepts (InvalidInput, 400, naming the field: a volume shrink is one), and
one drift has at most one live saga: asking again returns the saga already running, held
by a partial unique index. After a failed revert a new one may start (its idempotency
key counts the drift's sagas).

Starting the saga marks the drift as being reverted in the same transaction
(`drift.services.reverting.begin_revert`); until the saga ends the drift can be neither
accepted nor closed by detection. The saga's last step refreshes the resource through the
chokepoint, and its `on_succeeded` hook calls `settle_revert`: when the live value is back
at the spec the drift closes `reverted`, with a `drift_reverted` event. A failed saga
leaves the drift open with the saga's error (`record_revert_failure`).

This is provisioning's (the upper layer: a saga run holds its drift); drift owns the
transitions it calls. Locks are taken provisioned row first, then the drift
(`drift.services.locking`).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from arcadia.errors import Conflict
from drift.models import Drift, Provisioned
from drift.services.locking import lock_open_drift
from drift.services.reverting import begin_revert
from provisioning import services as provisioning
from provisioning.models import LIVE_STATUSES, SagaRun
from provisioning.revertible import NotRevertible, Revertible, revertible_fields, revertible_for
from provisioning.services import Started
from tenants.models import User


def revert_drift(
    drift_id: int, *, actor: User | str, requested_via: str = "api", comment: str = ""
) -> Started:
    """Starts the saga that reverts one open drift, or returns the drift's live one; see
    the module docstring. A non-blank `comment` (why revert) is kept on the drift."""
    with transaction.atomic():
        provisioned, drift = lock_open_drift(drift_id, doing="reverted")
        live = SagaRun.objects.filter(drift=drift, status__in=LIVE_STATUSES).first()
        if live is not None:
            if not drift.revert_running:  # a saga started before the column existed
                begin_revert(drift.pk, at=live.created_at, comment=comment)
            return Started(live, False)
        entry, params = _plan(drift, provisioned)
        # Counting the drift's sagas under its row lock: a new key after a failed revert.
        key = f"{entry.saga}:revert:drift:{drift.pk}:"
        key += str(SagaRun.objects.filter(drift=drift).count() + 1)
        started = provisioning.start_saga(
            entry.saga,
            params,
            idempotency_key=key,
            actor=actor,
            requested_via=requested_via,
            resource=drift.resource,
            drift_id=drift.pk,
            compare=entry.compare,
        )
        if started.run.is_live:
            begin_revert(drift.pk, at=timezone.now(), comment=comment)
    return started


def _plan(drift: Drift, provisioned: Provisioned) -> tuple[Revertible, dict[str, Any]]:
    """The saga for the drifted field and its params, from the spec's value, if a saga
    can put it back."""
    resource = drift.resource
    entry = revertible_for(resource.kind, drift.field)
    if entry is None:
        fields = revertible_fields(resource.kind)
        can = (
            f"on a {resource.kind} only {', '.join(fields)} can"
            if fields
            else f"no field of a {resource.kind} can"
        )
        raise NotRevertible(
            f"Drift on {drift.field!r} cannot be reverted: {can}. Accept it, or fix the "
            "resource by hand."
        )
    if resource.deleted_at is not None:
        raise NotRevertible(f"{resource.urn} is tombstoned: there is nothing left to revert.")
    if drift.field not in provisioned.spec:
        raise Conflict(
            f"The spec no longer has {drift.field!r}; detection will close this drift.",
            code="not_in_spec",
        )
    desired = provisioned.spec[drift.field]
    return entry, entry.params(resource, drift.field, desired, provisioned.spec)
