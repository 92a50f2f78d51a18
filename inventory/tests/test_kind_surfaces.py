"""Every kind on the API and in the console: filters, the schema's enum, the kind
filter of the console (only kinds present), a resource's attributes shown readably."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from inventory.kinds import urn_for
from inventory.models import CloudResource, Kind, SyncRun
from tests.factories import PlatformAdminFactory

pytestmark = pytest.mark.django_db


def make(kind: str, provider_id: str, **fields) -> CloudResource:
    now = timezone.now()
    return CloudResource.objects.create(
        kind=kind,
        provider_id=provider_id,
        urn=urn_for(kind, provider_id),
        first_seen_at=now,
        last_seen_at=now,
        **fields,
    )


@pytest.fixture
def admin_api() -> APIClient:
    client = APIClient()
    client.force_authenticate(PlatformAdminFactory())
    return client


@pytest.fixture
def console(client):
    client.force_login(PlatformAdminFactory())
    return client


@pytest.mark.parametrize("kind", Kind.values)
def test_api_filters_resources_by_every_kind(kind, admin_api):
    wanted = make(kind, "a-1")
    make(Kind.DROPLET if kind != Kind.DROPLET else Kind.VOLUME, "b-2")

    response = admin_api.get(f"/api/v1/inventory/resources?kind={kind}")

    assert response.status_code == 200, response.content
    assert [row["id"] for row in response.json()["results"]] == [wanted.id]


def test_api_schema_lists_every_kind_in_its_enum(admin_api):
    response = admin_api.get("/api/v1/schema/", HTTP_ACCEPT="application/json")

    assert response.status_code == 200
    schema = response.json()
    params = schema["paths"]["/api/v1/inventory/resources"]["get"]["parameters"]
    kind = next(p for p in params if p["name"] == "kind")
    enum = kind["schema"].get("enum") or _resolve(schema, kind["schema"])["enum"]
    assert set(enum) == set(Kind.values)


def _resolve(schema, ref_holder):
    name = ref_holder["$ref"].rsplit("/", 1)[-1]
    return schema["components"]["schemas"][name]


def test_console_kind_filter_lists_only_kinds_in_the_table(console):
    make(Kind.VOLUME, "v-1")
    make(Kind.DATABASE, "d-1")

    page = console.get(reverse("admin:inventory_cloudresource_changelist"))

    body = page.content.decode()
    assert page.status_code == 200
    assert "?kind=volume" in body and "?kind=database" in body
    assert "?kind=droplet" not in body and "?kind=genai_agent" not in body
    filtered = console.get(reverse("admin:inventory_cloudresource_changelist") + "?kind=volume")
    assert filtered.status_code == 200 and "do:volume:v-1" in filtered.content.decode()
    assert "do:dbaas:d-1" not in filtered.content.decode()


def test_console_shows_a_resources_attributes_readably(console):
    cluster = make(
        Kind.KUBERNETES_CLUSTER,
        "k-1",
        attrs={
            "version": "1.31.1-do.4",
            "node_pools": {"worker": {"size": "s-2vcpu-4gb", "count": 3}},
            "ha": False,
        },
    )

    page = console.get(reverse("admin:inventory_cloudresource_change", args=[cluster.pk]))

    body = page.content.decode()
    assert "<dt>node_pools</dt>" in body and "<dt>worker</dt>" in body
    assert "<dt>count</dt><dd>3</dd>" in body and "<dd>1.31.1-do.4</dd>" in body
    assert "<pre>" not in body.split("Attributes", 1)[-1].split("Timeline", 1)[0]


def test_sync_run_list_shows_every_kinds_runs(console):
    now = timezone.now()
    for kind in (Kind.DROPLET, Kind.VOLUME, Kind.CERTIFICATE):
        SyncRun.objects.create(kind=kind, started_at=now, status="completed")

    page = console.get(reverse("admin:inventory_syncrun_changelist"))

    body = page.content.decode()
    assert page.status_code == 200
    for kind in ("droplet", "volume", "certificate"):
        assert f"?kind={kind}" in body
