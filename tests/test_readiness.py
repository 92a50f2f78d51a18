"""`/healthz/ready`: 200 when syncs, beat, sagas and a worker are all doing their work;
503 naming each check that is not."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from arcadia import health
from inventory.models import Kind, SyncRun
from tests.factories import SagaRunFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def worker_answers(monkeypatch):
    monkeypatch.setattr(health, "_ping_workers", lambda: [{"celery@w1": {"ok": "pong"}}])


@pytest.fixture
def healthy(worker_answers):
    now = timezone.now()
    for kind in Kind.values:
        SyncRun.objects.create(
            kind=kind, status="completed", started_at=now - timedelta(minutes=5), finished_at=now
        )
    schedule = IntervalSchedule.objects.create(every=60, period="seconds")
    PeriodicTask.objects.update_or_create(
        name="test: resume due",
        defaults={"task": "provisioning.resume_due", "interval": schedule, "last_run_at": now},
    )


def test_ready_is_200_with_each_checks_detail_when_all_is_well(client, healthy):
    response = client.get("/healthz/ready")

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "ready"
    assert body["failing"] == []
    assert set(body["checks"]) == {"postgres", "redis", "sync", "beat", "sagas", "worker"}
    assert body["checks"]["worker"] == "ok: 1 worker(s) answered: celery@w1"
    assert body["checks"]["sync"].startswith(f"ok: {len(Kind.values)} kinds")


def test_a_stale_sync_is_503_naming_the_kind(client, healthy):
    SyncRun.objects.filter(kind="volume").update(finished_at=timezone.now() - timedelta(hours=3))

    response = client.get("/healthz/ready")

    assert response.status_code == 503
    body = response.json()
    assert body["failing"] == ["sync"]
    assert "volume (1080" in body["checks"]["sync"]  # 10800s ago, give or take a second
    assert "droplet" not in body["checks"]["sync"]


def test_a_kind_never_synced_is_stale(client, healthy):
    SyncRun.objects.filter(kind="vpc").delete()

    body = client.get("/healthz/ready").json()

    assert "vpc (never)" in body["checks"]["sync"]


def test_beat_silent_for_ten_minutes_is_503(client, healthy):
    PeriodicTask.objects.update(last_run_at=timezone.now() - timedelta(minutes=11))

    response = client.get("/healthz/ready")

    assert response.status_code == 503
    assert response.json()["failing"] == ["beat"]


def test_an_overdue_saga_is_503_naming_it_and_a_due_one_is_not(client, healthy):
    overdue = SagaRunFactory(next_run_at=timezone.now() - timedelta(minutes=11))
    SagaRunFactory(next_run_at=timezone.now() - timedelta(minutes=2))
    SagaRunFactory(
        status="succeeded",
        finished_at=timezone.now(),
        next_run_at=timezone.now() - timedelta(hours=1),
    )

    response = client.get("/healthz/ready")

    assert response.status_code == 503
    body = response.json()
    assert body["failing"] == ["sagas"]
    assert body["checks"]["sagas"] == (f"saga run(s) {overdue.pk} overdue by more than 10 minutes")


def test_no_worker_answering_is_503(client, healthy, monkeypatch):
    monkeypatch.setattr(health, "_ping_workers", lambda: [])

    response = client.get("/healthz/ready")

    assert response.status_code == 503
    assert response.json()["failing"] == ["worker"]
    assert "no worker answered" in response.json()["checks"]["worker"]


def test_the_real_ping_is_bounded_in_time(client, healthy, monkeypatch, settings):
    # No worker listens on a broker nobody uses: the ping gives up after its timeout.
    monkeypatch.undo()
    started = timezone.now()

    ok, detail = health._check_worker(started)

    assert (timezone.now() - started).total_seconds() < health.WORKER_PING_TIMEOUT + 3
    assert isinstance(ok, bool) and detail


def test_healthz_stays_cheap(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(1):
        response = client.get("/healthz")

    assert set(response.json()["checks"]) == {"postgres", "redis"}
