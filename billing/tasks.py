"""Celery entry points for billing (queue `billing`, routed by name in settings). Thin:
each calls services. Safe to run twice (acks_late may redeliver): an unchanged
generation writes nothing, and a reconciliation is just another row."""

from __future__ import annotations

import logging
from typing import Any

from celery import shared_task
from django.utils import timezone

from billing.periods import month_of, month_text, parse_month, previous_month
from billing.services.invoices import generate_month
from billing.services.prices import refresh_prices as refresh_prices_service
from billing.services.reconcile import NoProviderInvoice, reconcile, status_counts
from do_client import DORateLimited, DOServerError, DOTransportError, client_for

log = logging.getLogger(__name__)

# DO normally issues last month's invoice on the 1st; if it is late, look again hourly.
INVOICE_LATE_RETRY_SECONDS = 3600
INVOICE_LATE_RETRIES = 24


@shared_task(
    name="billing.close_month",
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(DOTransportError, DORateLimited, DOServerError),
    retry_backoff=60,
    retry_jitter=True,
    max_retries=INVOICE_LATE_RETRIES,
    soft_time_limit=30 * 60,
    time_limit=35 * 60,
)
def close_month(self: Any, month: str | None = None) -> dict[str, Any]:
    """Beat, the 2nd at 06:00 UTC: last month's drafts, then the reconciliation."""
    period = parse_month(month) if month else previous_month(month_of(timezone.now()))
    client = client_for("billing")
    generation = generate_month(period, actor="billing.close_month", client=client)
    result: dict[str, Any] = {
        "month": month_text(period),
        "invoices": len(generation.invoices),
        "written": generation.wrote,
        "unallocated_cost": str(generation.unallocated_cost),
    }
    try:
        reconciliation = reconcile(period, client=client, actor="billing.close_month")
    except NoProviderInvoice as exc:
        log.warning("billing.close_month %s: %s; retrying", month_text(period), exc.message)
        raise self.retry(
            exc=exc, countdown=INVOICE_LATE_RETRY_SECONDS, max_retries=INVOICE_LATE_RETRIES
        ) from exc
    result["reconciliation"] = reconciliation.pk
    result["counts"] = status_counts(reconciliation)
    result["difference"] = str(reconciliation.difference)
    return result


@shared_task(name="billing.refresh_prices", acks_late=True, soft_time_limit=300, time_limit=360)
def refresh_prices() -> dict[str, int]:
    """The price book from DO's sizes; the inventory's sync enqueues it after each run."""
    outcome = refresh_prices_service(client_for("billing"))
    return {
        "seen": outcome.seen,
        "added": outcome.added,
        "changed": outcome.changed,
        "drift_repricing_queued": outcome.drift_repricing_queued,
    }
