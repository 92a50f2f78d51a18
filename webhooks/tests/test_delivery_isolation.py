"""One receiver never holds up another (webhooks.delivery): a batch's subscriptions are
posted to side by side, and a receiver that cannot be reached is tried once a batch, its
other deliveries waiting unattempted for its failed one's retry."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from arcadia.errors import InvalidInput
from webhooks.delivery import send_due
from webhooks.models import WebhookDelivery, WebhookSubscription
from webhooks.services import emit, subscribe
from webhooks.tests.test_webhooks import Receiver

pytestmark = pytest.mark.django_db


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.server.shutdown()


def closed_port_url() -> str:
    """A loopback URL nothing listens on: the connection is refused at once."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/hook"


def test_a_dead_receiver_is_tried_once_a_batch_and_holds_up_no_other(receiver):
    dead = subscribe(url=closed_port_url(), events=["sync.failed"], tenant=None, actor=None)
    subscribe(url=receiver.url, events=["sync.failed"], tenant=None, actor=None)
    for n in range(5):
        emit("sync.failed", {"n": n}, tenant_id=None)

    outcome = send_due()

    assert len(receiver.requests) == 5
    assert (outcome.delivered, outcome.retrying, outcome.failed) == (5, 1, 0)
    waiting = list(WebhookDelivery.objects.filter(subscription=dead).order_by("id"))
    assert [d.attempts for d in waiting] == [1, 0, 0, 0, 0]
    assert "ConnectError" in waiting[0].last_error
    assert [d.last_error for d in waiting[1:]] == [""] * 4
    assert {d.next_attempt_at for d in waiting} == {waiting[0].next_attempt_at}
    assert {d.status for d in waiting} == {"pending"}


def test_a_batchs_receivers_are_posted_to_side_by_side():
    """The first receiver answers 200 only once the second has been posted to while it
    waits: a sender posting one receiver after the other would get its 500."""
    second_posted = threading.Event()
    codes: dict[str, int] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers["Content-Length"]))
            if self.path == "/second":
                second_posted.set()
                code = 200
            else:
                code = 200 if second_posted.wait(timeout=3) else 500
            codes[self.path] = code
            self.send_response(code)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    try:
        subscribe(url=f"{base}/first", events=["sync.failed"], tenant=None, actor=None)
        subscribe(url=f"{base}/second", events=["sync.failed"], tenant=None, actor=None)
        emit("sync.failed", {"n": 1}, tenant_id=None)

        outcome = send_due()
    finally:
        server.shutdown()

    assert codes == {"/first": 200, "/second": 200}
    assert outcome.delivered == 2


def test_a_dead_receivers_backlog_waits_so_the_next_claim_goes_to_the_others(receiver):
    dead = subscribe(url=closed_port_url(), events=["sync.failed"], tenant=None, actor=None)
    for n in range(120):
        emit("sync.failed", {"n": n}, tenant_id=None)
    subscribe(url=receiver.url, events=["sync.failed"], tenant=None, actor=None)
    emit("sync.failed", {"n": "for the live one"}, tenant_id=None)

    outcome = send_due(max_batches=3)

    assert len(receiver.requests) == 1 and outcome.delivered == 1
    backlog = WebhookDelivery.objects.filter(subscription=dead)
    assert sum(backlog.values_list("attempts", flat=True)) == 1
    failed = backlog.get(attempts=1)
    assert not backlog.filter(next_attempt_at__lt=failed.next_attempt_at).exists()


def test_a_url_httpx_cannot_send_to_fails_its_own_delivery_and_no_other(receiver):
    subscribe(url=receiver.url, events=["sync.failed"], tenant=None, actor=None)
    poison = subscribe(url=receiver.url + "?p", events=["sync.failed"], tenant=None, actor=None)
    subscribe(url=receiver.url + "?2", events=["sync.failed"], tenant=None, actor=None)
    # A row written before subscribe refused such URLs.
    WebhookSubscription.objects.filter(pk=poison.pk).update(url="http://a:abc/hook")
    emit("sync.failed", {"n": 1}, tenant_id=None)

    outcome = send_due()

    assert (outcome.delivered, outcome.retrying) == (2, 1)
    assert len(receiver.requests) == 2
    bad = WebhookDelivery.objects.get(subscription=poison)
    assert bad.attempts == 1 and "InvalidURL" in bad.last_error
    assert (
        WebhookDelivery.objects.exclude(subscription=poison).filter(status="delivered").count() == 2
    )


@pytest.mark.parametrize("url", ["http://a:abc/hook", "http://a\x00b/", "http://a..b/"])
def test_subscribe_refuses_a_url_that_cannot_be_sent_to(url):
    with pytest.raises(InvalidInput) as refused:
        subscribe(url=url, events=["sync.failed"], tenant=None, actor=None)

    assert refused.value.field == "url"
