"""What billing reads of the inventory, written by the real sync against the simulator:
a project move is an `updated` event with `project` in its diff, a tombstone's `deleted`
event holds the `last_seen_at` billing ends the segment at (DESIGN.md, "Segments")."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from django.utils import timezone

from billing.models import Invoice, UsageSegment
from billing.periods import month_of
from billing.services.invoices import generate_month
from conftest import make_client
from do_simulator.testing import SimulatorHandle, running_simulator
from inventory.models import CloudProject, CloudResource, CloudResourceEvent, Kind
from inventory.services.sync import run_full_sync
from inventory.services.tenancy import assign_project_tenant
from tests.factories import ASSIGNED_SINCE, PriceFactory, TenantFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def sim() -> Iterator[SimulatorHandle]:
    with running_simulator(droplets=0, seed=13) as handle:
        yield handle


def sync(sim: SimulatorHandle) -> None:
    with make_client(sim) as client:
        assert run_full_sync(Kind.DROPLET, client=client, trigger="test").status == "completed"


def test_a_project_move_seen_by_sync_splits_usage_between_tenants(sim):
    PriceFactory()
    acme, globex = (sim.state.project_named(n)["id"] for n in ("acme-prod", "globex-ml"))
    (droplet,) = sim.state.oob_add_droplets(1, project_id=acme, created_at=sim.state.now() - 7200)
    sync(sim)
    for name in ("acme-prod", "globex-ml"):
        assign_project_tenant(
            CloudProject.objects.get(name=name),
            TenantFactory(name=name),
            actor="test",
            effective_from=ASSIGNED_SINCE,
        )
    sim.state.oob_move(droplet, globex)
    sync(sim)
    time.sleep(1.1)  # whole seconds: the next sighting gives the new segment its first
    sync(sim)

    event = CloudResourceEvent.objects.get(event="updated")
    old, new = event.changes["project"]
    assert (old, new) == tuple(
        CloudProject.objects.get(name=n).pk for n in ("acme-prod", "globex-ml")
    )

    generate_month(month_of(timezone.now()), actor="test")
    assert sorted(Invoice.objects.values_list("tenant__name", flat=True)) == [
        "acme-prod",
        "globex-ml",
    ]
    segments = list(UsageSegment.objects.order_by("started_at"))
    assert [s.project.name for s in segments] == ["acme-prod", "globex-ml"]
    assert segments[0].ended_at == segments[1].started_at


def test_a_tombstone_by_three_strikes_ends_usage_at_the_last_sighting(sim):
    PriceFactory()
    (droplet,) = sim.state.oob_add_droplets(1, created_at=sim.state.now() - 7200)
    sync(sim)
    last_seen = CloudResource.objects.get().last_seen_at
    sim.state.oob_delete(droplet)
    for _ in range(3):
        sync(sim)

    resource = CloudResource.objects.get()
    assert resource.deleted_at is not None
    deleted = CloudResourceEvent.objects.get(event="deleted")
    assert deleted.changes["last_seen_at"] == [last_seen.isoformat(), last_seen.isoformat()]

    generate_month(month_of(timezone.now()), actor="test")
    (segment,) = UsageSegment.objects.all()
    assert segment.ended_at == last_seen.replace(microsecond=0)
