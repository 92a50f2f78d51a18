"""The event types a webhook subscription may ask for (issue 16). One list: the API, the
console and the command validate against it."""

from __future__ import annotations

from django.db import models


class WebhookEventType(models.TextChoices):
    DRIFT_DETECTED = "drift.detected", "Drift detected"
    # Accepted, reverted or stale; the drift's `status` and `resolved_by` say which and who.
    DRIFT_RESOLVED = "drift.resolved", "Drift resolved"
    DRIFT_SUPPRESSION_EXPIRED = "drift.suppression_expired", "Drift suppression expired"
    SAGA_SUCCEEDED = "saga.succeeded", "Saga succeeded"
    SAGA_FAILED = "saga.failed", "Saga failed"
    SYNC_FAILED = "sync.failed", "Inventory sync failed"
    RECONCILIATION_MISMATCH = "reconciliation.mismatch", "Reconciliation mismatch"
    INVOICE_FINALIZED = "invoice.finalized", "Invoice finalized"


EVENT_TYPES: tuple[str, ...] = tuple(WebhookEventType.values)
