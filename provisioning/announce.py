"""Provisioning's webhook events: `saga.succeeded` and `saga.failed` (failed or
compensated), with the run as `/api/v1/provisioning/sagas/{id}` shows it, written in the
transaction that ends the run (webhooks.services; sent after the commit)."""

from __future__ import annotations

from provisioning.api.serializers import SagaRunSerializer
from provisioning.models import SagaRun, SagaStatus
from webhooks.events import WebhookEventType
from webhooks.services import Announcement, emit_many, wanted


def announce_saga_end(run: SagaRun) -> None:
    event_type = (
        WebhookEventType.SAGA_SUCCEEDED
        if run.status == SagaStatus.SUCCEEDED
        else WebhookEventType.SAGA_FAILED
    )
    if not wanted(event_type):
        return
    fresh = SagaRun.objects.select_related("created_by").prefetch_related("steps").get(pk=run.pk)
    emit_many(
        event_type,
        [Announcement(payload=dict(SagaRunSerializer(fresh).data), tenant_id=fresh.tenant_id)],
        checked=True,
    )
