"""Drift's webhook events (webhooks.services): `drift.detected` when a drift opens and
`drift.resolved` when it closes (stale, accepted, reverted: its `status` and
`resolved_by` say which and who), each with the drift as `/api/v1/drift/{id}` shows it.

Called inside the transaction that opened or closed the drifts, once per batch: with no
subscriber it costs one query; with some, one read of the drifts and two inserts,
however many drifts (a sweep opening 1,000 writes 1,000 outbox rows, sends nothing)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.db.models import Q

from drift.api.serializers import DriftSerializer
from drift.models import Drift
from drift.selectors import DRIFT_RELATED, LISTING_ANNOTATIONS
from webhooks.events import WebhookEventType
from webhooks.services import Announcement, emit_many, wanted


def announce_detection(*, at: datetime, resource_ids: Sequence[int]) -> None:
    """The batch's drifts opened or closed stale at `at` (detection stamps them all with
    the batch's time), among `resource_ids`."""
    listened = wanted(WebhookEventType.DRIFT_DETECTED, WebhookEventType.DRIFT_RESOLVED)
    batch = Q(resource_id__in=list(resource_ids))
    if WebhookEventType.DRIFT_DETECTED in listened:
        _emit(WebhookEventType.DRIFT_DETECTED, batch & Q(detected_at=at), at=at)
    if WebhookEventType.DRIFT_RESOLVED in listened:
        _emit(WebhookEventType.DRIFT_RESOLVED, batch & Q(resolved_at=at, status="stale"), at=at)


def announce_resolved(drift_id: int) -> None:
    """One drift closed (accepted, reverted), in the transaction that closed it."""
    if wanted(WebhookEventType.DRIFT_RESOLVED):
        _emit(WebhookEventType.DRIFT_RESOLVED, Q(pk=drift_id))


def _emit(event_type: str, drifts: Q, *, at: datetime | None = None) -> None:
    queryset = Drift.objects.select_related(*DRIFT_RELATED).filter(drifts).order_by("id")
    for annotate in LISTING_ANNOTATIONS:
        queryset = annotate(queryset)
    emit_many(
        event_type,
        (
            Announcement(
                payload=dict(DriftSerializer(drift).data),
                tenant_id=drift.resource.project.tenant_id if drift.resource.project else None,
            )
            for drift in queryset
        ),
        at=at,
        checked=True,
    )
