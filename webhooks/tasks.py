"""Celery entry points for webhooks, on the `webhooks` queue. Thin: each calls one service."""

from __future__ import annotations

from celery import shared_task

from webhooks.delivery import send_due as send_due_deliveries


@shared_task(
    name="webhooks.send_due",
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=10 * 60,
    time_limit=11 * 60,
)
def send_due() -> dict[str, int]:
    """Sends due deliveries: after an emit commits, and every minute for retries (beat).
    Safe to run twice or side by side: rows are claimed with SKIP LOCKED."""
    outcome = send_due_deliveries()
    return {"delivered": outcome.delivered, "retrying": outcome.retrying, "failed": outcome.failed}
