"""Accepting drift (DESIGN.md, "Accept").

Accept makes the live value the desired one: the spec's field takes the drift's `actual`,
`spec_version` bumps, and the drift closes `accepted` with who, when and an optional
comment, next to a `drift_accepted` event, all in one transaction. Only an open drift can
be accepted: a second accept, or one racing another, is refused with Conflict (409) and
never applied twice. A drift whose revert saga is live is refused too (409
`revert_in_progress`, `drift.services.reverting`): the saga is putting the old spec back.

Locks are taken provisioned row first, then the drift (`drift.services.locking`).
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone

from arcadia.errors import Conflict
from drift.models import Drift, DriftStatus
from drift.services.announce import announce_resolved
from drift.services.events import actor_label, drift_event
from drift.services.locking import lock_open_drift
from drift.services.provisioned import bump_spec
from drift.services.reverting import refuse_while_reverting
from inventory.models import EventType
from tenants.models import User

log = logging.getLogger(__name__)


def accept_drift(drift_id: int, *, actor: User, comment: str = "") -> Drift:
    """Accepts one open drift and returns it, resolved; see the module docstring."""
    with transaction.atomic():
        provisioned, drift = lock_open_drift(drift_id, doing="accepted")
        refuse_while_reverting(drift, doing="accepted")

        now = timezone.now()
        old_expected = provisioned.spec.get(drift.field)
        bump_spec(provisioned, {**provisioned.spec, drift.field: drift.actual})

        # Guarded, though the row lock already makes it certain.
        closed = Drift.objects.filter(pk=drift.pk, status=DriftStatus.OPEN).update(
            status=DriftStatus.ACCEPTED,
            resolved_at=now,
            resolved_by=actor,
            comment=comment.strip(),
            updated_at=now,
        )
        if closed != 1:
            raise Conflict(f"Drift {drift_id} was resolved concurrently.", code="drift_not_open")
        drift_event(
            EventType.DRIFT_ACCEPTED,
            resource_id=drift.resource_id,
            field=drift.field,
            old=old_expected,
            new=drift.actual,
            actor=actor_label(actor),
            at=now,
        ).save()
        announce_resolved(drift.pk)  # webhooks: drift.resolved, sent after the commit
    log.info("drift %s on %s accepted by %s", drift.pk, drift.field, actor_label(actor))
    drift.refresh_from_db()
    return drift
