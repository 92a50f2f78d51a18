"""Saga rows in the audit log (`cloud_resource_events`), written in the caller's
transaction, only when the saga has a resource (a create saga has one once it recorded
its droplet). The actor is the saga (`saga:<id>`); who asked for it is on the run.

`changes` keeps the log's shape, field -> [old, new]:
- `saga_started`: `saga` -> [null, name], `params` -> [null, the validated input];
- `saga_succeeded`: `status` -> [status before, "succeeded"];
- `saga_failed`: `status` -> [status before, "failed" or "compensated"], `error` -> [null, why].
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from inventory.models import CloudResourceEvent, EventType
from provisioning.models import SagaRun


def saga_event(
    run: SagaRun, event: EventType, changes: dict[str, list[Any]], *, at: datetime
) -> CloudResourceEvent | None:
    if run.resource_id is None:
        return None
    return CloudResourceEvent.objects.create(
        resource_id=run.resource_id,
        event=event,
        changes={"saga_run": [None, run.pk], **changes},
        actor=run.actor,
        occurred_at=at,
        saga_run_id=run.pk,  # also when written outside the engine's pass (a start)
    )
