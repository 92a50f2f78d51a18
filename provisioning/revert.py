"""Reverting drift (DESIGN.md, "Revert").

Revert puts the live resource back to the spec through a provisioning saga: a resize for
`size_slug`, tag and untag for `tags`, a rename for `name`. Only an open drift can be
reverted (Conflict, 409, otherwise), only on those fields (InvalidInput, 400), and one
drift has at most one live saga: asking again returns the saga already running, held by
a partial unique index. After a failed revert a new one may start (its idempotency key
counts the drift's sagas).

Starting the saga marks the drift as being reverted in the same transaction
(`drift.services.reverting.begin_revert`); until the saga ends the drift can be neither
accepted nor closed by detection. The saga's last step refreshes the droplet through the
chokepoint and calls `settle_revert`: when the live value is back at the spec the drift
closes `reverted`, with a `drift_reverted` event. A failed saga leaves the drift open
with the saga's error (`record_revert_failure`).

This is provisioning's (the upper layer: a saga run holds its drift); drift owns the
transitions it calls. Locks are taken provisioned row first, then the drift
(`drift.services.locking`).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from arcadia.errors import Conflict, InvalidInput
from drift.models import Drift, Provisioned
from drift.services.locking import lock_open_drift
from drift.services.reverting import begin_revert
from inventory.models import Kind
from provisioning import services as provisioning
from provisioning.models import LIVE_STATUSES, SagaRun
from provisioning.services import Started
from tenants.models import User

REVERTIBLE_FIELDS = ("size_slug", "tags", "name")


def revert_drift(drift_id: int, *, actor: User | str, requested_via: str = "api") -> Started:
    """Starts the saga that reverts one open drift, or returns the drift's live one; see
    the module docstring."""
    with transaction.atomic():
        provisioned, drift = lock_open_drift(drift_id, doing="reverted")
        live = SagaRun.objects.filter(drift=drift, status__in=LIVE_STATUSES).first()
        if live is not None:
            if not drift.revert_running:  # a saga started before the column existed
                begin_revert(drift.pk, at=live.created_at)
            return Started(live, False)
        desired = _desired(drift, provisioned)
        # Counting the drift's sagas under its row lock: a new key after a failed revert.
        key = f"revert:drift:{drift.pk}:{SagaRun.objects.filter(drift=drift).count() + 1}"
        common: dict[str, Any] = {
            "idempotency_key": key,
            "actor": actor,
            "requested_via": requested_via,
            "drift_id": drift.pk,
        }
        resource_id = drift.resource_id
        if drift.field == "size_slug":
            started = provisioning.start_resize_droplet(resource_id, size=desired, **common)
        elif drift.field == "name":
            started = provisioning.start_rename_droplet(resource_id, name=desired, **common)
        else:
            started = provisioning.start_retag_droplet(resource_id, tags=desired, **common)
        if started.run.is_live:
            begin_revert(drift.pk, at=timezone.now())
    return started


def _desired(drift: Drift, provisioned: Provisioned) -> Any:
    """The spec's value for the drifted field, if a saga can put it back."""
    if drift.field not in REVERTIBLE_FIELDS:
        raise InvalidInput(
            f"Drift on {drift.field!r} cannot be reverted: only "
            f"{', '.join(REVERTIBLE_FIELDS)} can. Accept it, or fix the resource by hand.",
            code="not_revertible",
        )
    resource = drift.resource
    if resource.kind != Kind.DROPLET:
        raise InvalidInput(
            f"{resource.urn} is a {resource.kind}: only droplets can be reverted.",
            code="not_revertible",
        )
    if resource.deleted_at is not None:
        raise InvalidInput(
            f"{resource.urn} is tombstoned: there is nothing left to revert.",
            code="not_revertible",
        )
    if drift.field not in provisioned.spec:
        raise Conflict(
            f"The spec no longer has {drift.field!r}; detection will close this drift.",
            code="not_in_spec",
        )
    desired = provisioned.spec[drift.field]
    valid = (
        isinstance(desired, list) and all(isinstance(t, str) and t for t in desired)
        if drift.field == "tags"
        else isinstance(desired, str) and bool(desired.strip())
    )
    if not valid:
        raise InvalidInput(
            f"The spec's {drift.field!r} ({desired!r}) is not a value DO can be given.",
            code="not_revertible",
        )
    return desired
