"""A saga's end is announced to webhook subscribers, in the transaction that ends it."""

from __future__ import annotations

import pytest

from provisioning.services import start_resize_droplet
from provisioning.tests.conftest import drive
from webhooks.models import WebhookDelivery, WebhookEvent
from webhooks.services import subscribe

pytestmark = pytest.mark.django_db


def test_a_succeeded_saga_is_announced_with_the_run_as_the_api_shows_it(sim, droplet):
    subscribe(
        url="https://hooks.example.com/a",
        events=["saga.succeeded", "saga.failed"],
        tenant=None,
        actor=None,
    )
    run = start_resize_droplet(
        droplet.pk, size="s-2vcpu-4gb", actor="test", requested_via="test"
    ).run

    run = drive(run)

    assert run.status == "succeeded"
    event = WebhookEvent.objects.get()
    assert event.type == "saga.succeeded"
    assert (event.payload["id"], event.payload["status"]) == (run.pk, "succeeded")
    assert WebhookDelivery.objects.filter(event=event, status="pending").count() == 1
