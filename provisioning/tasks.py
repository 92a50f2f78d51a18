"""Celery entry points for provisioning. Thin: each calls the engine. Routed to the
`provisioning` queue by name (settings.CELERY_TASK_ROUTES)."""

from __future__ import annotations

import logging

from celery import shared_task

from provisioning import engine, resume

log = logging.getLogger(__name__)


@shared_task(
    name="provisioning.advance_saga",
    acks_late=True,
    reject_on_worker_lost=True,
    # A pass renews its lease before every step; one step's DO calls fit well inside.
    soft_time_limit=240,
    time_limit=270,
)
def advance_saga(run_id: int) -> str:
    """One pass over a saga run. It carries only the run id: the run's rows hold its
    state, so a redelivered or duplicate task finds the lease taken or the work done."""
    run = engine.advance(run_id)
    if run is None:
        return "skipped: not due, not live, or another worker holds it"
    return f"{run.saga} #{run.pk} {run.status}"


@shared_task(
    name="provisioning.resume_due",
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=50,
    time_limit=55,
)
def resume_due() -> int:
    """Beat, every minute: queues a pass for every run that is due or whose worker's
    lease expired (a crashed worker's saga resumes here)."""
    run_ids = resume.resume_due()
    if run_ids:
        log.info("resuming %d saga run(s): %s", len(run_ids), run_ids[:20])
    return len(run_ids)
