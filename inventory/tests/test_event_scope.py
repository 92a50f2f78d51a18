"""A tenant sees a resource's events only from the times one of its projects held the
resource (`selectors.events_visible_to`); platform admins see them all. Moves are written
by the chokepoint, as a sync would."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from inventory.models import CloudProject, CloudProjectAssignment, CloudResource, EventType, Kind
from inventory.services.chokepoint import upsert_resources
from inventory.tests.conftest import droplet_row
from tests.factories import PlatformAdminFactory, TenantFactory, TenantUserFactory

pytestmark = pytest.mark.django_db

URN = "do:droplet:7"


def api_as(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def sync(at, hours, project: CloudProject, **row) -> CloudResource:
    CloudProjectAssignment.objects.update_or_create(
        urn=URN, defaults={"project": project, "seen_at": at(hours)}
    )
    upsert_resources(Kind.DROPLET, [droplet_row(7, **row)], seen_at=at(hours), actor="sync")
    return CloudResource.objects.get(urn=URN)


@pytest.fixture
def moved(at):
    """Discovered and renamed in Acme's project, moved (and renamed) into Globex's."""
    acme, globex = TenantFactory(name="Acme"), TenantFactory(name="Globex")
    acme_project = CloudProject.objects.create(provider_id="p-acme", name="acme", tenant=acme)
    globex_project = CloudProject.objects.create(provider_id="p-gx", name="globex", tenant=globex)
    sync(at, 0, acme_project, name="acme-secret-db", tags=["acme:payroll"])
    sync(at, 1, acme_project, name="acme-secret-db-2", tags=["acme:payroll"])
    sync(at, 2, globex_project, name="gx-train", tags=["gx"])
    resource = sync(at, 3, globex_project, name="gx-train-2", tags=["gx"])
    return {"acme": acme, "globex": globex, "resource": resource}


def shown(events: list[dict]) -> str:
    return repr([(e["event"], e["changes"]) for e in events])


def test_a_tenant_sees_a_moved_resources_events_only_from_its_arrival(moved):
    client = api_as(TenantUserFactory(tenants=[moved["globex"]]))
    url = f"/api/v1/inventory/resources/{moved['resource'].pk}"

    recent = client.get(url).json()["recent_events"]
    listed = client.get(f"{url}/events").json()["results"]

    assert recent == listed
    assert [e["event"] for e in listed] == [EventType.UPDATED, EventType.UPDATED]
    assert "acme" not in shown(listed)  # no name, tag or project of Acme's time
    arrival = listed[-1]["changes"]
    assert arrival["name"] == [None, "gx-train"] and arrival["tags"] == [None, ["gx"]]
    assert arrival["project"][0] is None
    assert listed[0]["changes"] == {"name": ["gx-train", "gx-train-2"]}


def test_a_platform_admin_sees_every_event_of_a_moved_resource(moved):
    client = api_as(PlatformAdminFactory())

    listed = client.get(f"/api/v1/inventory/resources/{moved['resource'].pk}/events").json()

    assert listed["count"] == 4
    assert "acme-secret-db" in shown(listed["results"])


def test_the_previous_tenant_no_longer_sees_the_resource(moved):
    client = api_as(TenantUserFactory(tenants=[moved["acme"]]))

    response = client.get(f"/api/v1/inventory/resources/{moved['resource'].pk}/events")

    assert response.status_code == 404


def test_a_resource_that_comes_back_shows_each_time_the_tenant_held_it(at):
    acme, globex = TenantFactory(), TenantFactory()
    mine = CloudProject.objects.create(provider_id="p-a", name="mine", tenant=acme)
    theirs = CloudProject.objects.create(provider_id="p-b", name="theirs", tenant=globex)
    sync(at, 0, mine, name="ours")
    sync(at, 1, theirs, name="their-secret")
    sync(at, 2, theirs, name="their-secret-2")
    resource = sync(at, 3, mine, name="ours-again")
    client = api_as(TenantUserFactory(tenants=[acme]))

    listed = client.get(f"/api/v1/inventory/resources/{resource.pk}/events").json()["results"]

    assert [e["event"] for e in listed] == [EventType.UPDATED, EventType.DISCOVERED]
    assert "their-secret" not in shown(listed)
    assert listed[0]["changes"]["name"] == [None, "ours-again"]
