"""The operator console for the inventory: pages render, synced fields stay read-only,
and the one operator decision (a project's tenant) can be made."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from inventory.models import CloudProject, CloudResource, CloudResourceEvent, EventType, SyncRun
from tests.factories import PlatformAdminFactory, TenantFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def console(client):
    client.force_login(PlatformAdminFactory())
    return client


@pytest.fixture
def resource():
    now = timezone.now()
    project = CloudProject.objects.create(provider_id="p-1", name="acme-prod")
    resource = CloudResource.objects.create(
        kind="droplet",
        provider_id="42",
        urn="do:droplet:42",
        project=project,
        name="web-42",
        first_seen_at=now,
        last_seen_at=now,
        attrs={"memory": 1024},
    )
    CloudResourceEvent.objects.create(
        resource=resource,
        event=EventType.UPDATED,
        changes={"size_slug": ["s-1vcpu-1gb", "s-2vcpu-4gb"]},
        actor="sync:droplet#7",
        occurred_at=now,
    )
    SyncRun.objects.create(kind="droplet", started_at=now, status="completed")
    return resource


@pytest.mark.parametrize(
    "model", ["cloudproject", "cloudresource", "cloudresourceevent", "syncrun"]
)
def test_changelists_render(console, resource, model):
    assert console.get(reverse(f"admin:inventory_{model}_changelist")).status_code == 200


def test_resource_page_shows_its_event_timeline(console, resource):
    page = console.get(reverse("admin:inventory_cloudresource_change", args=[resource.pk]))

    assert page.status_code == 200
    body = page.content.decode()
    assert "sync:droplet#7" in body and "s-2vcpu-4gb" in body


def test_resource_cannot_be_edited_from_the_console(console, resource):
    url = reverse("admin:inventory_cloudresource_change", args=[resource.pk])

    response = console.post(url, {"name": "tampered"})

    resource.refresh_from_db()
    assert response.status_code == 403
    assert resource.name == "web-42"


def test_operator_assigns_a_tenant_to_a_project(console, resource):
    tenant = TenantFactory(name="Acme")
    project = resource.project
    url = reverse("admin:inventory_cloudproject_change", args=[project.pk])

    response = console.post(url, {"tenant": tenant.pk})

    project.refresh_from_db()
    assert response.status_code == 302
    assert project.tenant == tenant


def test_events_cannot_be_changed_or_deleted_from_the_console(console, resource):
    event = resource.events.get()
    change = reverse("admin:inventory_cloudresourceevent_change", args=[event.pk])
    delete = reverse("admin:inventory_cloudresourceevent_delete", args=[event.pk])

    assert console.post(change, {"actor": "x"}).status_code == 403
    assert console.post(delete, {"post": "yes"}).status_code == 403
    assert CloudResourceEvent.objects.filter(pk=event.pk, actor="sync:droplet#7").exists()


def test_sync_run_list_shows_requests_429s_and_waits(console, resource):
    SyncRun.objects.update(requests=517, rate_limited=0, waited_seconds=58.25)
    body = console.get(reverse("admin:inventory_syncrun_changelist")).content.decode()
    assert "Rate limited" in body and "Waited seconds" in body
    assert "517" in body and "58.25" in body
