"""The console for suppressions (drift.admin_suppressions) and the inbox's Suppressed
status: add through the service, lift as an action with a reason."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from drift.models import DriftStatus, DriftSuppression
from drift.tests.suppressions import drifted, status_of, suppression
from tenants.models import ConfigChange
from tests.factories import PlatformAdminFactory, UserFactory

pytestmark = pytest.mark.django_db

LIST = reverse("admin:drift_driftsuppression_changelist")
ADD = reverse("admin:drift_driftsuppression_add")
INBOX = reverse("admin:drift_drift_changelist")


@pytest.fixture
def admin():
    return PlatformAdminFactory(username="alice")


@pytest.fixture
def console(admin) -> Client:
    client = Client()
    client.force_login(admin)
    return client


def form(**values: object) -> dict[str, object]:
    expires = timezone.localtime(timezone.now() + timedelta(days=3))
    return {
        "resource": "",
        "kind": "",
        "tag": "",
        "field": "size_slug",
        "reason": "resized for the sale",
        "expires_at": expires.strftime("%Y-%m-%d %H:%M"),
        **values,
    }


def rows(page: str) -> str:
    return page.split('id="result_list"')[1] if 'id="result_list"' in page else ""


def test_the_add_form_suppresses_through_the_service(console, admin):
    drift = drifted()
    page = console.get(ADD).content.decode()
    assert f'<option value="{admin.pk}" selected>' in page  # owner: the operator

    response = console.post(ADD, form(resource=drift.resource.urn, owner=admin.pk), follow=True)

    assert response.status_code == 200
    suppression = DriftSuppression.objects.get()
    assert (suppression.resource, suppression.owner, suppression.created_by) == (
        drift.resource,
        admin,
        admin,
    )
    assert status_of(drift) == (DriftStatus.SUPPRESSED, suppression.pk)
    assert ConfigChange.objects.filter(model="drift.driftsuppression", action="created").exists()
    listing = rows(response.content.decode())
    assert "resized for the sale" in listing and "active" in listing
    held = f"?status=suppressed&amp;suppression__id__exact={suppression.pk}"
    assert held in listing


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"kind": "droplet", "tag": "web"}, "tag"),
        ({"kind": "droplet", "expires_at": ""}, "expires_at"),
        ({"kind": "droplet", "permanent": "on"}, "expires_at"),
        ({"resource": "do:droplet:nope"}, "resource"),
        ({"kind": "droplet", "field": "name.first"}, "field"),
    ],
)
def test_the_add_form_shows_the_services_errors_on_the_field(console, admin, values, field):
    response = console.post(ADD, form(owner=admin.pk, **values))

    assert response.status_code == 200  # the form again, with the error
    assert field in response.context["adminform"].form.errors
    assert not DriftSuppression.objects.exists()


def test_suppressed_drift_leaves_the_inbox_and_is_listed_under_suppressed(console, admin):
    drift = drifted()
    suppression(admin, kind="droplet")

    assert drift.resource.urn not in rows(console.get(INBOX).content.decode())
    assert drift.resource.urn not in rows(
        console.get(INBOX, {"status": "resolved"}).content.decode()
    )
    suppressed = console.get(INBOX, {"status": "suppressed"}).content.decode()
    assert drift.resource.urn in rows(suppressed)
    assert "Suppressed" in suppressed


def test_the_held_link_lists_the_drift_a_suppression_holds(console, admin):
    mine, other = drifted(), drifted(kind="volume")
    held = suppression(admin, kind="droplet")
    suppression(admin, kind="volume")

    page = console.get(INBOX, {"status": "suppressed", "suppression__id__exact": held.pk})

    assert mine.resource.urn in rows(page.content.decode())
    assert other.resource.urn not in rows(page.content.decode())


def lift_action(client: Client, *suppressions: DriftSuppression, reason: str):
    return client.post(
        LIST,
        {
            "action": "lift_selected",
            "_selected_action": [s.pk for s in suppressions],
            "index": 0,
            "reason": reason,
        },
        follow=True,
    )


def test_lift_action_reopens_the_drift(console, admin):
    drift = drifted()
    held = suppression(admin, kind="droplet")

    response = lift_action(console, held, reason="sale is over")

    assert "Lifted 1 suppression" in response.content.decode()
    held.refresh_from_db()
    assert (held.lifted_by, held.lift_reason) == (admin, "sale is over")
    assert status_of(drift) == (DriftStatus.OPEN, None)
    assert drift.resource.urn in rows(console.get(INBOX).content.decode())


def test_lift_action_needs_a_reason(console, admin):
    held = suppression(admin, kind="droplet")

    response = lift_action(console, held, reason="")

    assert "Nothing lifted" in response.content.decode()
    held.refresh_from_db()
    assert held.lifted_at is None


def test_a_suppression_is_read_only_once_made(console, admin):
    held = suppression(admin, kind="droplet")
    change = reverse("admin:drift_driftsuppression_change", args=[held.pk])

    page = console.get(change)
    assert page.status_code == 200
    assert "Change history" in page.content.decode() and "created" in page.content.decode()
    assert console.post(change, form(kind="volume")).status_code == 403
    held.refresh_from_db()
    assert held.kind == "droplet"


def test_staff_without_the_platform_role_cannot_add_or_lift(admin):
    held = suppression(admin, kind="droplet")
    client = Client()
    client.force_login(UserFactory(is_staff=True, is_superuser=False))

    assert client.get(ADD).status_code == 403
    lift_action(client, held, reason="x")
    held.refresh_from_db()
    assert held.lifted_at is None
