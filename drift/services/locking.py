"""The detection lock, and the one lock order for a drift and its spec (DESIGN.md, "Accept"
and "Revert").

`DETECT_LOCK`: the advisory lock each sweep batch holds (drift.services.detection), and
that suppress, lift and expiry take (drift.services.suppressions), so a batch sees a
suppression change wholly or not at all.

Provisioned row first, then the drift: detection holds its batch's provisioned rows
`FOR SHARE` while it writes their drifts, so every writer taking them in the same order
waits instead of deadlocking. Accept, settle and the start of a revert all come here.
"""

from __future__ import annotations

from arcadia.errors import Conflict, NotFound
from drift.models import Drift, DriftStatus, Provisioned

DETECT_LOCK = "drift:detect"


def lock_spec_then_drift(drift_id: int) -> tuple[Provisioned, Drift] | None:
    """Locks the drift's spec row, then the drift (with its resource), for the caller's
    transaction (Django refuses `select_for_update` outside one); None when there is no
    such drift."""
    provisioned_id = (
        Drift.objects.filter(pk=drift_id).values_list("provisioned_id", flat=True).first()
    )
    if provisioned_id is None:
        return None
    provisioned = Provisioned.objects.select_for_update().get(pk=provisioned_id)
    drift = Drift.objects.select_for_update().select_related("resource").get(pk=drift_id)
    return provisioned, drift


def lock_open_drift(drift_id: int, *, doing: str) -> tuple[Provisioned, Drift]:
    """`lock_spec_then_drift` for an operator's action on an open drift: 404 when there is
    no such drift, 409 `drift_not_open` when it is resolved (`doing`: "accepted",
    "reverted")."""
    locked = lock_spec_then_drift(drift_id)
    if locked is None:
        raise NotFound(f"No drift with id {drift_id}.")
    provisioned, drift = locked
    if drift.status != DriftStatus.OPEN:
        raise Conflict(
            f"Drift {drift_id} is {drift.status}, not open: only an open drift can be {doing}.",
            code="drift_not_open",
        )
    return provisioned, drift
