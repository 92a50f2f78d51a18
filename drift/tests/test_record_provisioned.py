"""`record_provisioned` (DESIGN.md, "Drift": `cloud_provisioned`)."""

from __future__ import annotations

import pytest

from arcadia.errors import InvalidInput
from drift.models import Provisioned
from drift.services.provisioned import record_provisioned
from inventory.models import CloudResourceEvent, EventType
from tests.factories import PlatformAdminFactory

pytestmark = pytest.mark.django_db


def spec_events(resource) -> list[CloudResourceEvent]:
    return list(resource.events.filter(event=EventType.SPEC_RECORDED).order_by("id"))


def test_first_record_creates_version_one_with_a_spec_recorded_event(droplet):
    provisioned = record_provisioned(droplet, {"size_slug": "s-1vcpu-1gb"}, actor="saga:7")

    assert provisioned.outcome == "created"
    assert provisioned.spec == {"size_slug": "s-1vcpu-1gb"}
    assert provisioned.spec_version == 1
    [event] = spec_events(droplet)
    assert event.changes == {"size_slug": [None, "s-1vcpu-1gb"]}
    assert event.actor == "saga:7"


def test_recording_the_same_spec_again_changes_nothing(droplet):
    record_provisioned(droplet, {"tags": ["a", "b"], "region": "nyc3"}, actor="test")

    again = record_provisioned(droplet, {"region": "nyc3", "tags": ["b", "a"]}, actor="test")

    assert again.outcome == "unchanged"
    assert again.spec_version == 1
    assert len(spec_events(droplet)) == 1


def test_a_changed_spec_bumps_the_version_and_records_the_diff(droplet):
    record_provisioned(droplet, {"size_slug": "s-1vcpu-1gb", "region": "nyc3"}, actor="test")

    updated = record_provisioned(
        droplet, {"size_slug": "s-2vcpu-4gb", "name": "web-1"}, actor="test"
    )

    assert updated.outcome == "updated"
    assert updated.spec_version == 2
    assert Provisioned.objects.get(resource=droplet).spec == {
        "size_slug": "s-2vcpu-4gb",
        "name": "web-1",
    }
    assert spec_events(droplet)[-1].changes == {
        "name": [None, "web-1"],
        "region": ["nyc3", None],
        "size_slug": ["s-1vcpu-1gb", "s-2vcpu-4gb"],
    }


def test_a_user_actor_is_recorded_by_username(droplet):
    admin = PlatformAdminFactory(username="ops")

    record_provisioned(droplet, {"region": "nyc3"}, actor=admin)

    assert spec_events(droplet)[0].actor == "user:ops"


@pytest.mark.parametrize(
    "spec",
    [
        ["size_slug", "s-1vcpu-1gb"],
        "size_slug=s-1vcpu-1gb",
        None,
        {"": "x"},
        {"  ": "x"},
        {" size_slug": "x"},
        {"x" * 256: 1},
        {"memory": float("nan")},
        {"when": object()},
    ],
)
def test_a_spec_that_is_not_a_json_object_of_fields_is_refused(droplet, spec):
    record_provisioned(droplet, {"region": "nyc3"}, actor="test")

    with pytest.raises(InvalidInput) as refused:
        record_provisioned(droplet, spec, actor="test")

    assert refused.value.field == "spec"
    assert Provisioned.objects.get(resource=droplet).spec == {"region": "nyc3"}
    assert len(spec_events(droplet)) == 1


def test_a_spec_for_no_resource_is_refused():
    with pytest.raises(InvalidInput) as refused:
        record_provisioned(987654, {"region": "nyc3"}, actor="test")

    assert refused.value.field == "resource"
    assert not Provisioned.objects.exists()
    assert not CloudResourceEvent.objects.exists()
