"""Audit rows for drift, written by the services in their own transaction.

`changes` keeps the log's shape, field -> [old, new]:
- `spec_recorded`: each spec field that changed -> [old desired, new desired];
- `drift_detected`: the field -> [expected, actual];
- `drift_accepted`: the field -> [old expected, new expected (the accepted live value)];
- `drift_stale`: the field -> [the drifted value, the live value now].
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from inventory.models import CloudResourceEvent, EventType
from tenants.models import User


def actor_label(actor: User | str) -> str:
    """The audit log's actor string: `user:<username>` for a person, else as given."""
    if isinstance(actor, User):
        return f"user:{actor.get_username()}"
    if not actor or not str(actor).strip():
        raise ValueError("An actor is required for the audit log.")
    return str(actor)


def drift_event(
    event: EventType,
    *,
    resource_id: int,
    field: str,
    old: Any,
    new: Any,
    actor: str,
    at: datetime,
) -> CloudResourceEvent:
    """An unsaved event row; callers bulk-insert them in their transaction."""
    return CloudResourceEvent(
        resource_id=resource_id,
        event=event,
        changes={field: [old, new]},
        actor=actor,
        occurred_at=at,
    )
