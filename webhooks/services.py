"""Writers for webhooks: subscribe, unsubscribe, emit (the outbox) and redeliver.

`emit` is called by the app that owns the event, inside the transaction that caused it
(drift detection's batch, an accept, a saga's last step...). It costs one query when no
active subscription wants the type, else three whatever the number of objects: the check,
one insert of the events and one INSERT ... SELECT of their deliveries. Nothing is sent
here: after the commit a task on the `webhooks` queue sends what is due (webhooks.delivery),
so a slow or dead receiver never holds up the caller."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx
from django.db import connection, transaction
from django.utils import timezone

from arcadia.errors import InvalidInput, NotFound
from tenants.models import Tenant, User
from tenants.roles import is_platform_admin
from webhooks.events import EVENT_TYPES
from webhooks.models import WebhookDelivery, WebhookEvent, WebhookSubscription
from webhooks.signing import new_secret

RETRY_WINDOW = timedelta(hours=24)


@dataclass(frozen=True)
class Announcement:
    """One object an event is about: as the API shows it, and whose it is."""

    payload: dict[str, Any]
    tenant_id: int | None


def wanted(*event_types: str) -> set[str]:
    """Which of `event_types` some active subscription wants, in one query: callers skip
    building payloads (a read of their objects) when nobody listens."""
    rows = WebhookSubscription.objects.filter(active=True, events__overlap=list(event_types))
    found = {name for events in rows.values_list("events", flat=True) for name in events}
    return found & set(event_types)


def emit(event_type: str, payload: dict[str, Any], tenant_id: int | None) -> list[uuid.UUID]:
    """One event; see `emit_many`."""
    if not wanted(event_type):
        return []
    return _write(event_type, [Announcement(payload, tenant_id)], at=timezone.now())


def emit_many(
    event_type: str,
    announcements: Iterable[Announcement],
    *,
    at: datetime | None = None,
    checked: bool = False,
) -> list[uuid.UUID]:
    """One event per announcement and a delivery per matching subscription, in the
    caller's transaction. A caller whose announcements cost a read asks `wanted()` first
    and passes `checked=True` (no second check)."""
    listed = list(announcements)
    if not listed or (not checked and not wanted(event_type)):
        return []
    return _write(event_type, listed, at=at or timezone.now())


_DELIVERIES_SQL = """
INSERT INTO webhook_deliveries (event_id, subscription_id, status, attempts,
                                last_response_excerpt, last_error, next_attempt_at,
                                retry_until, created_at)
SELECT e.id, s.id, 'pending', 0, '', '', %s, %s, %s
  FROM webhook_events e
  JOIN webhook_subscriptions s
    ON s.active AND e.type = ANY(s.events)
       AND (s.tenant_id IS NULL OR s.tenant_id = e.tenant_id)
 WHERE e.id = ANY(%s::uuid[])
ON CONFLICT DO NOTHING
"""


def _write(
    event_type: str, announcements: Sequence[Announcement], *, at: datetime
) -> list[uuid.UUID]:
    events = WebhookEvent.objects.bulk_create(
        WebhookEvent(
            id=uuid.uuid4(),
            type=event_type,
            occurred_at=at,
            tenant_id=item.tenant_id,
            payload=item.payload,
        )
        for item in announcements
    )
    ids = [event.id for event in events]
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(_DELIVERIES_SQL, [now, at + RETRY_WINDOW, now, ids])
        queued = cursor.rowcount
    if queued:
        transaction.on_commit(_kick_sender)
    return ids


def _kick_sender() -> None:
    # Imported here: the task module imports the sender, which imports this module.
    from webhooks.tasks import send_due

    send_due.delay()


def _sendable(url: str) -> bool:
    """The sender's HTTP client can post to it: a host it can encode and a port that is a
    number (`http://a:abc/`, a NUL or an empty label pass `urlsplit` but not httpx)."""
    try:
        parsed = httpx.URL(url)
        parsed.host.encode("idna")
    except (httpx.InvalidURL, UnicodeError, ValueError):
        return False
    return bool(parsed.host)


def subscribe(
    *,
    url: str,
    events: Sequence[str],
    tenant: Tenant | None,
    secret: str = "",
    format: str = WebhookSubscription.Format.ARCADIA,
    actor: User | None,
) -> WebhookSubscription:
    """A new subscription. A tenant's user may subscribe to their own tenant only; a
    platform admin to one tenant or (no tenant) to every event. The secret is generated
    when none is given; callers show it once."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or not _sendable(url):
        raise InvalidInput("An http:// or https:// URL.", field="url")
    if not events:
        raise InvalidInput("At least one event type.", field="events")
    unknown = sorted(set(events) - set(EVENT_TYPES))
    if unknown:
        raise InvalidInput(
            f"Unknown event type(s) {', '.join(unknown)}; known: {', '.join(EVENT_TYPES)}.",
            field="events",
        )
    if format not in WebhookSubscription.Format.values:
        raise InvalidInput("One of: arcadia, slack.", field="format")
    if actor is not None and not is_platform_admin(actor):
        if tenant is None:
            raise InvalidInput("Required: the tenant whose events you want.", field="tenant")
        if tenant.pk not in actor.tenant_ids():
            raise InvalidInput("Not one of your tenants.", field="tenant")
    return WebhookSubscription.objects.create(
        url=url,
        secret=secret or new_secret(),
        events=sorted(set(events), key=EVENT_TYPES.index),
        tenant=tenant,
        format=format,
        created_by=actor,
    )


def unsubscribe(subscription: WebhookSubscription) -> None:
    """Deletes the subscription and its delivery log."""
    subscription.delete()


def redeliver(delivery: WebhookDelivery) -> WebhookDelivery:
    """Sends the delivery again as soon as a sender runs, with a fresh 24 h of retries."""
    now = timezone.now()
    updated = WebhookDelivery.objects.filter(pk=delivery.pk).update(
        status=WebhookDelivery.Status.PENDING,
        next_attempt_at=now,
        retry_until=now + RETRY_WINDOW,
    )
    if not updated:
        raise NotFound("No such delivery.")
    transaction.on_commit(_kick_sender)
    delivery.refresh_from_db()
    return delivery
