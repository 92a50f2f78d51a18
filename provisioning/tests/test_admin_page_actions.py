"""Revert from a drift's page and "resume now" from a saga's page (arcadia.page_actions):
the confirmation says what will run, the comment or reason is kept, refusals say why."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from drift.models import Drift, DriftStatus
from provisioning.models import SagaRun
from tests.factories import (
    CloudResourceFactory,
    DriftFactory,
    PlatformAdminFactory,
    ProvisionedFactory,
    SagaRunFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

INBOX = reverse("admin:drift_drift_changelist")


@pytest.fixture
def console() -> Client:
    client = Client()
    client.force_login(PlatformAdminFactory(username="operator"))
    return client


def renamed() -> Drift:
    return DriftFactory(
        field="name",
        expected="web-1",
        actual="web-x",
        provisioned=ProvisionedFactory(spec={"name": "web-1"}),
    )


def revert_url(drift: Drift) -> str:
    return reverse("admin:drift_drift_revert", args=[drift.pk])


def resume_url(run: SagaRun) -> str:
    return reverse("admin:provisioning_sagarun_resume", args=[run.pk])


# -- revert ------------------------------------------------------------------------------


def test_the_revert_page_lists_the_sagas_steps_for_the_kind(console):
    drift = renamed()

    page = console.get(revert_url(drift)).content.decode()

    assert "<code>rename_droplet</code> saga" in page
    assert "<code>rename</code>" in page
    assert "Every step can be undone" in page
    assert "cannot be undone</strong>" not in page


def test_the_revert_page_warns_about_a_step_that_cannot_be_undone(console):
    volume = CloudResourceFactory(kind="volume", attrs={"size_gigabytes": 100})
    drift = DriftFactory(
        field="size_gigabytes",
        expected=200,
        actual=100,
        provisioned=ProvisionedFactory(resource=volume, spec={"size_gigabytes": 200}),
    )

    page = console.get(revert_url(drift)).content.decode()

    assert "<code>resize_volume</code> saga" in page
    assert "cannot be undone</strong>" in page
    assert "A step of this saga cannot be undone" in page


def test_reverting_from_the_page_starts_the_saga_and_keeps_the_comment(console):
    drift = renamed()

    response = console.post(revert_url(drift), {"comment": "names are managed"})

    assert response.status_code == 302
    run = SagaRun.objects.get(drift=drift)
    assert run.saga == "rename_droplet" and run.requested_via == "console"
    drift.refresh_from_db()
    assert drift.comment == "names are managed"
    assert drift.revert_running
    assert "names are managed" in LogEntry.objects.get(object_id=str(drift.pk)).change_message


def test_the_inbox_revert_action_keeps_its_comment(console):
    """The list's revert used to drop the comment typed in the action bar."""
    drift = renamed()

    console.post(
        INBOX,
        {
            "action": "revert_selected",
            "_selected_action": [drift.pk],
            "index": 0,
            "comment": "back to the spec",
        },
    )

    drift.refresh_from_db()
    assert SagaRun.objects.filter(drift=drift).exists()
    assert drift.comment == "back to the spec"


def test_a_revert_already_running_is_refused_on_the_page(console):
    drift = renamed()
    console.post(revert_url(drift), {"comment": "first"})
    run = SagaRun.objects.get(drift=drift)

    shown = console.get(revert_url(drift)).content.decode()
    response = console.post(revert_url(drift), {"comment": "second"})

    assert f"A revert is already running: saga #{run.pk}" in shown
    assert 'id="page-action-confirm"' not in shown
    assert response.status_code == 409
    assert SagaRun.objects.filter(drift=drift).count() == 1
    assert Drift.objects.get(pk=drift.pk).comment == "first"


def test_a_field_no_saga_can_revert_is_refused_saying_which_can(console):
    drift = DriftFactory(field="region", expected="nyc3", actual="sfo3")

    response = console.post(revert_url(drift), {"comment": "x"})

    assert response.status_code == 400
    assert "Drift on &#x27;region&#x27; cannot be reverted" in response.content.decode()
    assert not SagaRun.objects.filter(drift=drift).exists()


def test_a_resolved_drift_is_refused_on_the_revert_page(console):
    drift = DriftFactory(status=DriftStatus.ACCEPTED, resolved_at=timezone.now())

    response = console.post(revert_url(drift), {})

    assert response.status_code == 409
    assert "only an open drift can be reverted" in response.content.decode()


def test_staff_without_the_role_cannot_revert_and_are_told_why():
    viewer = UserFactory(is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_drift"))
    client = Client()
    client.force_login(viewer)
    drift = renamed()

    response = client.post(revert_url(drift), {"comment": "x"})

    assert response.status_code == 403
    assert "it needs the platform-admin role" in response.content.decode()
    assert not SagaRun.objects.filter(drift=drift).exists()


# -- resume ------------------------------------------------------------------------------


def test_a_saga_page_has_a_resume_button_and_no_save(console):
    run = SagaRunFactory()

    page = console.get(reverse("admin:provisioning_sagarun_change", args=[run.pk])).content
    page = page.decode()

    assert f'href="{resume_url(run)}"' in page
    assert 'name="_save"' not in page


def test_resuming_from_the_page_makes_the_saga_due_and_keeps_the_reason(console):
    later = timezone.now() + timedelta(hours=1)
    run = SagaRunFactory(status="waiting", next_run_at=later, last_error="DORateLimited")

    preview = console.get(resume_url(run)).content.decode()
    response = console.post(resume_url(run), {"comment": "DO is back"})

    assert "is <strong>waiting</strong>" in preview and "DORateLimited" in preview
    assert response.status_code == 302
    run.refresh_from_db()
    assert run.next_run_at <= timezone.now()
    assert "DO is back" in LogEntry.objects.get(object_id=str(run.pk)).change_message


def test_resuming_a_finished_saga_says_why_not(console):
    run = SagaRunFactory(status="succeeded", finished_at=timezone.now(), next_run_at=None)

    response = console.post(resume_url(run), {"comment": "again"})

    assert response.status_code == 409
    assert "it has ended, there is nothing to resume" in response.content.decode()
    assert SagaRun.objects.get(pk=run.pk).next_run_at is None


def test_staff_without_the_role_cannot_resume():
    viewer = UserFactory(is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_sagarun"))
    client = Client()
    client.force_login(viewer)
    later = timezone.now() + timedelta(hours=1)
    run = SagaRunFactory(status="waiting", next_run_at=later)

    response = client.post(resume_url(run), {"comment": "x"})

    assert response.status_code == 403
    assert "it needs the platform-admin role" in response.content.decode()
    assert SagaRun.objects.get(pk=run.pk).next_run_at == later
