"""A resource's page in the console: its timeline reads like a changelog (when, what,
who, the diff lines), and nothing on it can be saved."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from inventory.models import CloudResourceEvent, EventType, SyncRun
from tests.factories import CloudResourceFactory, PlatformAdminFactory, ProvisionedFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def console() -> Client:
    client = Client()
    client.force_login(PlatformAdminFactory())
    return client


def test_the_timeline_shows_each_change_as_a_diff_line(console):
    resource = CloudResourceFactory()
    CloudResourceEvent.objects.create(
        resource=resource,
        event=EventType.UPDATED,
        changes={"size_slug": ["s-1vcpu-1gb", "s-2vcpu-4gb"], "tags": [["web"], ["web", "x"]]},
        actor="sync:droplet#9",
        occurred_at=timezone.now(),
    )

    page = console.get(reverse("admin:inventory_cloudresource_change", args=[resource.pk]))

    body = page.content.decode()
    timeline = body.split('<table class="timeline">')[1]
    assert "<th>When</th><th>What</th><th>Who</th>" in timeline
    assert "sync:droplet#9" in timeline
    assert '<span class="diff-field">size_slug</span>' in timeline
    assert '<li class="diff-added">+ <code class="diff-value" title="x">x</code>' in timeline
    assert "{&quot;size_slug&quot;" not in timeline  # no JSON blob


def test_the_events_list_shows_diff_lines(console):
    resource = CloudResourceFactory()
    CloudResourceEvent.objects.create(
        resource=resource,
        event=EventType.UPDATED,
        changes={"name": ["a", "b"]},
        actor="test",
        occurred_at=timezone.now(),
    )

    page = console.get(reverse("admin:inventory_cloudresourceevent_changelist")).content

    assert b'<span class="diff-field">name</span>' in page


def test_the_resource_page_has_no_save_button(console):
    resource = CloudResourceFactory()

    page = console.get(reverse("admin:inventory_cloudresource_change", args=[resource.pk]))

    assert 'name="_save"' not in page.content.decode()


def test_the_resource_kind_filter_lists_only_kinds_in_the_inventory(console):
    CloudResourceFactory(kind="volume")

    response = console.get(reverse("admin:inventory_cloudresource_changelist"))

    kind_filter = next(f for f in response.context["cl"].filter_specs if f.title == "kind")
    assert [value for value, _ in kind_filter.lookup_choices] == ["volume"]


def test_the_provisioned_page_shows_the_spec_expanded_and_no_save(console):
    provisioned = ProvisionedFactory(spec={"size_slug": "s-1", "image": {"slug": "ubuntu"}})

    page = console.get(reverse("admin:drift_provisioned_change", args=[provisioned.pk]))

    body = page.content.decode()
    assert '<details class="diff-object"><summary>2 fields</summary>' in body
    assert 'name="_save"' not in body


def test_the_timeline_and_the_events_list_show_what_wrote_each_event(console):
    resource = CloudResourceFactory()
    run = SyncRun.objects.create(kind="droplet", started_at=timezone.now())
    event = CloudResourceEvent.objects.create(
        resource=resource,
        event=EventType.UPDATED,
        changes={"name": ["a", "b"]},
        actor="saga:12",
        occurred_at=timezone.now(),
        request_id="req-from-a-log-line",
        sync_run=run,
        saga_run_id=12,
        do_action_id=2100000007,
    )

    page = console.get(reverse("admin:inventory_cloudresource_change", args=[resource.pk]))
    found = console.get(
        reverse("admin:inventory_cloudresourceevent_changelist"), {"q": "req-from-a-log-line"}
    )

    timeline = page.content.decode().split('<table class="timeline">')[1]
    run_url = reverse("admin:inventory_syncrun_change", args=[run.pk])
    saga_url = reverse("admin:provisioning_sagarun_change", args=[12])
    assert f'<a href="{run_url}">sync run #{run.pk}</a>' in timeline
    assert f'<a href="{saga_url}">saga #12</a>' in timeline
    assert "DO action 2100000007" in timeline
    assert "request <code>req-from-a-log-line</code>" in timeline
    assert list(found.context["cl"].result_list) == [event]
