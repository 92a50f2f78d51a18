"""Handling a suppression's expiry (drift.services.suppressions.expire_due): its drift
reopens, `expiry_handled_at` is set, the change is audited, and `drift.suppression_expired`
is announced exactly once, to the suppression's tenant and the platform. Beat runs it every
5 minutes; every detection sweep runs it first."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_celery_beat.models import PeriodicTask
from rest_framework.test import APIClient

from drift.models import DriftStatus, DriftSuppression
from drift.services import detection
from drift.services.detection import detect_drift, run_detection
from drift.services.suppressions import EXPIRY_ACTOR, Expiry, expire_due, lift
from drift.tasks import expire_suppressions
from drift.tests.suppressions import drifted, status_of, suppression
from tenants.models import ConfigChange
from tenants.services import issue_api_token
from tests.concurrency import run_all
from tests.factories import CloudProjectFactory, PlatformAdminFactory, TenantFactory
from webhooks.models import WebhookDelivery, WebhookEvent
from webhooks.services import subscribe

pytestmark = pytest.mark.django_db

EXPIRED = "drift.suppression_expired"


@pytest.fixture
def admin():
    return PlatformAdminFactory(username="alice")


@pytest.fixture
def platform_hook():
    return subscribe(url="https://hooks.example.com/all", events=[EXPIRED], tenant=None, actor=None)


def lapse(*suppressions: DriftSuppression) -> None:
    """Moves the expiry into the past, as time would."""
    DriftSuppression.objects.filter(pk__in=[s.pk for s in suppressions]).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )


def expired_events() -> list[WebhookEvent]:
    return list(WebhookEvent.objects.filter(type=EXPIRED).order_by("occurred_at", "id"))


# -- the expiry: drift reopens, announced once -----------------------------------------


def test_an_expired_suppression_reopens_its_drift_and_is_announced_once(admin, platform_hook):
    drift = drifted()
    held = suppression(admin, kind="droplet")
    lapse(held)

    assert expire_due() == Expiry(expired=1, reopened=1)

    assert status_of(drift) == (DriftStatus.OPEN, None)
    held.refresh_from_db()
    assert held.expiry_handled_at is not None
    (event,) = expired_events()
    assert event.tenant_id is None  # a kind suppression is no one tenant's
    assert event.payload["reopened"] == [drift.pk]
    shown = event.payload["suppression"]
    assert (shown["id"], shown["scope"], shown["kind"], shown["field"]) == (
        held.pk,
        "kind",
        "droplet",
        "size_slug",
    )
    assert (shown["state"], shown["held_drift"], shown["owner"]) == ("expired", 0, "alice")
    assert shown["expiry_handled_at"] is not None
    assert WebhookDelivery.objects.filter(subscription=platform_hook).count() == 1


def test_a_second_run_and_a_later_sweep_announce_nothing_more(admin, platform_hook):
    drifted()
    lapse(suppression(admin, kind="droplet"))
    expire_due()

    assert expire_due() == Expiry()
    outcome = detect_drift()

    assert (outcome.expired, outcome.reopened) == (0, 0)
    assert len(expired_events()) == 1


def test_the_expiry_is_audited(admin):
    held = suppression(admin, kind="droplet")
    lapse(held)

    expire_due()

    change = ConfigChange.objects.filter(model="drift.driftsuppression", object_id=held.pk).latest(
        "id"
    )
    assert (change.action, change.actor) == ("changed", EXPIRY_ACTOR)
    assert list(change.changes) == ["expiry_handled_at"]
    assert change.changes["expiry_handled_at"][0] is None


def test_drift_another_suppression_still_matches_moves_to_it_and_is_not_reopened(
    admin, platform_hook
):
    drift = drifted(tags=["sale"])
    by_resource = suppression(admin, resource=drift.resource)
    by_tag = suppression(admin, tag="sale", permanent=True)
    lapse(by_resource)

    assert expire_due() == Expiry(expired=1, reopened=0)

    assert status_of(drift) == (DriftStatus.SUPPRESSED, by_tag.pk)
    assert expired_events()[0].payload["reopened"] == []


def test_a_new_suppression_of_the_same_scope_takes_the_drift_over_at_once(admin, platform_hook):
    drift = drifted()
    old = suppression(admin, kind="droplet")
    lapse(old)

    new = suppression(admin, kind="droplet")

    assert status_of(drift) == (DriftStatus.SUPPRESSED, new.pk)
    (event,) = expired_events()
    assert (event.payload["suppression"]["id"], event.payload["reopened"]) == (old.pk, [])


def test_lifted_permanent_and_unexpired_suppressions_are_left_alone(admin, platform_hook):
    drift = drifted()
    lifted = suppression(admin, resource=drift.resource)
    lapse(lifted)
    lift(lifted.pk, actor=admin, reason="done early")
    permanent = suppression(admin, kind="droplet", permanent=True)
    ahead = suppression(admin, tag="web")

    assert expire_due() == Expiry()

    assert expired_events() == []
    assert status_of(drift) == (DriftStatus.SUPPRESSED, permanent.pk)
    handled = DriftSuppression.objects.filter(pk__in=[lifted.pk, permanent.pk, ahead.pk])
    assert set(handled.values_list("expiry_handled_at", flat=True)) == {None}


def test_an_expiry_is_handled_once_its_time_has_come(admin):
    held = suppression(admin, kind="droplet")  # expires in a week

    assert expire_due() == Expiry()
    assert expire_due(now=held.expires_at + timedelta(seconds=1)).expired == 1


def test_every_expiry_is_announced_even_without_drift_to_reopen(admin, platform_hook):
    suppression(admin, kind="volume")
    suppression(admin, kind="droplet")
    DriftSuppression.objects.update(expires_at=timezone.now() - timedelta(minutes=1))

    assert expire_due().expired == 2

    assert [e.payload["reopened"] for e in expired_events()] == [[], []]


def test_without_a_subscriber_nothing_is_written_to_the_outbox(admin):
    drifted()
    lapse(suppression(admin, kind="droplet"))

    assert expire_due() == Expiry(expired=1, reopened=1)
    assert not WebhookEvent.objects.exists()


# -- whose event it is ---------------------------------------------------------------


def test_a_tenant_subscription_receives_its_own_resources_expiry_only(admin, platform_hook):
    mine, theirs = TenantFactory(), TenantFactory()
    my_hook = subscribe(
        url="https://hooks.example.com/mine", events=[EXPIRED], tenant=mine, actor=None
    )
    my_drift = drifted(project=CloudProjectFactory(tenant=mine))
    their_drift = drifted(project=CloudProjectFactory(tenant=theirs))
    suppression(admin, resource=my_drift.resource)
    suppression(admin, resource=their_drift.resource)
    suppression(admin, kind="droplet", field="region")  # platform-wide
    DriftSuppression.objects.update(expires_at=timezone.now() - timedelta(minutes=1))

    expire_due()

    assert sorted((e.tenant_id or 0) for e in expired_events()) == sorted([0, mine.pk, theirs.pk])
    got = WebhookDelivery.objects.filter(subscription=my_hook).select_related("event")
    assert [(d.event.tenant_id, d.event.payload["reopened"]) for d in got] == [
        (mine.pk, [my_drift.pk])
    ]
    assert WebhookDelivery.objects.filter(subscription=platform_hook).count() == 3


# -- the one writer: detection does not reopen an expiry unannounced ------------------


def test_until_its_expiry_is_handled_an_expired_suppression_keeps_holding_its_drift(
    admin, monkeypatch
):
    drift = drifted()
    held = suppression(admin, kind="droplet")
    lapse(held)
    # As if it had expired mid-sweep, after the sweep's own `expire_due`.
    monkeypatch.setattr(detection, "expire_due", lambda **_: Expiry())

    assert detect_drift().reopened == 0
    assert status_of(drift) == (DriftStatus.SUPPRESSED, held.pk)


def test_a_sweep_handles_due_expiries_before_its_batches(admin, platform_hook, completed_sync):
    drift = drifted()
    lapse(suppression(admin, kind="droplet"))

    run = run_detection()

    assert run.outcome is not None
    assert (run.outcome.expired, run.outcome.reopened) == (1, 1)
    assert "1 suppression expired first" in run.message
    assert status_of(drift) == (DriftStatus.OPEN, None)
    assert [e.payload["reopened"] for e in expired_events()] == [[drift.pk]]


def test_expiry_costs_the_same_queries_whatever_the_number_of_suppressions(admin, platform_hook):
    def queries_to_expire(count: int) -> int:
        for _ in range(count):
            drift = drifted()
            suppression(admin, resource=drift.resource)
        DriftSuppression.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
        with CaptureQueriesContext(connection) as captured:
            assert expire_due().reopened == count
        return len([q for q in captured.captured_queries if "SAVEPOINT" not in q["sql"]])

    assert queries_to_expire(2) == queries_to_expire(12)


def test_nothing_due_costs_one_query():
    with CaptureQueriesContext(connection) as captured:
        expire_due()

    assert len(captured.captured_queries) == 1


@pytest.mark.django_db(transaction=True)
def test_runs_at_once_announce_each_expiry_once():
    admin = PlatformAdminFactory()
    subscribe(url="https://hooks.example.com/all", events=[EXPIRED], tenant=None, actor=None)
    drifts = [drifted() for _ in range(3)]
    for drift in drifts:
        suppression(admin, resource=drift.resource)
    DriftSuppression.objects.update(expires_at=timezone.now() - timedelta(minutes=1))

    workers = run_all(expire_due, expire_due, detect_drift)

    assert [w.error for w in workers] == [None, None, None]
    assert sum(w.result.expired for w in workers) == 3
    assert sorted(r for e in expired_events() for r in e.payload["reopened"]) == sorted(
        d.pk for d in drifts
    )


# -- beat, the task, the API ---------------------------------------------------------


def test_expiry_is_scheduled_every_5_minutes_on_the_drift_queue():
    task = PeriodicTask.objects.get(task="drift.expire_suppressions")

    assert task.queue == "drift"
    assert (task.interval.every, task.interval.period) == (300, "seconds")
    assert task.enabled


def test_the_task_runs_the_service(admin, platform_hook):
    drift = drifted()
    lapse(suppression(admin, kind="droplet"))

    assert expire_suppressions.apply().get() == {"expired": 1, "reopened": 1}
    assert status_of(drift) == (DriftStatus.OPEN, None)
    assert len(expired_events()) == 1


def test_the_api_shows_when_the_expiry_was_handled(admin):
    held = suppression(admin, kind="droplet")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {issue_api_token(admin)}")
    url = f"/api/v1/drift/suppressions/{held.pk}"
    assert client.get(url).json()["expiry_handled_at"] is None
    lapse(held)

    expire_due()

    body = client.get(url).json()
    assert body["state"] == "expired" and body["expiry_handled_at"] is not None


def test_the_console_page_shows_when_the_expiry_was_handled(admin):
    held = suppression(admin, kind="droplet")
    lapse(held)
    expire_due()
    console = Client()
    console.force_login(admin)

    page = console.get(reverse("admin:drift_driftsuppression_change", args=[held.pk]))

    assert page.status_code == 200
    assert "Expiry handled at" in page.content.decode()
