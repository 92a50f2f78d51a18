"""Celery entry points for drift. Thin: each calls one service."""

from __future__ import annotations

import logging

from celery import shared_task

from drift.services.detection import run_detection
from drift.services.impact import reprice_open_drift
from drift.services.suppressions import expire_due

log = logging.getLogger(__name__)


@shared_task(
    name="drift.detect",
    acks_late=True,
    reject_on_worker_lost=True,
    # A sweep of 100,000 specs takes seconds; the hourly schedule bounds it anyway.
    soft_time_limit=20 * 60,
    time_limit=25 * 60,
)
def detect() -> dict[str, object]:
    """Detection against the last completed sync (beat: minute 20). Safe to run twice
    (acks_late may redeliver): a second sweep finds nothing left to write."""
    run = run_detection(actor="drift.detect")
    log.info("drift detection %s", run.message)
    outcome = run.outcome
    return {
        "skipped": run.skipped,
        "message": run.message,
        "against_sync": run.against_sync,
        "opened": outcome.opened if outcome else 0,
        "refreshed": outcome.refreshed if outcome else 0,
        "closed": outcome.closed if outcome else 0,
    }


@shared_task(
    name="drift.expire_suppressions",
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=2 * 60,
    time_limit=3 * 60,
)
def expire_suppressions() -> dict[str, int]:
    """Handles suppressions past their expiry (beat: every 5 minutes): reopens their drift
    and announces `drift.suppression_expired`. Safe to run twice: a handled expiry is
    never handled again."""
    expiry = expire_due()
    if expiry.expired:
        log.info(
            "drift suppressions expired: %d, drift reopened: %d", expiry.expired, expiry.reopened
        )
    return {"expired": expiry.expired, "reopened": expiry.reopened}


@shared_task(name="drift.reprice", acks_late=True, soft_time_limit=10 * 60, time_limit=11 * 60)
def reprice() -> dict[str, int]:
    """Unresolved drift's monthly impact from the price book in effect: queued by billing
    after each change of the book commits. Safe to run twice (it writes only what
    changed, and never over a sweep's newer write)."""
    outcome = reprice_open_drift()
    log.info("drift repricing %s", outcome)
    return {"seen": outcome.seen, "changed": outcome.changed, "unpriced": outcome.unpriced}
