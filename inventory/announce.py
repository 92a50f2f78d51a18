"""Inventory's webhook event: `sync.failed`, with the run as
`/api/v1/inventory/sync-runs` shows it (webhooks.services; a platform event, no tenant).
Written when the failed run is saved, so it is sent after that commit."""

from __future__ import annotations

from inventory.api.serializers import SyncRunSerializer
from inventory.models import SyncRun
from webhooks.events import WebhookEventType
from webhooks.services import emit


def announce_sync_failed(run: SyncRun) -> None:
    emit(WebhookEventType.SYNC_FAILED, dict(SyncRunSerializer(run).data), tenant_id=None)
