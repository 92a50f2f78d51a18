"""A full sync of one kind: projects, assignments, every page of each of the kind's
listings, then strikes. Each kind has its own run, lock and three strikes, so kinds run
side by side and a failed listing of one kind touches no other kind.

Each page commits on its own (through the chokepoint), so a failure part-way keeps what
was read and records the error; only a run that read every page strikes (DESIGN.md).
Two syncs of one kind never run at once: the run holds a session advisory lock, and a
second one is recorded as `skipped`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import structlog
from django.utils import timezone

from arcadia.locks import session_lock
from do_client import DONotFound, client_for
from do_client.prefetch import prefetched
from do_client.rate_limits import counts_of
from inventory.announce import announce_sync_failed
from inventory.kinds import KINDS, KindSpec, Listing, PageSupplement, ResourceRow, kind_spec
from inventory.models import SyncRun
from inventory.services.chokepoint import UpsertOutcome, upsert_resources
from inventory.services.projects import sync_assignments, sync_projects
from inventory.services.strikes import (
    ListingRead,
    StrikeCheck,
    StrikeOutcome,
    strike_unseen,
    unseen_since,
)
from inventory.signals import sync_completed

log = logging.getLogger(__name__)

PER_PAGE = 200
# The run row's counters are saved at most this often while pages stream in.
PROGRESS_EVERY_SECONDS = 5.0
# Unseen resources struck per transaction.
STRIKE_BATCH = 1000


class SyncAlreadyRunning(Exception):
    pass


def sync_lock_name(kind: str) -> str:
    return f"inventory:sync:{kind}"


def actor_for(run: SyncRun) -> str:
    return f"sync:{run.kind}#{run.pk}"


def run_full_sync(
    kind: str, *, client: Any = None, trigger: str = "manual", with_projects: bool = True
) -> SyncRun:
    """Runs one full sync of `kind` and returns its run row (completed, failed or skipped).

    Never raises for a DO or data failure: the run records it, so the caller (command,
    task) decides what a failure means to it. `with_projects=False` when the caller has
    just synced projects and assignments for every kind (`sync_projects_once`)."""
    spec = kind_spec(kind)
    client = client or client_for("sync")
    with session_lock(sync_lock_name(kind)) as acquired:
        now = timezone.now()
        if not acquired:
            return SyncRun.objects.create(
                kind=kind,
                status=SyncRun.Status.SKIPPED,
                started_at=now,
                finished_at=now,
                trigger=trigger,
                error=f"Another {kind} sync is running.",
            )
        # We hold the lock, so any run still marked running lost its worker.
        SyncRun.objects.filter(kind=kind, status=SyncRun.Status.RUNNING).update(
            status=SyncRun.Status.FAILED,
            finished_at=now,
            error="Abandoned: its worker stopped before finishing.",
        )
        run = SyncRun.objects.create(kind=kind, started_at=now, trigger=trigger)
        # The run's log lines and audit events carry its id (README, "Logs";
        # arcadia.origin); unbound once it is over, however it ends.
        with structlog.contextvars.bound_contextvars(sync_run_id=run.pk):
            spent_before = counts_of(client)
            try:
                supplement, reads = _read_everything(run, spec, client, with_projects=with_projects)
                _strike(run, spec, client, supplement, reads)
                run.supplement_read = supplement.read_in_full
                run.status = SyncRun.Status.COMPLETED
            except Exception as exc:
                log.exception("%s sync #%s failed", kind, run.pk)
                run.status = SyncRun.Status.FAILED
                run.error = f"{exc.__class__.__name__}: {exc}"[:4000]
            spent = counts_of(client) - spent_before
            run.requests, run.rate_limited = spent.requests, spent.rate_limited
            run.waited_seconds = round(spent.waited_seconds, 3)
            run.finished_at = timezone.now()
            run.save()
            if run.status == SyncRun.Status.FAILED:
                announce_sync_failed(run)  # webhooks: sync.failed
    if run.status == SyncRun.Status.COMPLETED:
        sync_completed.send_robust(sender=run_full_sync, kind=kind, run=run, client=client)
    return run


def sync_projects_once(client: Any) -> bool:
    """Projects and their assignments for every kind at once, ahead of a pass over all
    kinds: DO's project resources list every kind's URNs together, so one read serves
    them all (instead of one per kind). False when it failed: each kind's run then
    reads them itself and records the failure as its own."""
    try:
        _mirror_projects(client, seen_at=timezone.now())
    except Exception:
        log.exception("project sync ahead of every kind failed")
        return False
    return True


def run_all(*, client: Any = None, trigger: str = "manual") -> list[SyncRun]:
    """Every kind in turn, projects read once (the command and the demo; beat fans out)."""
    client = client or client_for("sync")
    with_projects = not sync_projects_once(client)
    return [
        run_full_sync(kind, client=client, trigger=trigger, with_projects=with_projects)
        for kind in KINDS
    ]


# Each listing of the kind and what its complete read saw.
Reads = list[tuple[Listing, ListingRead]]


def _read_everything(
    run: SyncRun, spec: KindSpec, client: Any, *, with_projects: bool
) -> tuple[PageSupplement, Reads]:
    """Reads every page of every listing of the kind; returns the run's supplement (so
    a second read normalizes the same way) and what each listing's read saw."""
    if with_projects:
        _mirror_projects(client, seen_at=run.started_at)

    supplement = spec.supplement(client) if spec.supplement else PageSupplement()
    totals = UpsertOutcome()
    reads: Reads = []
    last_progress = time.monotonic()
    for listing in spec.listings:
        read = ListingRead()
        reads.append((listing, read))
        for items, total in _pages(client, listing):
            rows = [spec.normalize(raw) for raw in supplement(items)]
            outcome = upsert_resources(
                spec.kind, rows, seen_at=timezone.now(), actor=actor_for(run)
            )
            read.add_page(
                (row.provider_id for row in rows),
                total,
                arrivals=outcome.discovered + outcome.restored,
            )
            totals.add(outcome)
            run.pages += 1
            _copy_counts(run, totals)
            if time.monotonic() - last_progress >= PROGRESS_EVERY_SECONDS:
                run.save(update_fields=["pages", "seen", "discovered", "updated", "restored"])
                last_progress = time.monotonic()
    return supplement, reads


def _mirror_projects(client: Any, *, seen_at: datetime) -> None:
    """Projects, then every kind's assignments to them."""
    projects, _ = sync_projects(client, seen_at=seen_at)
    sync_assignments(client, projects, seen_at=seen_at)


def _pages(client: Any, listing: Listing) -> Iterator[tuple[list[dict[str, Any]], int | None]]:
    """Each page of one listing as it arrives, with its `meta.total`. A single-object
    listing (the registry) is one page of one, or of none when DO answers 404 (the
    account has none)."""
    if listing.single:
        try:
            yield [client.get_key(listing.path, listing.key)], None
        except DONotFound:
            yield [], None
        return
    pages = client.iter_pages(
        listing.path, listing.key, params=listing.params or None, per_page=PER_PAGE
    )
    for page in prefetched(pages):
        yield page.items, page.total


def _strike(
    run: SyncRun, spec: KindSpec, client: Any, supplement: PageSupplement, reads: Reads
) -> None:
    """Strikes what the complete run did not see, at no cost per resource.

    A read that could not have shifted proves the unseen gone with no request. Each
    listing that could have is read once more (the same pages: DO has no ids-only
    listing); an unseen resource in that second read slid between pages and is written
    through the chokepoint like any sighting; one absent from both is gone, unless the
    second read could have shifted too: then nobody absent is struck this run, so a
    live resource never is (the next run looks again)."""
    unseen = {
        provider_id for batch in unseen_since(spec.kind, run.started_at) for provider_id in batch
    }
    check = StrikeCheck(unseen=len(unseen))
    alive: dict[str, ResourceRow] = {}
    settled = True
    for listing, first in reads:
        if not unseen or not first.could_have_shifted:
            continue
        second = ListingRead()
        for items, total in _pages(client, listing):
            rows = [spec.normalize(raw) for raw in supplement(items)]
            ids = [row.provider_id for row in rows]
            # New since the first read, not one it missed: may balance a departure.
            arrivals = sum(1 for i in ids if i not in first.ids and i not in unseen)
            second.add_page(ids, total, arrivals=arrivals)
            alive.update((row.provider_id, row) for row in rows if row.provider_id in unseen)
        check.relisted += 1
        check.relisted_pages += second.responses
        settled = settled and not second.could_have_shifted

    found = UpsertOutcome()
    rows = list(alive.values())
    for start in range(0, len(rows), PER_PAGE):
        found.add(
            upsert_resources(
                spec.kind,
                rows[start : start + PER_PAGE],
                seen_at=timezone.now(),
                actor=actor_for(run),
            )
        )
    check.alive = len(alive)
    gone = sorted(unseen - alive.keys())
    if not settled:
        check.uncertain, gone = len(gone), []

    totals = StrikeOutcome()
    for start in range(0, len(gone), STRIKE_BATCH):
        outcome = strike_unseen(
            spec.kind,
            gone[start : start + STRIKE_BATCH],
            run_started_at=run.started_at,
            at=timezone.now(),
            actor=actor_for(run),
        )
        totals.struck += outcome.struck
        totals.deleted += outcome.deleted
    run.seen += found.seen
    run.discovered += found.discovered
    run.updated += found.updated
    run.restored += found.restored
    run.struck, run.deleted = totals.struck, totals.deleted
    _log_check(run, check, totals)


def _log_check(run: SyncRun, check: StrikeCheck, totals: StrikeOutcome) -> None:
    if not check.unseen:
        return
    how = (
        f"re-read {check.relisted} listing(s) ({check.relisted_pages} pages)"
        if check.relisted
        else "no listing could have shifted, no request"
    )
    log.info(
        "%s sync #%s: %d unseen; %s; %d slid between pages, %d struck, %d tombstoned",
        run.kind,
        run.pk,
        check.unseen,
        how,
        check.alive,
        totals.struck,
        totals.deleted,
    )
    if check.uncertain:
        log.warning(
            "%s sync #%s: the second listing shifted too; %d unseen left unstruck this run",
            run.kind,
            run.pk,
            check.uncertain,
        )


def _copy_counts(run: SyncRun, totals: UpsertOutcome) -> None:
    run.seen = totals.seen
    run.discovered = totals.discovered
    run.updated = totals.updated
    run.restored = totals.restored
