"""A saga's audit events name the saga and the DO action they follow from (issue 16,
arcadia.origin): the refreshed droplet's `updated` event and the drift's `reverted`
event name the saga and the latest DO action it had run when it wrote them; the saga's
start names the saga though it is written before any pass runs."""

from __future__ import annotations

import pytest

from inventory.models import CloudResourceEvent, EventType
from provisioning.revert import revert_drift
from provisioning.tests.conftest import drive
from provisioning.tests.test_revert_drift import (  # small_droplet: a fixture
    DRIFTED_SIZE,
    SPEC_SIZE,
    drifted,
    small_droplet,  # noqa: F401
)
from tests.factories import PlatformAdminFactory

pytestmark = pytest.mark.django_db


def test_a_resize_sagas_events_name_the_saga_and_its_last_action(sim, small_droplet):  # noqa: F811
    drift = drifted(sim, small_droplet, "size_slug")
    before = CloudResourceEvent.objects.filter(resource=small_droplet).values_list("pk", flat=True)
    seen = set(before)

    run = drive(revert_drift(drift.pk, actor=PlatformAdminFactory()).run)

    assert run.status == "succeeded"
    # power off, resize, power on: the record step after them follows the last.
    last_action = run.steps.get(name="power_on").action_id
    events = {
        e.event: e
        for e in CloudResourceEvent.objects.filter(resource=small_droplet).exclude(pk__in=seen)
    }
    updated, reverted = events[EventType.UPDATED], events[EventType.DRIFT_REVERTED]
    assert updated.changes["size_slug"] == [DRIFTED_SIZE, SPEC_SIZE]
    for event in (updated, reverted):
        assert event.saga_run_id == run.pk
        assert last_action is not None and event.do_action_id == last_action
    started = events[EventType.SAGA_STARTED]
    assert started.saga_run_id == run.pk and started.do_action_id is None
    assert events[EventType.SAGA_SUCCEEDED].saga_run_id == run.pk
