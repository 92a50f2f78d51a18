"""Sending due deliveries (the `webhooks` Celery queue; never the caller of `emit`).

A sender claims a batch with `FOR UPDATE SKIP LOCKED` and moves it a lease ahead
(`CLAIM_LEASE`) in one short transaction, then posts outside any transaction: two
senders never post the same delivery, and one that dies mid-batch leaves its rows due
again when the lease ends. Each outcome is one guarded UPDATE.

Retries: a timeout, a transport error or a non-2xx answer retries after 15 s, 30 s, 1 min,
2 min ... (doubling, capped at `MAX_BACKOFF`) until `retry_until` (24 h after the event),
then the delivery is `failed`. A 2xx is `delivered`.

One receiver never holds up another: a batch's subscriptions are posted to side by side
(`SENDERS` threads, which do the HTTP only; each outcome is written on the caller's
connection as it arrives), each subscription's deliveries in order. A receiver that times
out or cannot be reached is not tried again until its failed delivery's retry: its other
deliveries, this batch's and the due backlog behind them, wait unattempted until then. So
a dead receiver with 1,000 due costs one timeout per retry, not 1,000, and the next claim
goes to the others."""

from __future__ import annotations

import json
import logging
import queue
import time
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
from django.db import connection, transaction
from django.utils import timezone

from webhooks.models import WebhookDelivery, WebhookSubscription
from webhooks.signing import HEADER, sign

log = logging.getLogger(__name__)

BATCH_SIZE = 50
SENDERS = 8  # receivers posted to side by side within a batch
TIMEOUT = httpx.Timeout(5.0)
CLAIM_LEASE = timedelta(minutes=5)
FIRST_BACKOFF = timedelta(seconds=15)
MAX_BACKOFF = timedelta(hours=1)
EXCERPT_CHARS = 500
USER_AGENT = "Arcadia-Webhooks/1"

_CLAIM_SQL = """
UPDATE webhook_deliveries
   SET next_attempt_at = %s
 WHERE id IN (SELECT id FROM webhook_deliveries
               WHERE status = 'pending' AND next_attempt_at <= %s
               ORDER BY next_attempt_at, id
               LIMIT %s
                 FOR UPDATE SKIP LOCKED)
RETURNING id
"""


@dataclass
class SendOutcome:
    delivered: int = 0
    retrying: int = 0
    failed: int = 0

    @property
    def attempted(self) -> int:
        return self.delivered + self.retrying + self.failed


def backoff(attempts: int) -> timedelta:
    """The wait after the `attempts`-th failed attempt: 15 s, 30 s, 1 min, 2 min ..."""
    return min(FIRST_BACKOFF * (2 ** max(attempts - 1, 0)), MAX_BACKOFF)


def send_due(
    *, client: httpx.Client | None = None, max_batches: int = 20, now: datetime | None = None
) -> SendOutcome:
    """Sends due deliveries, a batch at a time, until none is due or `max_batches` ran
    (beat's next minute picks up the rest)."""
    outcome = SendOutcome()
    own = client is None
    http = client or httpx.Client(timeout=TIMEOUT, headers={"User-Agent": USER_AGENT})
    try:
        for _ in range(max_batches):
            claimed = _claim(now or timezone.now())
            if not claimed:
                break
            _send_batch(http, claimed, outcome)
    finally:
        if own:
            http.close()
    return outcome


def _claim(now: datetime) -> list[WebhookDelivery]:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(_CLAIM_SQL, [now + CLAIM_LEASE, now, BATCH_SIZE])
        ids = [row[0] for row in cursor.fetchall()]
    return list(
        WebhookDelivery.objects.filter(pk__in=ids)
        .select_related("event", "subscription")
        .order_by("next_attempt_at", "id")
    )


def body_for(delivery: WebhookDelivery) -> bytes:
    """The request body: the Arcadia envelope, or a Slack-compatible `{"text": ...}`."""
    event = delivery.event
    if delivery.subscription.format == WebhookSubscription.Format.SLACK:
        document: dict[str, Any] = {"text": slack_text(event.type, event.payload)}
    else:
        document = {
            "id": str(event.id),
            "type": event.type,
            "occurred_at": event.occurred_at.isoformat().replace("+00:00", "Z"),
            "tenant": event.tenant_id,
            "data": event.payload,
        }
    return json.dumps(document, separators=(",", ":"), sort_keys=True, default=str).encode()


def slack_text(event_type: str, payload: dict[str, Any]) -> str:
    suppression = payload.get("suppression")
    if isinstance(suppression, dict):  # drift.suppression_expired
        scope = suppression.get("scope")
        target = suppression.get("resource_urn") if scope == "resource" else suppression.get(scope)
        return (
            f"*Arcadia* `{event_type}` #{suppression.get('id')} field "
            f"`{suppression.get('field')}` on {scope} {target}: "
            f"{len(payload.get('reopened') or [])} drift reopened"
        )
    subject = (
        payload.get("resource", {}).get("urn")
        if isinstance(payload.get("resource"), dict)
        else None
    )
    status = payload.get("status")
    bits = [f"*Arcadia* `{event_type}`"]
    if "id" in payload:
        bits.append(f"#{payload['id']}")
    if payload.get("field"):
        bits.append(f"field `{payload['field']}`")
    if subject:
        bits.append(f"on {subject}")
    if status:
        bits.append(f"({status})")
    return " ".join(bits)


@dataclass(frozen=True)
class _Posted:
    """What one POST gave. `unreachable`: no answer at all (a timeout, a refused or
    broken connection), so the receiver's other deliveries are not tried this batch.
    `attempted` is false for those: nothing was sent."""

    code: int | None = None
    excerpt: str = ""
    error: str = ""
    unreachable: bool = False
    attempted: bool = True


def _send_batch(http: httpx.Client, claimed: list[WebhookDelivery], outcome: SendOutcome) -> None:
    """Posts the batch, a thread per subscription, and records each outcome here as it
    arrives (never a batch's worth at the end: a slow receiver's finished attempts are
    written long before the claim's lease runs out)."""
    by_subscription: dict[int, list[WebhookDelivery]] = defaultdict(list)
    for delivery in claimed:
        by_subscription[delivery.subscription_id].append(delivery)
    results: queue.Queue[tuple[WebhookDelivery, _Posted]] = queue.Queue()
    with ThreadPoolExecutor(max_workers=min(SENDERS, len(by_subscription))) as pool:
        for group in by_subscription.values():
            pool.submit(_post_in_order, http, group, results.put)
        # A thread hands its deliveries over in order: a receiver's failed attempt comes
        # before the ones it left unattempted.
        wait_until: dict[int, datetime] = {}
        for _ in claimed:
            try:
                delivery, posted = results.get(timeout=CLAIM_LEASE.total_seconds())
            except queue.Empty:  # a sender thread died: its rows are due when the lease ends
                log.error("webhook sender thread handed nothing over for %s", CLAIM_LEASE)
                return
            if not posted.attempted:
                _defer(delivery, until=wait_until[delivery.subscription_id])
                continue
            retry_at = _record(delivery, posted, outcome)
            if posted.unreachable:
                until = retry_at or timezone.now() + FIRST_BACKOFF
                wait_until[delivery.subscription_id] = until
                _defer_backlog(delivery, until=until)


def _post_in_order(
    http: httpx.Client,
    group: list[WebhookDelivery],
    hand_over: Callable[[tuple[WebhookDelivery, _Posted]], None],
) -> None:
    """One subscription's deliveries, in order, each outcome handed over as soon as it is
    known (on a sender thread: HTTP only, no database). Once its receiver cannot be
    reached, the rest are handed over unattempted."""
    reached = True
    for delivery in group:
        if not reached:
            hand_over((delivery, _Posted(attempted=False)))
            continue
        try:
            posted = _post(http, delivery)
        except Exception as exc:  # a bug in signing or a body: recorded, never lost
            posted = _Posted(error=f"{type(exc).__name__}: {exc}"[:EXCERPT_CHARS])
        reached = not posted.unreachable
        hand_over((delivery, posted))


def _post(http: httpx.Client, delivery: WebhookDelivery) -> _Posted:
    body = body_for(delivery)
    headers = {
        "Content-Type": "application/json",
        HEADER: sign(delivery.subscription.secret, body, timestamp=int(time.time())),
        "X-Arcadia-Event": delivery.event.type,
        "X-Arcadia-Event-Id": str(delivery.event_id),
        "X-Arcadia-Delivery": str(delivery.pk),
    }
    try:
        response = http.post(delivery.subscription.url, content=body, headers=headers)
    except httpx.TimeoutException as exc:
        return _Posted(error=f"timeout: {exc}"[:EXCERPT_CHARS], unreachable=True)
    except httpx.TransportError as exc:
        return _Posted(error=f"{type(exc).__name__}: {exc}"[:EXCERPT_CHARS], unreachable=True)
    except (httpx.HTTPError, httpx.InvalidURL, UnicodeError) as exc:
        # A URL httpx cannot send to (refused at subscribe since, but older rows may
        # hold one): an error of this delivery, retried and in the end failed.
        return _Posted(error=f"{type(exc).__name__}: {exc}"[:EXCERPT_CHARS])
    code = response.status_code
    return _Posted(
        code=code,
        excerpt=response.text[:EXCERPT_CHARS],
        error="" if response.is_success else f"HTTP {code}",
    )


def _record(delivery: WebhookDelivery, posted: _Posted, outcome: SendOutcome) -> datetime | None:
    """Writes one attempt's outcome; returns when the delivery is tried next (None when
    it is delivered or has failed for good)."""
    now = timezone.now()
    attempts = delivery.attempts + 1
    error = posted.error
    next_attempt_at: datetime | None = None
    changes: dict[str, Any] = {
        "attempts": attempts,
        "last_status_code": posted.code,
        "last_response_excerpt": posted.excerpt,
        "last_error": error,
        "last_attempt_at": now,
    }
    if not error:
        changes.update(
            status=WebhookDelivery.Status.DELIVERED, delivered_at=now, next_attempt_at=None
        )
        outcome.delivered += 1
    elif now + backoff(attempts) > delivery.retry_until:
        changes.update(status=WebhookDelivery.Status.FAILED, next_attempt_at=None)
        outcome.failed += 1
        log.warning(
            "webhook delivery %s gave up after %s attempts: %s", delivery.pk, attempts, error
        )
    else:
        next_attempt_at = now + backoff(attempts)
        changes.update(next_attempt_at=next_attempt_at)
        outcome.retrying += 1
    # Guarded on the attempt count we read: another sender's attempt since the claim (a
    # lease that ran out) is not rolled back by this one.
    WebhookDelivery.objects.filter(pk=delivery.pk, attempts=delivery.attempts).update(**changes)
    return next_attempt_at


def _defer(delivery: WebhookDelivery, *, until: datetime) -> None:
    """One of this batch's deliveries left unattempted (its receiver could not be reached):
    due again with the failed one, its attempts and last outcome unchanged."""
    WebhookDelivery.objects.filter(
        pk=delivery.pk, attempts=delivery.attempts, status=WebhookDelivery.Status.PENDING
    ).update(next_attempt_at=until)


def _defer_backlog(failed: WebhookDelivery, *, until: datetime) -> None:
    """Its receiver could not be reached: the rest of its backlog that is due (or due
    before `until`) waits until then too, unattempted, in one statement, so the next claim
    goes to other receivers instead of the dead one's backlog. Rows a sender holds (their
    lease ends after `until`) are left to it."""
    WebhookDelivery.objects.filter(
        subscription_id=failed.subscription_id,
        status=WebhookDelivery.Status.PENDING,
        next_attempt_at__lt=until,
    ).exclude(pk=failed.pk).update(next_attempt_at=until)
