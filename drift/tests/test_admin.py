"""The operator console's drift inbox (DESIGN.md, "Surfaces")."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from drift.models import Drift, DriftStatus, Provisioned
from tests.factories import DriftFactory, PlatformAdminFactory, UserFactory

pytestmark = pytest.mark.django_db

INBOX = reverse("admin:drift_drift_changelist")


@pytest.fixture
def console() -> Client:
    client = Client()
    client.force_login(PlatformAdminFactory())
    return client


def accept(client: Client, *drifts: Drift, comment: str = ""):
    return client.post(
        INBOX,
        {
            "action": "accept_selected",
            "_selected_action": [d.pk for d in drifts],
            "index": 0,
            "comment": comment,
        },
        follow=True,
    )


def test_the_inbox_shows_open_drift_with_expected_and_actual_side_by_side(console):
    drift = DriftFactory(expected="s-1vcpu-1gb", actual="s-2vcpu-4gb")
    DriftFactory(status=DriftStatus.STALE, resolved_at=timezone.now(), field="region")

    page = console.get(INBOX).content.decode()

    assert drift.resource.urn in page
    assert '<code class="drift-expected">&quot;s-1vcpu-1gb&quot;</code>' in page
    assert '<code class="drift-actual">&quot;s-2vcpu-4gb&quot;</code>' in page
    assert reverse("admin:inventory_cloudresource_change", args=[drift.resource_id]) in page
    assert "region" not in page.split('id="result_list"')[1]


def test_resolved_drift_is_the_history(console):
    DriftFactory()
    stale = DriftFactory(status=DriftStatus.STALE, resolved_at=timezone.now(), field="region")

    response = console.get(INBOX, {"status": "resolved"})

    assert list(response.context["cl"].result_list) == [stale]


@pytest.mark.parametrize("query", [{"field": "region"}, {"resource__kind": "droplet"}])
def test_the_inbox_filters(console, query):
    on_region = DriftFactory(field="region")

    response = console.get(INBOX, query)

    assert on_region in list(response.context["cl"].result_list)


def test_a_drift_page_shows_the_values_and_the_resource_history(console):
    drift = DriftFactory(expected={"a": 1}, actual={"a": 2})

    page = console.get(reverse("admin:drift_drift_change", args=[drift.pk])).content.decode()

    assert "drift-side-by-side" in page
    assert "resource and timeline" in page


def test_the_accept_action_accepts_many_and_reports_counts(console):
    drifts = [DriftFactory(), DriftFactory()]

    response = accept(console, *drifts, comment="planned")

    assert "Accepted 2 drifts." in response.content.decode()
    assert {d.status for d in Drift.objects.all()} == {DriftStatus.ACCEPTED}
    assert {d.comment for d in Drift.objects.all()} == {"planned"}
    assert all(p.spec_version == 2 for p in Provisioned.objects.all())


def test_the_accept_action_reports_what_it_refused(console):
    """E.g. a drift someone else resolved while the operator had the inbox open."""
    open_one = DriftFactory()
    stale = DriftFactory(status=DriftStatus.STALE, resolved_at=timezone.now())

    page = accept(console, open_one, stale).content.decode()

    assert "Accepted 1 drift." in page
    assert f"Refused 1: #{stale.pk}: Drift {stale.pk} is stale" in page
    assert Drift.objects.get(pk=stale.pk).status == DriftStatus.STALE


def test_staff_who_are_not_platform_admins_cannot_accept():
    staff = UserFactory(is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_drift"))
    client = Client()
    client.force_login(staff)
    drift = DriftFactory()

    assert client.get(INBOX).status_code == 200
    accept(client, drift)

    assert Drift.objects.get(pk=drift.pk).status == DriftStatus.OPEN
