"""Three strikes (DESIGN.md, "Three strikes").

After a complete full sync of a kind, every live resource of that kind the sync did not
see gets one strike; the third tombstones it. Only `sync.run_full_sync` calls this, and
only once a run has read every page.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
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


@dataclass
class ListingRead:
    """One complete read of one listing, kept to tell whether DO's offsets could have
    moved under it. Offset pagination shifts when a resource is created or destroyed
    mid-read: a destroy before the reader's offset slides a live one back onto a page
    already read, where no page shows it. A read that could not have shifted proves an
    absent resource gone without asking DO about it."""

    ids: set[str] = field(default_factory=set)
    responses: int = 0
    totals: set[int | None] = field(default_factory=set)
    last_total: int | None = None
    repeated: bool = False
    arrived: bool = False

    def add_page(self, ids: Iterable[str], total: int | None, *, arrivals: int = 0) -> None:
        """One answer: its items' ids, its `meta.total`, and how many of its items are
        new since before the read (created, or back from a tombstone)."""
        page = set(ids)
        self.repeated = self.repeated or not page.isdisjoint(self.ids)
        self.arrived = self.arrived or arrivals > 0
        self.ids |= page
        self.totals.add(total)
        self.last_total = total
        self.responses += 1

    @property
    def could_have_shifted(self) -> bool:
        if self.responses <= 1:
            return False  # one answer is one snapshot: unpaged lists, single pages
        return (
            self.repeated  # a create before the offset pushed one onto the next page
            or len(self.totals) > 1  # the account changed between two pages
            or self.last_total is None  # no total to check the count against
            or self.last_total != len(self.ids)
            # An arrival can balance a departure, so the total holds while a live one
            # slides past: a departure before the offset, a create after it.
            or self.arrived
        )


@dataclass
class StrikeCheck:
    """How a run proved its unseen resources gone (logged with the run)."""

    unseen: int = 0
    relisted: int = 0  # listings read a second time
    relisted_pages: int = 0
    alive: int = 0  # absent from the first read, present in the second: slid between pages
    uncertain: int = 0  # absent from both reads, but the second could have shifted too


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
