"""Webhooks end to end: a receiver on loopback, retries, tenant isolation, and detection
that does not wait for receivers."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from rest_framework.test import APIClient

from drift.services.accept import accept_drift
from drift.services.detection import detect_drift
from drift.tests.conftest import provision, set_live
from tests.factories import (
    CloudProjectFactory,
    CloudResourceFactory,
    PlatformAdminFactory,
    TenantFactory,
    TenantUserFactory,
)
from webhooks import signing
from webhooks.delivery import backoff, send_due
from webhooks.models import WebhookDelivery, WebhookEvent, WebhookSubscription
from webhooks.services import subscribe

pytestmark = pytest.mark.django_db


class Receiver:
    """An HTTP receiver on 127.0.0.1 answering the queued status codes (then 200)."""

    def __init__(self, *, delay: float = 0.0) -> None:
        self.requests: list[tuple[dict[str, str], bytes]] = []
        self.codes: list[int] = []
        self.delay = delay
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                outer.requests.append((dict(self.headers), body))
                time.sleep(outer.delay)
                code = outer.codes.pop(0) if outer.codes else 200
                self.send_response(code)
                self.end_headers()
                self.wfile.write(b"nope" if code >= 300 else b"ok")

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.server.shutdown()


def _drifted(tenant: Any = None) -> Any:
    resource = CloudResourceFactory(
        size_slug="s-2vcpu-4gb", region="nyc3", project=CloudProjectFactory(tenant=tenant)
    )
    provision(resource, size_slug="s-1vcpu-1gb", region="nyc3", name=resource.name)
    return resource


def test_a_receiver_on_loopback_verifies_the_signature_and_timestamp(receiver):
    sub = subscribe(url=receiver.url, events=["drift.detected"], tenant=None, actor=None)
    _drifted()
    detect_drift()  # writes the outbox only

    assert receiver.requests == []
    assert send_due().delivered == 1
    headers, body = receiver.requests[0]
    assert signing.verify(sub.secret, headers["X-Arcadia-Signature"], body)
    assert not signing.verify("whsec_wrong", headers["X-Arcadia-Signature"], body)
    assert not signing.verify(sub.secret, headers["X-Arcadia-Signature"], body + b" ")
    # Replay an hour later: refused on the timestamp.
    assert not signing.verify(
        sub.secret, headers["X-Arcadia-Signature"], body, now=time.time() + 3600
    )
    document = json.loads(body)
    event = WebhookEvent.objects.get()
    assert (document["id"], document["type"]) == (str(event.id), "drift.detected")
    assert document["data"]["field"] == "size_slug" and document["data"]["status"] == "open"


def test_a_500_then_a_200_is_retried_with_backoff_and_logged(receiver):
    receiver.codes = [500]
    subscribe(url=receiver.url, events=["drift.detected"], tenant=None, actor=None)
    _drifted()
    detect_drift()

    first = send_due()
    delivery = WebhookDelivery.objects.get()
    assert (first.retrying, delivery.status, delivery.attempts) == (1, "pending", 1)
    assert delivery.last_status_code == 500 and delivery.last_response_excerpt == "nope"
    wait = delivery.next_attempt_at - delivery.last_attempt_at
    assert timedelta(seconds=14) < wait <= timedelta(seconds=30)
    assert send_due().attempted == 0  # not due yet

    send_due(now=timezone.now() + timedelta(seconds=31))
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("delivered", 2, 200)
    assert len(receiver.requests) == 2


def test_backoff_grows_and_gives_up_after_24_hours(receiver):
    assert [backoff(n).total_seconds() for n in (1, 2, 3, 4)] == [15, 30, 60, 120]
    receiver.codes = [503]
    subscribe(url=receiver.url, events=["drift.detected"], tenant=None, actor=None)
    _drifted()
    detect_drift()
    WebhookDelivery.objects.update(retry_until=timezone.now())

    assert send_due().failed == 1
    assert WebhookDelivery.objects.get().status == "failed"


def test_a_tenant_subscription_never_receives_another_tenants_event(receiver):
    mine, other = TenantFactory(), TenantFactory()
    subscribe(url=receiver.url, events=["drift.detected"], tenant=mine, actor=None)
    everything = subscribe(url=receiver.url, events=["drift.detected"], tenant=None, actor=None)
    _drifted(mine)
    _drifted(other)
    detect_drift()

    tenant_sub = WebhookSubscription.objects.exclude(pk=everything.pk).get()
    got = WebhookDelivery.objects.filter(subscription=tenant_sub).select_related("event")
    assert [d.event.tenant_id for d in got] == [mine.pk]
    assert WebhookDelivery.objects.filter(subscription=everything).count() == 2


def test_a_slow_receiver_does_not_slow_detection():
    slow = Receiver(delay=3.0)
    try:
        subscribe(url=slow.url, events=["drift.detected"], tenant=None, actor=None)
        for _ in range(20):
            _drifted()
        outcome = detect_drift()
        # Behaviour, not a stopwatch: the sweep made no call to the receiver at all, so
        # however slow it is, it cannot slow the sweep; the outbox holds every event.
        assert outcome.opened == 20 and slow.requests == []
        assert WebhookDelivery.objects.filter(status="pending").count() == 20
    finally:
        slow.server.shutdown()


def test_accepting_a_drift_announces_it_resolved_with_who(receiver):
    subscribe(url=receiver.url, events=["drift.resolved"], tenant=None, actor=None)
    resource = _drifted()
    detect_drift()
    admin = PlatformAdminFactory()
    accept_drift(resource.drifts.get().pk, actor=admin)

    payload = WebhookEvent.objects.get(type="drift.resolved").payload
    assert (payload["status"], payload["resolved_by"]) == ("accepted", admin.username)


def test_healing_drift_is_announced_resolved_stale(receiver):
    subscribe(url=receiver.url, events=["drift.resolved"], tenant=None, actor=None)
    resource = _drifted()
    detect_drift()
    set_live(resource, size_slug="s-1vcpu-1gb")
    detect_drift()

    assert WebhookEvent.objects.get(type="drift.resolved").payload["status"] == "stale"


def test_slack_format_sends_text(receiver):
    subscribe(url=receiver.url, events=["drift.detected"], tenant=None, format="slack", actor=None)
    _drifted()
    detect_drift()
    send_due()
    assert "drift.detected" in json.loads(receiver.requests[0][1])["text"]


# --- API --------------------------------------------------------------------------


def _client(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_the_api_shows_the_secret_once_and_scopes_tenants():
    mine, other = TenantFactory(), TenantFactory()
    user = TenantUserFactory(tenants=[mine])
    client = _client(user)
    body = {"url": "https://example.com/h", "events": ["drift.detected"]}

    refused = client.post("/api/v1/webhooks", body, format="json")
    assert refused.status_code == 400 and "tenant" in refused.json()
    foreign = client.post("/api/v1/webhooks", {**body, "tenant": other.pk}, format="json")
    assert foreign.status_code == 400 and "tenant" in foreign.json()
    bad = client.post(
        "/api/v1/webhooks", {**body, "events": ["nope"], "tenant": mine.pk}, format="json"
    )
    assert bad.status_code == 400 and "events" in bad.json()

    created = client.post("/api/v1/webhooks", {**body, "tenant": mine.pk}, format="json")
    assert created.status_code == 201 and created.json()["secret"].startswith("whsec_")
    shown = client.get(f"/api/v1/webhooks/{created.json()['id']}").json()
    assert "secret" not in shown

    theirs = subscribe(
        url="https://example.com/x", events=["drift.detected"], tenant=other, actor=None
    )
    assert client.get(f"/api/v1/webhooks/{theirs.pk}").status_code == 404
    assert client.delete(f"/api/v1/webhooks/{theirs.pk}").status_code == 404
    assert [s["id"] for s in client.get("/api/v1/webhooks").json()["results"]] == [
        created.json()["id"]
    ]
    assert client.delete(f"/api/v1/webhooks/{created.json()['id']}").status_code == 204


def test_deliveries_are_listed_and_redelivered(receiver):
    admin = PlatformAdminFactory()
    sub = subscribe(url=receiver.url, events=["drift.detected"], tenant=None, actor=None)
    _drifted()
    detect_drift()
    send_due()
    client = _client(admin)

    listed = client.get(f"/api/v1/webhooks/{sub.pk}/deliveries").json()["results"]
    assert [(d["status"], d["attempts"]) for d in listed] == [("delivered", 1)]
    again = client.post(f"/api/v1/webhook-deliveries/{listed[0]['id']}/redeliver")
    assert again.status_code == 200 and again.json()["status"] == "pending"
    send_due()
    assert WebhookDelivery.objects.get().attempts == 2 and len(receiver.requests) == 2


# --- command ----------------------------------------------------------------------


def test_the_command_adds_lists_and_removes(capsys):
    tenant = TenantFactory()
    call_command(
        "webhooks",
        "add",
        "https://example.com/h",
        "--events",
        "saga.failed",
        "--tenant",
        tenant.slug,
    )
    out = capsys.readouterr().out
    assert "secret (shown once): whsec_" in out
    call_command("webhooks", "list")
    assert "saga.failed" in capsys.readouterr().out
    with pytest.raises(CommandError, match="--events"):
        call_command("webhooks", "add", "https://example.com/h", "--events", "nope")
    with pytest.raises(CommandError, match="url"):
        call_command("webhooks", "add", "ftp://example.com", "--events", "saga.failed")
    call_command("webhooks", "remove", str(WebhookSubscription.objects.get().pk))
    assert not WebhookSubscription.objects.exists()


# --- console ----------------------------------------------------------------------


def test_the_console_adds_a_subscription_shows_the_secret_once_and_redelivers(client, receiver):
    admin = PlatformAdminFactory()
    client.force_login(admin)
    added = client.post(
        "/admin/webhooks/webhooksubscription/add/",
        {"url": receiver.url, "events": "drift.detected", "format": "arcadia", "secret": ""},
        follow=True,
    )
    sub = WebhookSubscription.objects.get()
    assert sub.secret.encode() in added.content
    page = client.get(f"/admin/webhooks/webhooksubscription/{sub.pk}/change/")
    assert page.status_code == 200 and sub.secret.encode() not in page.content

    _drifted()
    detect_drift()
    send_due()
    delivery = WebhookDelivery.objects.get()
    assert client.get("/admin/webhooks/webhookdelivery/").status_code == 200
    client.post(
        "/admin/webhooks/webhookdelivery/",
        {"action": "redeliver_selected", "_selected_action": [delivery.pk]},
    )
    delivery.refresh_from_db()
    assert delivery.status == "pending"


def test_the_sender_is_queued_on_the_webhooks_queue_after_the_commit(
    django_capture_on_commit_callbacks, monkeypatch
):
    from arcadia.celery import app
    from webhooks import tasks

    queued: list[str] = []
    monkeypatch.setattr(tasks.send_due, "delay", lambda: queued.append("send_due"))
    subscribe(url="https://hooks.example.com/a", events=["drift.detected"], tenant=None, actor=None)
    _drifted()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        detect_drift()
    assert queued == []  # nothing before the commit
    for callback in callbacks:
        callback()
    assert queued and set(queued) == {"send_due"}
    route = app.amqp.router.route({}, "webhooks.send_due")
    assert route["queue"].name == "webhooks"


def test_slack_text_names_an_expired_suppression_and_what_it_reopened():
    from webhooks.delivery import slack_text

    text = slack_text(
        "drift.suppression_expired",
        {
            "suppression": {"id": 7, "scope": "kind", "kind": "volume", "field": "size_gigabytes"},
            "reopened": [3, 4],
        },
    )

    assert text == (
        "*Arcadia* `drift.suppression_expired` #7 field `size_gigabytes` on kind volume: "
        "2 drift reopened"
    )
