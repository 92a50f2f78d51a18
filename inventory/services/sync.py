"""A full sync of one kind: projects, assignments, every page of resources, then strikes.

Each page commits on its own (through the chokepoint), so a failure part-way keeps what
was read and records the error; only a run that read every page strikes (DESIGN.md).
Two syncs of one kind never run at once: the run holds a session advisory lock, and a
second one is recorded as `skipped`.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from django.utils import timezone

from arcadia.locks import session_lock
from do_client import DONotFound, client_for
from do_client.prefetch import prefetched
from inventory.kinds import KINDS, kind_spec
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


def run_full_sync(kind: str, *, client: Any = None, trigger: str = "manual") -> SyncRun:
    """Runs one full sync of `kind` and returns its run row (completed, failed or skipped).

    Never raises for a DO or data failure: the run records it, so the caller (command,
    task) decides what a failure means to it."""
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
            _read_everything(run, spec, client)
            _strike(run, spec, client)
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


def run_all(*, client: Any = None, trigger: str = "manual") -> list[SyncRun]:
    return [run_full_sync(kind, client=client, trigger=trigger) for kind in KINDS]


def _read_everything(run: SyncRun, spec: Any, client: Any) -> None:
    projects, _ = sync_projects(client, seen_at=run.started_at)
    sync_assignments(client, projects, seen_at=run.started_at)

    totals = UpsertOutcome()
    last_progress = time.monotonic()
    pages = client.iter_pages(spec.list_path, spec.list_key, per_page=PER_PAGE)
    for page in prefetched(pages):
        rows = [spec.normalize(raw) for raw in page.items]
        totals.add(upsert_resources(spec.kind, rows, seen_at=timezone.now(), actor=actor_for(run)))
        run.pages += 1
        _copy_counts(run, totals)
        if time.monotonic() - last_progress >= PROGRESS_EVERY_SECONDS:
            run.save(update_fields=["pages", "seen", "discovered", "updated", "restored"])
            last_progress = time.monotonic()


def _strike(run: SyncRun, spec: Any, client: Any) -> None:
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
                alive.append(spec.normalize(spec.fetch(client, provider_id)))
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
