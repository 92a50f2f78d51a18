"""The inventory API: tenants see only their own projects and resources (another tenant's
object is a 404), platform admins see everything, bad query parameters are a 400."""

from __future__ import annotations

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from inventory.models import CloudProject, CloudResource, CloudResourceEvent, EventType, SyncRun
from tests.factories import PlatformAdminFactory, TenantFactory, TenantUserFactory

pytestmark = pytest.mark.django_db


def make_resource(project, provider_id, **fields) -> CloudResource:
    now = timezone.now()
    resource = CloudResource.objects.create(
        kind="droplet",
        provider_id=str(provider_id),
        urn=f"do:droplet:{provider_id}",
        project=project,
        name=fields.pop("name", f"web-{provider_id}"),
        region=fields.pop("region", "nyc3"),
        first_seen_at=now,
        last_seen_at=now,
        **fields,
    )
    CloudResourceEvent.objects.create(
        resource=resource, event=EventType.DISCOVERED, actor="test", occurred_at=now
    )
    return resource


@pytest.fixture
def world():
    acme, globex = TenantFactory(name="Acme"), TenantFactory(name="Globex")
    acme_project = CloudProject.objects.create(provider_id="p-acme", name="acme-prod", tenant=acme)
    globex_project = CloudProject.objects.create(
        provider_id="p-globex", name="globex-ml", tenant=globex
    )
    orphan_project = CloudProject.objects.create(provider_id="p-none", name="unassigned")
    return {
        "acme": acme,
        "globex": globex,
        "acme_project": acme_project,
        "globex_project": globex_project,
        "acme_web": make_resource(acme_project, 1, tags=["web"]),
        "acme_db": make_resource(acme_project, 2, region="ams3", tags=["db"]),
        "acme_gone": make_resource(acme_project, 3, deleted_at=timezone.now()),
        "globex_gpu": make_resource(globex_project, 4, size_slug="g-2vcpu-8gb"),
        "orphan": make_resource(orphan_project, 5),
    }


def api_as(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def test_tenant_sees_only_its_own_resources(world):
    client = api_as(TenantUserFactory(tenants=[world["acme"]]))

    assert ids(client.get("/api/v1/inventory/resources")) == {
        world["acme_web"].id,
        world["acme_db"].id,
    }


def test_another_tenants_resource_is_a_404_on_every_endpoint(world):
    client = api_as(TenantUserFactory(tenants=[world["acme"]]))
    other = world["globex_gpu"]

    assert client.get(f"/api/v1/inventory/resources/{other.id}").status_code == 404
    assert client.get(f"/api/v1/inventory/resources/{other.id}/events").status_code == 404
    assert client.get(f"/api/v1/inventory/projects/{world['globex_project'].id}").status_code == 404
    assert client.get(f"/api/v1/inventory/resources/{world['orphan'].id}").status_code == 404


def test_tenant_sees_only_its_own_projects(world):
    client = api_as(TenantUserFactory(tenants=[world["acme"]]))

    assert ids(client.get("/api/v1/inventory/projects")) == {world["acme_project"].id}


def test_tenant_filter_cannot_widen_a_tenants_view(world):
    client = api_as(TenantUserFactory(tenants=[world["acme"]]))

    assert ids(client.get(f"/api/v1/inventory/resources?tenant={world['globex'].id}")) == set()


def test_platform_admin_sees_every_resource_and_filters_by_tenant(world):
    client = api_as(PlatformAdminFactory())

    assert len(ids(client.get("/api/v1/inventory/resources"))) == 4
    assert ids(client.get(f"/api/v1/inventory/resources?tenant={world['globex'].id}")) == {
        world["globex_gpu"].id
    }


def test_tombstoned_resources_are_listed_only_on_request(world):
    client = api_as(TenantUserFactory(tenants=[world["acme"]]))

    listed = ids(client.get("/api/v1/inventory/resources?include_deleted=true"))
    assert world["acme_gone"].id in listed
    assert world["acme_gone"].id not in ids(client.get("/api/v1/inventory/resources"))
    detail = client.get(f"/api/v1/inventory/resources/{world['acme_gone'].id}")
    assert detail.status_code == 200 and detail.json()["deleted_at"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("region=ams3", {"acme_db"}),
        ("tag=web", {"acme_web"}),
        ("search=web-2", {"acme_db"}),
        ("kind=droplet", {"acme_web", "acme_db"}),
    ],
)
def test_resource_filters(world, query, expected):
    client = api_as(TenantUserFactory(tenants=[world["acme"]]))

    assert ids(client.get(f"/api/v1/inventory/resources?{query}")) == {
        world[name].id for name in expected
    }


@pytest.mark.parametrize(
    ("query", "bad"),
    [("kind=spaceship", "kind"), ("project=abc", "project"), ("knd=droplet", "knd")],
)
def test_bad_query_parameter_is_a_400_naming_it(world, query, bad):
    response = api_as(PlatformAdminFactory()).get(f"/api/v1/inventory/resources?{query}")

    assert response.status_code == 400
    assert bad in response.json()


def test_resource_detail_carries_its_events(world):
    client = api_as(TenantUserFactory(tenants=[world["acme"]]))

    detail = client.get(f"/api/v1/inventory/resources/{world['acme_web'].id}").json()
    events = client.get(f"/api/v1/inventory/resources/{world['acme_web'].id}/events").json()

    assert [e["event"] for e in detail["recent_events"]] == ["discovered"]
    assert [e["event"] for e in events["results"]] == ["discovered"]
    assert detail["attrs"] == {}


def test_sync_runs_are_for_platform_admins_only(world):
    SyncRun.objects.create(kind="droplet", started_at=timezone.now())

    assert (
        api_as(TenantUserFactory(tenants=[world["acme"]]))
        .get("/api/v1/inventory/sync-runs")
        .status_code
        == 403
    )
    assert len(ids(api_as(PlatformAdminFactory()).get("/api/v1/inventory/sync-runs"))) == 1


def test_anonymous_is_refused(world):
    assert APIClient().get("/api/v1/inventory/resources").status_code in (401, 403)


def test_token_authentication_works(world):
    from tenants.services import issue_api_token

    user = TenantUserFactory(tenants=[world["acme"]])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {issue_api_token(user)}")

    assert len(ids(client.get("/api/v1/inventory/resources"))) == 2


def test_sync_runs_show_what_they_cost_the_token():
    SyncRun.objects.create(
        kind="droplet",
        status="completed",
        started_at=timezone.now(),
        requests=512,
        rate_limited=0,
        waited_seconds=61.5,
    )
    [run] = api_as(PlatformAdminFactory()).get("/api/v1/inventory/sync-runs").json()["results"]
    assert (run["requests"], run["rate_limited"], run["waited_seconds"]) == (512, 0, 61.5)
