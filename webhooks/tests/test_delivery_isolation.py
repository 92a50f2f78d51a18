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

from webhooks.delivery import send_due
from webhooks.models import WebhookDelivery
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
