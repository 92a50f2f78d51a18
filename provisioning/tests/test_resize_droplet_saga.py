"""The resize saga (DESIGN.md, "Provisioning"): power off -> resize -> power on ->
`record_provisioned`; with `disk: true`, past the resize it only rolls forward."""

from __future__ import annotations

import pytest

from arcadia.errors import Conflict
from drift.models import Provisioned
from drift.services.provisioned import record_provisioned
from inventory.models import CloudResource, CloudResourceEvent, EventType
from provisioning.models import SagaRun
from provisioning.services import start_resize_droplet
from provisioning.tests.conftest import drive, fail_next_action_after, step

pytestmark = pytest.mark.django_db

BIGGER = "s-2vcpu-4gb"


def resize(droplet: CloudResource, size: str = BIGGER, *, disk: bool = False) -> SagaRun:
    return start_resize_droplet(
        droplet.pk, size=size, disk=disk, actor="test", requested_via="test"
    ).run


def live(sim, droplet: CloudResource) -> dict:
    return sim.state.droplet(int(droplet.provider_id))


def test_resize_powers_off_resizes_powers_on_and_records_the_size(sim, droplet):
    record_provisioned(droplet, {"size_slug": droplet.size_slug, "region": "nyc3"}, actor="t")

    run = drive(resize(droplet))

    assert run.status == "succeeded"
    assert [s.status for s in run.steps.order_by("index")] == ["succeeded"] * 4
    assert live(sim, droplet)["size_slug"] == BIGGER
    assert live(sim, droplet)["status"] == "active"
    droplet.refresh_from_db()
    assert droplet.size_slug == BIGGER  # refreshed through the chokepoint
    # The size is merged into the spec; the rest of it stays.
    spec = Provisioned.objects.get(resource=droplet).spec
    assert spec == {"size_slug": BIGGER, "region": "nyc3"}


def test_each_action_step_keeps_its_do_action_id(sim, droplet):
    run = drive(resize(droplet))

    for name in ("power_off", "resize", "power_on"):
        row = step(run, name)
        assert row.action_id is not None and row.result["action"]["action_id"] == row.action_id


def test_an_off_droplet_is_resized_and_left_off(sim, droplet):
    sim.state.oob_power(int(droplet.provider_id), on=False)

    run = drive(resize(droplet))

    assert run.status == "succeeded"
    assert step(run, "power_off").status == "skipped"
    assert step(run, "power_on").status == "skipped"
    assert live(sim, droplet)["status"] == "off"
    assert live(sim, droplet)["size_slug"] == BIGGER


def test_a_failed_resize_powers_the_droplet_back_on(sim, droplet, monkeypatch):
    fail_next_action_after(monkeypatch, sim, "power_off", int(droplet.provider_id))

    run = drive(resize(droplet))

    assert run.status == "compensated"
    assert step(run, "resize").status == "failed"
    assert step(run, "power_off").status == "compensated"
    assert live(sim, droplet)["status"] == "active"
    assert live(sim, droplet)["size_slug"] == droplet.size_slug
    assert "resize: ActionErrored" in run.last_error


def test_a_resize_do_refuses_is_not_retried_and_powers_the_droplet_back_on(sim, droplet):
    run = drive(resize(droplet, "s-1vcpu-512mb-10gb"))  # a smaller disk: DO says 422

    assert run.status == "compensated"
    assert step(run, "resize").attempts == 1
    assert "DOUnprocessable" in run.last_error
    assert live(sim, droplet)["status"] == "active"


def test_past_a_disk_resize_the_saga_only_rolls_forward(sim, droplet, monkeypatch):
    fail_next_action_after(monkeypatch, sim, "resize", int(droplet.provider_id))

    run = drive(resize(droplet, disk=True))

    assert run.status == "succeeded" and run.rolls_forward is True
    power_on = step(run, "power_on")
    assert power_on.attempts == 2 and "ActionErrored" in power_on.last_error
    assert step(run, "resize").status == "succeeded"  # never compensated
    assert live(sim, droplet)["size_slug"] == BIGGER
    assert live(sim, droplet)["status"] == "active"


def test_a_disk_false_resize_is_resized_back_when_power_on_fails(sim, droplet, monkeypatch):
    fail_next_action_after(monkeypatch, sim, "resize", int(droplet.provider_id))

    run = drive(resize(droplet))

    assert run.status == "compensated" and run.rolls_forward is False
    assert step(run, "resize").status == "compensated"
    assert step(run, "power_off").status == "compensated"
    assert live(sim, droplet)["size_slug"] == droplet.size_slug
    assert live(sim, droplet)["status"] == "active"


def test_a_resource_has_at_most_one_live_saga(sim, droplet):
    first = resize(droplet)

    with pytest.raises(Conflict, match=f"live saga \\(#{first.pk}"):
        resize(droplet, "s-4vcpu-8gb")

    drive(first)
    assert resize(droplet, "s-4vcpu-8gb").status == "pending"  # once it is over, fine


def test_a_resize_writes_started_and_succeeded_events(sim, droplet):
    run = drive(resize(droplet))

    events = CloudResourceEvent.objects.filter(
        resource=droplet, event__startswith="saga_"
    ).order_by("id")
    assert [(e.event, e.actor) for e in events] == [
        (EventType.SAGA_STARTED, f"saga:{run.pk}"),
        (EventType.SAGA_SUCCEEDED, f"saga:{run.pk}"),
    ]
    assert events[0].changes["saga"] == [None, "resize_droplet"]


def test_a_failed_resize_writes_a_saga_failed_event_with_the_error(sim, droplet):
    run = drive(resize(droplet, "s-1vcpu-512mb-10gb"))

    failed = CloudResourceEvent.objects.get(resource=droplet, event=EventType.SAGA_FAILED)
    assert failed.changes["status"][1] == "compensated"
    assert failed.changes["error"] == [None, run.last_error]
