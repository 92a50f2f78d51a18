"""Drift's webhook events (webhooks.services): `drift.detected` when a drift opens and
`drift.resolved` when it closes (stale, accepted, reverted: its `status` and
`resolved_by` say which and who), each with the drift as `/api/v1/drift/{id}` shows it;
`drift.suppression_expired` when a suppression's expiry is handled
(drift.services.suppressions.expire_due), with the suppression as
`/api/v1/drift/suppressions/{id}` shows it and the ids of the drift it reopened.

Called inside the transaction that opened or closed the drifts, once per batch: with no
subscriber it costs one query; with some, one read of the drifts and two inserts,
however many drifts (a sweep opening 1,000 writes 1,000 outbox rows, sends nothing)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from django.db.models import Q

from drift.api.serializers import DriftSerializer, DriftSuppressionSerializer
from drift.models import Drift, DriftSuppression
from drift.selectors import DRIFT_RELATED, LISTING_ANNOTATIONS, with_held
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


def announce_expired(
    suppression_ids: Sequence[int], *, reopened: Mapping[int, Sequence[int]], at: datetime
) -> None:
    """One `drift.suppression_expired` per suppression whose expiry was handled at `at`,
    with the drift it reopened (`reopened`: suppression id -> drift ids). A resource's
    suppression is its tenant's event; a kind or tag one is no tenant's (platform
    subscribers only). One check, then one read, however many suppressions."""
    if not wanted(WebhookEventType.DRIFT_SUPPRESSION_EXPIRED):
        return
    queryset = with_held(
        DriftSuppression.objects.select_related(
            "resource__project", "owner", "created_by", "lifted_by"
        ).filter(pk__in=list(suppression_ids))
    ).order_by("id")
    emit_many(
        WebhookEventType.DRIFT_SUPPRESSION_EXPIRED,
        (
            Announcement(
                payload={
                    "suppression": dict(DriftSuppressionSerializer(suppression).data),
                    "reopened": sorted(reopened.get(suppression.pk, ())),
                },
                tenant_id=_tenant_of(suppression),
            )
            for suppression in queryset
        ),
        at=at,
        checked=True,
    )


def _tenant_of(suppression: DriftSuppression) -> int | None:
    resource = suppression.resource
    if resource is None or resource.project is None:
        return None
    return resource.project.tenant_id


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
