"""Celery entry points for the inventory. Thin: each calls one service."""

from __future__ import annotations

from celery import shared_task

from inventory.kinds import KINDS
from inventory.services.sync import run_full_sync


@shared_task(
    name="inventory.sync_full",
    acks_late=True,
    reject_on_worker_lost=True,
    # A full sync of a large account takes minutes; an hourly schedule bounds it.
    soft_time_limit=50 * 60,
    time_limit=55 * 60,
)
def sync_full(kind: str | None = None) -> list[dict[str, object]]:
    """Full sync of one kind, or of every kind in turn. Safe to run twice (acks_late may
    redeliver): a second concurrent run of a kind is recorded as skipped."""
    kinds = [kind] if kind else list(KINDS)
    results = []
    for each in kinds:
        run = run_full_sync(each, trigger="celery")
        results.append({"kind": each, "run": run.pk, "status": run.status, "error": run.error})
    return results
