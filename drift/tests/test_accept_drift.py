"""`accept_drift` (DESIGN.md, "Accept")."""

from __future__ import annotations

import pytest

from arcadia.errors import Conflict, NotFound
from drift.models import Drift, DriftStatus, Provisioned
from drift.services.accept import accept_drift
from drift.services.detection import detect_drift
from drift.tests.conftest import drift_events, open_drift, provision
from inventory.models import EventType
from tests.factories import DriftFactory, PlatformAdminFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def drift(droplet) -> Drift:
    provision(droplet, size_slug="s-1vcpu-1gb", region="nyc3")
    detect_drift()
    [drift] = open_drift(droplet)
    return drift


def test_accept_makes_the_live_value_the_spec_and_bumps_the_version(drift):
    accept_drift(drift.pk, actor=PlatformAdminFactory())

    provisioned = Provisioned.objects.get(pk=drift.provisioned_id)
    assert provisioned.spec == {"size_slug": "s-2vcpu-4gb", "region": "nyc3"}
    assert provisioned.spec_version == 2


def test_accept_closes_the_drift_with_who_when_and_the_comment(drift):
    admin = PlatformAdminFactory(username="ops")

    accepted = accept_drift(drift.pk, actor=admin, comment="  resized on purpose  ")

    assert accepted.status == DriftStatus.ACCEPTED
    assert accepted.resolved_by == admin
    assert accepted.resolved_at is not None
    assert accepted.comment == "resized on purpose"


def test_accept_writes_a_drift_accepted_event(drift, droplet):
    accept_drift(drift.pk, actor=PlatformAdminFactory(username="ops"))

    [event] = drift_events(droplet, EventType.DRIFT_ACCEPTED)
    assert event.actor == "user:ops"
    assert event.changes == {"size_slug": ["s-1vcpu-1gb", "s-2vcpu-4gb"]}


def test_second_accept_is_refused(drift):
    admin = PlatformAdminFactory()
    accept_drift(drift.pk, actor=admin)

    with pytest.raises(Conflict):
        accept_drift(drift.pk, actor=admin)

    assert Provisioned.objects.get(pk=drift.provisioned_id).spec_version == 2
    assert len(drift_events(drift.resource, EventType.DRIFT_ACCEPTED)) == 1


@pytest.mark.parametrize("status", [DriftStatus.STALE, DriftStatus.REVERTED])
def test_only_an_open_drift_can_be_accepted(status):
    from django.utils import timezone

    resolved = DriftFactory(status=status, resolved_at=timezone.now())

    with pytest.raises(Conflict):
        accept_drift(resolved.pk, actor=PlatformAdminFactory())

    assert Provisioned.objects.get(pk=resolved.provisioned_id).spec_version == 1


def test_accepting_an_unknown_drift_is_not_found():
    with pytest.raises(NotFound):
        accept_drift(424242, actor=PlatformAdminFactory())


def test_accept_keeps_the_rest_of_the_spec(drift):
    accept_drift(drift.pk, actor=PlatformAdminFactory())

    assert Provisioned.objects.get(pk=drift.provisioned_id).spec["region"] == "nyc3"
