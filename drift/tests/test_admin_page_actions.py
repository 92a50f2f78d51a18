"""Accept from a drift's own page (arcadia.page_actions): a button, a confirmation page
that says what will happen, a comment that is kept, and refusals that say why."""

from __future__ import annotations

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from drift.models import Drift, DriftStatus, Provisioned
from tests.factories import (
    CloudResourceFactory,
    DriftFactory,
    PlatformAdminFactory,
    ProvisionedFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

INBOX = reverse("admin:drift_drift_changelist")


@pytest.fixture
def console() -> Client:
    client = Client()
    client.force_login(PlatformAdminFactory(username="operator"))
    return client


def page_of(drift: Drift) -> str:
    return reverse("admin:drift_drift_change", args=[drift.pk])


def accept_url(drift: Drift) -> str:
    return reverse("admin:drift_drift_accept", args=[drift.pk])


def test_a_drifts_page_has_accept_and_revert_buttons_and_no_save(console):
    drift = DriftFactory()

    page = console.get(page_of(drift)).content.decode()

    assert f'href="{accept_url(drift)}"' in page
    assert f'href="{reverse("admin:drift_drift_revert", args=[drift.pk])}"' in page
    assert 'name="_save"' not in page and 'name="_continue"' not in page


def test_the_accept_page_says_the_live_value_becomes_the_spec_and_the_version_bumps(console):
    drift = DriftFactory(provisioned=ProvisionedFactory(spec_version=4))

    response = console.get(accept_url(drift))

    page = response.content.decode()
    assert response.status_code == 200
    assert '<span class="diff-field">size_slug</span>' in page
    assert "s-1vcpu-1gb" in page and "s-2vcpu-4gb" in page  # the spec's value → the live one
    assert "Spec version 4 → 5" in page
    assert 'id="page-action-confirm"' in page and 'name="comment"' in page


def test_accepting_from_the_page_keeps_the_comment(console):
    drift = DriftFactory()

    response = console.post(accept_url(drift), {"comment": "  resized on purpose  "})

    assert response.status_code == 302 and response["Location"] == page_of(drift)
    drift.refresh_from_db()
    assert drift.status == DriftStatus.ACCEPTED
    assert drift.comment == "resized on purpose"
    assert drift.resolved_by.username == "operator"
    assert Provisioned.objects.get(pk=drift.provisioned_id).spec["size_slug"] == "s-2vcpu-4gb"
    entry = LogEntry.objects.get(object_id=str(drift.pk))
    assert "resized on purpose" in entry.get_change_message()
    followed = console.get(response["Location"]).content.decode()
    assert f"Accepted drift #{drift.pk}" in followed


def test_accepting_a_drift_that_is_not_open_says_why_on_the_page(console):
    drift = DriftFactory(status=DriftStatus.STALE, resolved_at=timezone.now())

    shown = console.get(accept_url(drift)).content.decode()
    response = console.post(accept_url(drift), {"comment": "late"})

    assert f"Drift {drift.pk} is stale, not open" in shown
    assert 'id="page-action-confirm"' not in shown  # nothing to confirm
    assert response.status_code == 409
    assert f"Drift {drift.pk} is stale, not open" in response.content.decode()
    assert Drift.objects.get(pk=drift.pk).comment == ""


def test_accepting_while_a_revert_runs_says_why(console):
    drift = DriftFactory(revert_started_at=timezone.now())

    response = console.post(accept_url(drift), {"comment": "x"})

    assert response.status_code == 409
    assert "its revert saga" in response.content.decode()
    assert Drift.objects.get(pk=drift.pk).status == DriftStatus.OPEN


def test_accepting_a_drift_resolved_meanwhile_reports_the_services_refusal(console, monkeypatch):
    """The preview saw it open; the service, under the row lock, did not."""
    drift = DriftFactory()
    Drift.objects.filter(pk=drift.pk).update(status=DriftStatus.STALE, resolved_at=timezone.now())
    monkeypatch.setattr("drift.admin.DriftAdmin.refusal", staticmethod(lambda obj, doing: ""))

    response = console.post(accept_url(drift), {"comment": "x"})

    assert response.status_code == 409
    assert "only an open drift can be accepted" in response.content.decode()


def test_staff_without_the_role_are_told_why_not_shown_a_bare_403():
    viewer = UserFactory(is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_drift"))
    client = Client()
    client.force_login(viewer)
    drift = DriftFactory()

    response = client.post(accept_url(drift), {"comment": "x"})

    assert response.status_code == 403
    page = response.content.decode()
    assert "it needs the platform-admin role" in page
    assert 'id="site-name"' in page  # the console's page, not Django's bare 403
    assert Drift.objects.get(pk=drift.pk).status == DriftStatus.OPEN


def test_a_comment_that_is_too_long_is_a_400_naming_the_field(console):
    drift = DriftFactory()

    response = console.post(accept_url(drift), {"comment": "x" * 2001})

    assert response.status_code == 400
    assert "at most 2000 characters" in response.content.decode()
    assert Drift.objects.get(pk=drift.pk).status == DriftStatus.OPEN


def test_posting_the_read_only_drift_page_says_why_instead_of_a_bare_403(console):
    drift = DriftFactory()

    response = console.post(page_of(drift), {"comment": "edited"})

    assert response.status_code == 403
    assert "is read-only here" in response.content.decode()
    assert Drift.objects.get(pk=drift.pk).comment == ""


def test_the_drift_page_shows_expected_and_actual_as_a_readable_diff(console):
    drift = DriftFactory(
        field="tags",
        expected=["web", "prod"],
        actual=["web", "added-by-hand"],
        provisioned=ProvisionedFactory(spec={"tags": ["web", "prod"]}),
    )

    page = console.get(page_of(drift)).content.decode()

    assert '<li class="diff-added">+ <code class="diff-value" title="added-by-hand">' in page
    assert '<li class="diff-removed">- <code class="diff-value" title="prod">' in page


def test_the_kind_filter_lists_only_kinds_that_have_drift(console):
    DriftFactory()  # on a droplet
    CloudResourceFactory(kind="volume")  # a volume without drift

    response = console.get(INBOX)

    kind_filter = next(f for f in response.context["cl"].filter_specs if f.title == "kind")
    assert [value for value, _ in kind_filter.lookup_choices] == ["droplet"]


def test_the_inbox_shows_dates_on_one_short_line(console):
    drift = DriftFactory()

    page = console.get(INBOX).content.decode()

    assert f">{timezone.localtime(drift.detected_at):%Y-%m-%d %H:%M}</time>" in page
