"""Three strikes (DESIGN.md, "Three strikes").

After a complete full sync of a kind, every live resource of that kind the sync did not
see gets one strike; the third tombstones it. Only `sync.run_full_sync` calls this, and
only once a run has read every page.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from django.db import connection, transaction

from arcadia.locks import xact_lock
from inventory.models import (
    PROVIDER_DO,
    STRIKES_TO_TOMBSTONE,
    CloudResource,
    CloudResourceEvent,
    EventType,
)
from inventory.services.chokepoint import writer_lock_name

_STRIKE_SQL = """
UPDATE cloud_resources
   SET stale_strike_count = stale_strike_count + 1,
       deleted_at = CASE WHEN stale_strike_count + 1 >= %s THEN %s ELSE NULL END,
       updated_at = %s
 WHERE id = ANY(%s) AND deleted_at IS NULL AND last_seen_at < %s
RETURNING id, stale_strike_count, last_seen_at
"""


@dataclass
class StrikeOutcome:
    struck: int = 0
    deleted: int = 0


def unseen_since(kind: str, since: datetime, *, batch_size: int = 1000) -> Iterator[list[str]]:
    """Provider ids of live resources of `kind` not seen since `since`, in pk-ordered
    batches, so a large account is never loaded whole."""
    last_pk = 0
    while True:
        batch = list(
            CloudResource.objects.filter(
                provider=PROVIDER_DO,
                kind=kind,
                deleted_at__isnull=True,
                last_seen_at__lt=since,
                pk__gt=last_pk,
            )
            .order_by("pk")
            .values_list("pk", "provider_id")[:batch_size]
        )
        if not batch:
            return
        last_pk = batch[-1][0]
        yield [provider_id for _, provider_id in batch]


def strike_unseen(
    kind: str, provider_ids: list[str], *, run_started_at: datetime, at: datetime, actor: str
) -> StrikeOutcome:
    """Gives each listed resource one strike, tombstoning on the third.

    The guarded update skips anything seen since the run started (a concurrent writer
    may have bumped it), so a strike never lands on a resource known to be alive."""
    outcome = StrikeOutcome()
    if not provider_ids:
        return outcome
    with transaction.atomic():
        xact_lock(writer_lock_name(kind))
        ids = list(
            CloudResource.objects.filter(
                provider=PROVIDER_DO, kind=kind, provider_id__in=provider_ids
            ).values_list("pk", flat=True)
        )
        with connection.cursor() as cursor:
            cursor.execute(_STRIKE_SQL, [STRIKES_TO_TOMBSTONE, at, at, ids, run_started_at])
            struck = cursor.fetchall()
        events = []
        for resource_id, strikes, last_seen_at in struck:
            if strikes >= STRIKES_TO_TOMBSTONE:
                outcome.deleted += 1
                changes = {
                    "deleted_at": [None, at.isoformat()],
                    "stale_strike_count": [strikes - 1, strikes],
                    # Billing ends the resource's last segment here, not at the tombstone.
                    "last_seen_at": [last_seen_at.isoformat(), last_seen_at.isoformat()],
                }
                event = EventType.DELETED
            else:
                outcome.struck += 1
                changes = {"stale_strike_count": [strikes - 1, strikes]}
                event = EventType.STRUCK
            events.append(
                CloudResourceEvent(
                    resource_id=resource_id,
                    event=event,
                    changes=changes,
                    actor=actor,
                    occurred_at=at,
                )
            )
        CloudResourceEvent.objects.bulk_create(events)
    return outcome
