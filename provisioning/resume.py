"""When saga passes happen (DESIGN.md, "Provisioning": a crashed worker's run resumed by a
periodic task). A run's `next_run_at` is its durable schedule: beat's every-minute
`provisioning.resume_due` queues a pass for every run that is due or whose worker's lease
expired. `run_in_foreground` is the same loop in one process, for a script."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from django.db.models import F, Q
from django.utils import timezone

from provisioning import dispatch
from provisioning.engine import advance
from provisioning.models import LIVE_STATUSES, SagaRun

RESUME_BATCH = 500


def due_run_ids(*, now: datetime | None = None, limit: int = RESUME_BATCH) -> list[int]:
    """Live runs that are due, or whose worker's lease expired, oldest due first."""
    now = now or timezone.now()
    return list(
        SagaRun.objects.filter(status__in=LIVE_STATUSES)
        .filter(Q(next_run_at__isnull=True) | Q(next_run_at__lte=now))
        .filter(Q(lease_owner="") | Q(lease_expires_at__lt=now))
        .order_by(F("next_run_at").asc(nulls_first=True), "id")
        .values_list("pk", flat=True)[:limit]
    )


def resume_due(*, limit: int = RESUME_BATCH) -> list[int]:
    """Queues a pass for every due run (beat, every minute); returns their ids. Queuing
    one twice is harmless: the lease lets one pass through."""
    run_ids = due_run_ids(limit=limit)
    for run_id in run_ids:
        dispatch.enqueue_advance(run_id)
    return run_ids


def run_in_foreground(
    run_id: int,
    *,
    sleep: Callable[[float], None],
    on_pass: Callable[[SagaRun], None] | None = None,
    worker: str | None = None,
    max_passes: int = 10_000,
) -> SagaRun:
    """Advances a run in this process until it is over, sleeping through its waits (for
    `manage.py provision_droplet`; a Celery worker never does this)."""
    for _ in range(max_passes):
        advance(run_id, worker=worker)
        run = SagaRun.objects.get(pk=run_id)
        if on_pass is not None:
            on_pass(run)
        if not run.is_live:
            return run
        now = timezone.now()
        due = run.next_run_at or run.lease_expires_at or now
        sleep(min(max((due - now).total_seconds(), 0.05), 60.0))
    return SagaRun.objects.get(pk=run_id)
