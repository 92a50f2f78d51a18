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
from collections.abc import Callable, Iterator
from typing import Any

from django.utils import timezone

from arcadia.locks import session_lock
from do_client import DONotFound, client_for
from do_client.prefetch import prefetched
from inventory.kinds import KINDS, KindSpec, Listing, kind_spec
from inventory.models import SyncRun
from inventory.services.chokepoint import UpsertOutcome, upsert_resources
from inventory.services.projects import sync_assignments, sync_projects
from inventory.services.strikes import StrikeOutcome, strike_unseen, unseen_since
from inventory.signals import sync_completed

log = logging.getLogger(__name__)

PER_PAGE = 200
# The run row's counters are saved at most this often while pages stream in.
PROGRESS_EVERY_SECONDS = 5.0


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
        try:
            supplement = _read_everything(run, spec, client, with_projects=with_projects)
            _strike(run, spec, client, supplement)
            run.status = SyncRun.Status.COMPLETED
        except Exception as exc:
            log.exception("%s sync #%s failed", kind, run.pk)
            run.status = SyncRun.Status.FAILED
            run.error = f"{exc.__class__.__name__}: {exc}"[:4000]
        run.finished_at = timezone.now()
        run.save()
    if run.status == SyncRun.Status.COMPLETED:
        sync_completed.send_robust(sender=run_full_sync, kind=kind, run=run, client=client)
    return run


def sync_projects_once(client: Any) -> bool:
    """Projects and their assignments for every kind at once, ahead of a pass over all
    kinds: DO's project resources list every kind's URNs together, so one read serves
    them all (instead of one per kind). False when it failed: each kind's run then
    reads them itself and records the failure as its own."""
    seen_at = timezone.now()
    try:
        projects, _ = sync_projects(client, seen_at=seen_at)
        sync_assignments(client, projects, seen_at=seen_at)
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


Supplement = Callable[[dict[str, Any]], dict[str, Any]]


def _read_everything(
    run: SyncRun, spec: KindSpec, client: Any, *, with_projects: bool
) -> Supplement:
    """Reads every page of every listing of the kind; returns the run's supplement so
    the strike pass normalizes what it fetches by id the same way."""
    if with_projects:
        projects, _ = sync_projects(client, seen_at=run.started_at)
        sync_assignments(client, projects, seen_at=run.started_at)

    supplement = spec.supplement(client) if spec.supplement else _unchanged
    totals = UpsertOutcome()
    last_progress = time.monotonic()
    for listing in spec.listings:
        for items in _pages(client, listing):
            rows = [spec.normalize(supplement(raw)) for raw in items]
            totals.add(
                upsert_resources(spec.kind, rows, seen_at=timezone.now(), actor=actor_for(run))
            )
            run.pages += 1
            _copy_counts(run, totals)
            if time.monotonic() - last_progress >= PROGRESS_EVERY_SECONDS:
                run.save(update_fields=["pages", "seen", "discovered", "updated", "restored"])
                last_progress = time.monotonic()
    return supplement


def _pages(client: Any, listing: Listing) -> Iterator[list[dict[str, Any]]]:
    """Each page of one listing as it arrives. A single-object listing (the registry)
    is one page of one, or of none when DO answers 404 (the account has none)."""
    if listing.single:
        try:
            yield [client.get_key(listing.path, listing.key)]
        except DONotFound:
            yield []
        return
    pages = client.iter_pages(
        listing.path, listing.key, params=listing.params or None, per_page=PER_PAGE
    )
    for page in prefetched(pages):
        yield page.items


def _unchanged(raw: dict[str, Any]) -> dict[str, Any]:
    return raw


def _strike(run: SyncRun, spec: KindSpec, client: Any, supplement: Supplement) -> None:
    """Strikes what the complete run did not see, after checking each one by id.

    Offset pagination shifts when a resource is created or destroyed mid-read, so a live
    resource can slip between two pages; asking DO for it by id tells "missed" from
    "gone". A missed one is written through the chokepoint like any sighting."""
    totals = StrikeOutcome()
    found = UpsertOutcome()
    for provider_ids in unseen_since(spec.kind, run.started_at):
        gone: list[str] = []
        alive = []
        for provider_id in provider_ids:
            try:
                alive.append(spec.normalize(supplement(spec.fetch(client, provider_id))))
            except DONotFound:
                gone.append(provider_id)
        found.add(upsert_resources(spec.kind, alive, seen_at=timezone.now(), actor=actor_for(run)))
        outcome = strike_unseen(
            spec.kind, gone, run_started_at=run.started_at, at=timezone.now(), actor=actor_for(run)
        )
        totals.struck += outcome.struck
        totals.deleted += outcome.deleted
    run.seen += found.seen
    run.discovered += found.discovered
    run.updated += found.updated
    run.restored += found.restored
    run.struck, run.deleted = totals.struck, totals.deleted


def _copy_counts(run: SyncRun, totals: UpsertOutcome) -> None:
    run.seen = totals.seen
    run.discovered = totals.discovered
    run.updated = totals.updated
    run.restored = totals.restored
