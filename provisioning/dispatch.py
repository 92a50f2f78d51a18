"""Telling Celery to advance a saga. Only a nudge: a run's `next_run_at` is the durable
schedule, and the every-minute `provisioning.resume_due` picks up any nudge that was lost
(broker down, worker killed), so a failure to enqueue is logged, never raised."""

from __future__ import annotations

import logging

log = logging.getLogger(__name__)

ADVANCE_TASK = "provisioning.advance_saga"


def enqueue_advance(run_id: int, *, countdown: float | None = None) -> None:
    """Queue `provisioning.advance_saga(run_id)` (routed to the `provisioning` queue by
    name). By name, so the engine never imports its own Celery task."""
    from arcadia.celery import app

    try:
        app.send_task(ADVANCE_TASK, args=(run_id,), countdown=countdown)
    except Exception:
        log.warning("could not enqueue saga #%s; resume_due will pick it up", run_id, exc_info=True)
