"""The operator console: sagas with their steps and errors, "resume now", and "revert"
in the drift inbox (DESIGN.md, "Surfaces")."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from drift.models import Drift, DriftStatus
from provisioning.models import SagaRun, SagaStep
from tests.factories import DriftFactory, PlatformAdminFactory, ProvisionedFactory, SagaRunFactory

pytestmark = pytest.mark.django_db

SAGAS = reverse("admin:provisioning_sagarun_changelist")
INBOX = reverse("admin:drift_drift_changelist")


@pytest.fixture
def console() -> Client:
    client = Client()
    client.force_login(PlatformAdminFactory())
    return client


def test_the_sagas_list_shows_status_step_attempts_and_last_error(console):
    SagaRunFactory(current_step="resize", attempts=3, last_error="resize: DOServerError: boom")

    page = console.get(SAGAS).content.decode()

    assert "resize_droplet" in page and "resize: DOServerError: boom" in page


def test_a_saga_page_lists_its_steps_read_only(console):
    run = SagaRunFactory()
    SagaStep.objects.create(run=run, index=0, name="power_off", last_error="DORateLimited")

    response = console.get(reverse("admin:provisioning_sagarun_change", args=[run.pk]))

    page = response.content.decode()
    assert response.status_code == 200
    assert "power_off" in page and "DORateLimited" in page
    assert 'name="steps-0-name"' not in page  # nothing editable


def test_resume_now_makes_live_sagas_due_and_leaves_finished_ones(console):
    later = timezone.now() + timedelta(hours=1)
    waiting = SagaRunFactory(status="waiting", next_run_at=later)
    done = SagaRunFactory(status="succeeded", finished_at=timezone.now(), next_run_at=None)

    console.post(
        SAGAS,
        {"action": "resume_selected", "_selected_action": [waiting.pk, done.pk], "index": 0},
    )

    waiting.refresh_from_db()
    assert waiting.next_run_at <= timezone.now()
    assert SagaRun.objects.get(pk=done.pk).next_run_at is None


def test_reverting_from_the_inbox_starts_a_saga_and_reports_refusals(console):
    revertible = DriftFactory(
        field="name",
        expected="web-1",
        actual="web-x",
        provisioned=ProvisionedFactory(spec={"name": "web-1"}),
    )
    not_revertible = DriftFactory(field="region", expected="nyc3", actual="sfo3")

    response = console.post(
        INBOX,
        {
            "action": "revert_selected",
            "_selected_action": [revertible.pk, not_revertible.pk],
            "index": 0,
        },
        follow=True,
    )

    run = SagaRun.objects.get(drift=revertible)
    messages = [str(m) for m in response.context["messages"]]
    assert any(f"saga #{run.pk} started" in m for m in messages)
    assert any("cannot be reverted" in m for m in messages)
    assert run.requested_via == "console"
    assert not SagaRun.objects.filter(drift=not_revertible).exists()


def test_a_drift_page_links_its_revert_saga(console):
    drift = DriftFactory()
    run = SagaRunFactory(resource=drift.resource, drift=drift, last_error="boom")

    page = console.get(reverse("admin:drift_drift_change", args=[drift.pk])).content.decode()

    assert reverse("admin:provisioning_sagarun_change", args=[run.pk]) in page
    assert Drift.objects.get(pk=drift.pk).is_open


def test_the_accept_action_refuses_a_drift_whose_revert_is_running(console):
    drift = DriftFactory(
        field="name",
        expected="web-1",
        actual="web-x",
        provisioned=ProvisionedFactory(spec={"name": "web-1"}),
    )
    console.post(INBOX, {"action": "revert_selected", "_selected_action": [drift.pk], "index": 0})

    response = console.post(
        INBOX,
        {"action": "accept_selected", "_selected_action": [drift.pk], "index": 0},
        follow=True,
    )

    messages = [str(m) for m in response.context["messages"]]
    assert any(
        f"#{drift.pk}" in m and "revert saga" in m and "still running" in m for m in messages
    )
    assert not any(m.startswith("Accepted") for m in messages)
    drift.refresh_from_db()
    assert drift.status == DriftStatus.OPEN and drift.revert_running
    assert drift.provisioned.spec == {"name": "web-1"} and drift.provisioned.spec_version == 1


def test_reverting_from_the_inbox_works_for_other_kinds_and_refuses_a_volume_shrink(console):
    from tests.factories import CloudResourceFactory

    def volume(gigabytes: int):
        return CloudResourceFactory(
            kind="volume",
            size_slug="",
            attrs={"size_gigabytes": gigabytes},
            provider_id=f"v-{gigabytes}",
        )

    grow = DriftFactory(
        field="size_gigabytes",
        expected=200,
        actual=100,
        provisioned=ProvisionedFactory(resource=volume(100), spec={"size_gigabytes": 200}),
    )
    shrink = DriftFactory(
        field="size_gigabytes",
        expected=100,
        actual=300,
        provisioned=ProvisionedFactory(resource=volume(300), spec={"size_gigabytes": 100}),
    )

    response = console.post(
        INBOX,
        {"action": "revert_selected", "_selected_action": [grow.pk, shrink.pk], "index": 0},
        follow=True,
    )

    run = SagaRun.objects.get(drift=grow)
    assert run.saga == "resize_volume" and run.params == {"field": "size_gigabytes", "value": 200}
    assert run.droplet_id is None
    messages = [str(m) for m in response.context["messages"]]
    assert any("DO refuses shrinking a volume" in m for m in messages)
    assert not SagaRun.objects.filter(drift=shrink).exists()
