"""Request ids and JSON logs: the id is taken from `X-Request-ID` (or made), returned in the
response header and in API error bodies, and carried by every log line of the request
and of the Celery tasks it enqueues."""

from __future__ import annotations

import io
import json
import logging
from datetime import timedelta
from types import SimpleNamespace

import pytest
import structlog
from django.conf import settings
from django.http import HttpResponse
from django.test import RequestFactory
from django.utils import timezone

from arcadia import celery as arcadia_celery
from arcadia.request_id import RequestIdMiddleware
from drift.tests.suppressions import drifted
from inventory.models import CloudResourceEvent, EventType
from tenants.models import ConfigChange
from tests.factories import DriftFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def log_lines():
    """What the root handler's formatter writes, one parsed JSON object a line."""
    config = settings.LOGGING["formatters"]["structured"]
    formatter = structlog.stdlib.ProcessorFormatter(
        processors=config["processors"], foreign_pre_chain=config["foreign_pre_chain"]
    )
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.addHandler(handler)

    def lines() -> list[dict]:
        return [json.loads(line) for line in stream.getvalue().splitlines()]

    yield lines
    root.removeHandler(handler)


def test_a_given_request_id_is_returned_in_the_header(client):
    response = client.get("/healthz", HTTP_X_REQUEST_ID="abc-123.req")

    assert response["X-Request-ID"] == "abc-123.req"


def test_a_request_without_one_gets_a_made_id(client):
    first = client.get("/healthz")["X-Request-ID"]
    second = client.get("/healthz")["X-Request-ID"]

    assert len(first) == 32 and first != second


def test_an_unacceptable_request_id_is_replaced(client):
    response = client.get("/healthz", HTTP_X_REQUEST_ID='bad id\n{"x": 1}')

    assert response["X-Request-ID"] != 'bad id\n{"x": 1}'
    assert len(response["X-Request-ID"]) == 32


def test_the_request_id_is_in_api_error_bodies(client):
    UserFactory()

    unauthenticated = client.get("/api/v1/me", HTTP_X_REQUEST_ID="req-401")
    unrouted = client.get("/api/v1/no-such-route", HTTP_X_REQUEST_ID="req-404")

    assert unauthenticated.status_code in (401, 403)
    assert unauthenticated.json()["request_id"] == "req-401"
    assert unauthenticated["X-Request-ID"] == "req-401"
    assert unrouted.status_code == 404
    assert unrouted.json()["request_id"] == "req-404"


def test_djangos_log_line_for_the_request_is_json_with_the_request_id(client, log_lines):
    client.get("/api/v1/no-such-route", HTTP_X_REQUEST_ID="req-in-log")

    (line,) = [line for line in log_lines() if line.get("logger") == "django.request"]
    assert line["request_id"] == "req-in-log"
    assert line["level"] == "warning"
    assert "Not Found: /api/v1/no-such-route" in line["event"]
    assert "timestamp" in line


def test_structlog_lines_carry_the_request_id_and_the_signed_in_actor(log_lines):
    user = UserFactory(username="alice")

    def view(request):
        request.user = user  # as AuthenticationMiddleware or DRF leave it
        structlog.get_logger("arcadia.test").info("did a thing", thing=1)
        logging.getLogger("arcadia.test").info("and another")
        return HttpResponse("ok")

    request = RequestFactory().get("/x", HTTP_X_REQUEST_ID="req-actor")
    RequestIdMiddleware(view)(request)

    lines = [line for line in log_lines() if line.get("logger") == "arcadia.test"]
    assert [(line["event"], line["request_id"], line["actor"]) for line in lines] == [
        ("did a thing", "req-actor", "alice"),
        ("and another", "req-actor", "alice"),
    ]
    assert lines[0]["thing"] == 1
    # The next request on the thread starts from its own id alone.
    structlog.contextvars.bind_contextvars(leftover=1)
    RequestIdMiddleware(lambda r: HttpResponse())(RequestFactory().get("/y"))
    assert list(structlog.contextvars.get_contextvars()) == ["request_id"]
    structlog.contextvars.clear_contextvars()


def test_django_has_no_handler_of_its_own_so_its_lines_print_once():
    assert logging.getLogger("django").handlers == []
    assert logging.getLogger("django").propagate
    assert logging.getLogger("django.server").handlers == []
    formatters = [h.formatter for h in logging.getLogger().handlers]
    assert any(isinstance(f, structlog.stdlib.ProcessorFormatter) for f in formatters)


def test_a_request_id_travels_into_the_log_line_and_the_audit_event_it_caused(
    admin_client, log_lines
):
    drift = DriftFactory()

    response = admin_client.post(
        f"/api/v1/drift/{drift.pk}/accept",
        "{}",
        content_type="application/json",
        HTTP_X_REQUEST_ID="req-accept-1",
    )

    assert response.status_code == 200
    assert response["X-Request-ID"] == "req-accept-1"
    (line,) = [line for line in log_lines() if line.get("logger") == "drift.services.accept"]
    assert line["request_id"] == "req-accept-1"
    event = CloudResourceEvent.objects.get(resource=drift.resource, event=EventType.DRIFT_ACCEPTED)
    assert event.request_id == "req-accept-1"
    listed = admin_client.get(f"/api/v1/inventory/resources/{drift.resource_id}/events")
    events = listed.json()["results"]
    (shown,) = [e for e in events if e["event"] == "drift_accepted"]
    assert shown["origin"] == {
        "request_id": "req-accept-1",
        "sync_run": None,
        "saga_run": None,
        "do_action": None,
    }


# --- Celery -----------------------------------------------------------------------------


def test_a_task_enqueued_during_a_request_carries_its_request_id():
    structlog.contextvars.bind_contextvars(request_id="req-task")
    try:
        headers: dict = {}
        arcadia_celery._pass_request_id(headers=headers)
    finally:
        structlog.contextvars.clear_contextvars()

    assert headers == {"request_id": "req-task"}


def test_a_running_task_binds_its_id_name_and_request_id_then_restores(log_lines):
    structlog.contextvars.bind_contextvars(request_id="outer")
    task = SimpleNamespace(name="inventory.sync_kind", request=SimpleNamespace(request_id="req-t"))
    try:
        arcadia_celery._bind_task(task_id="t-1", task=task)
        logging.getLogger("arcadia.test").info("inside the task")
        arcadia_celery._unbind_task(task_id="t-1")
        after = structlog.contextvars.get_contextvars()
    finally:
        structlog.contextvars.clear_contextvars()

    (line,) = [line for line in log_lines() if line.get("logger") == "arcadia.test"]
    assert (line["task_id"], line["task"], line["request_id"]) == (
        "t-1",
        "inventory.sync_kind",
        "req-t",
    )
    # An eager task ran inside the caller: the caller's ids are back.
    assert after == {"request_id": "outer"}


def test_a_sync_runs_lines_carry_its_run_id(simulator_settings, log_lines, caplog):
    from inventory.services.sync import run_full_sync

    caplog.set_level(logging.DEBUG, logger="do_client")
    run = run_full_sync("vpc", trigger="test")

    do_lines = [line for line in log_lines() if line.get("logger", "").startswith("do_client")]
    assert do_lines, "the DO client logs each request at debug level"
    assert {line.get("sync_run_id") for line in do_lines} == {run.pk}
    assert "sync_run_id" not in structlog.contextvars.get_contextvars()


def test_a_configuration_change_records_the_request_that_made_it(admin_client):
    drift = drifted()

    response = admin_client.post(
        "/api/v1/drift/suppressions",
        {
            "resource": drift.resource.urn,
            "field": "size_slug",
            "reason": "resized for the sale",
            "expires_at": (timezone.now() + timedelta(days=7)).isoformat(),
        },
        content_type="application/json",
        HTTP_X_REQUEST_ID="req-suppress-1",
    )

    assert response.status_code == 201, response.content
    change = ConfigChange.objects.get(model="drift.driftsuppression")
    assert change.request_id == "req-suppress-1"
