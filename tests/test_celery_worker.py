"""Tasks through a real Celery worker over Redis (not eager), on an isolated Redis db
(`tests.brokers`: `TEST_REDIS_URL`, else `REDIS_URL` with db 15)."""

from __future__ import annotations

import time

import pytest
from celery.contrib.testing.worker import start_worker

from arcadia.celery import app
from inventory.models import SyncRun
from inventory.tasks import sync_full
from tests.brokers import isolated_broker_url


@pytest.fixture
def broker():
    """A connection to a Redis db of the tests' own, emptied first; the worker below
    consumes from it, so a developer's running worker never sees test tasks."""
    test_broker = isolated_broker_url()
    previous = app.conf.broker_url
    app.conf.broker_url = test_broker
    with app.connection_for_write(test_broker) as conn:
        conn.default_channel.client.flushdb()
        try:
            with start_worker(
                app, queues=["cloud_sync_full"], perform_ping_check=False, shutdown_timeout=30
            ):
                yield conn
        finally:
            app.conf.broker_url = previous


@pytest.mark.django_db(transaction=True)
def test_full_sync_task_runs_on_a_worker_and_records_its_run(simulator_settings, broker):
    sync_full.apply_async(("droplet",), connection=broker)

    deadline = time.monotonic() + 60
    while not SyncRun.objects.filter(trigger="celery", status="completed").exists():
        assert time.monotonic() < deadline, "the worker never completed the sync"
        time.sleep(0.2)
    run = SyncRun.objects.get(trigger="celery")
    assert run.discovered == 50 and run.kind == "droplet"


@pytest.mark.parametrize(
    ("redis_url", "expected"),
    [
        ("redis://10.0.0.7:6380/0", "redis://10.0.0.7:6380/15"),
        ("redis://:s3cret@cache.internal:6379/3", "redis://:s3cret@cache.internal:6379/15"),
        ("redis://127.0.0.1:6379", "redis://127.0.0.1:6379/15"),
    ],
)
def test_the_test_broker_is_redis_url_with_db_15(settings, monkeypatch, redis_url, expected):
    monkeypatch.delenv("TEST_REDIS_URL", raising=False)
    settings.REDIS_URL = redis_url

    assert isolated_broker_url() == expected


def test_test_redis_url_names_the_test_broker(settings, monkeypatch):
    settings.REDIS_URL = "redis://127.0.0.1:6379/0"
    monkeypatch.setenv("TEST_REDIS_URL", "redis://127.0.0.1:6390/4")

    assert isolated_broker_url() == "redis://127.0.0.1:6390/4"


def test_the_apps_own_redis_db_is_never_the_test_broker(settings, monkeypatch):
    settings.REDIS_URL = "redis://127.0.0.1:6379/15"
    monkeypatch.setenv("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")

    with pytest.raises(RuntimeError, match="TEST_REDIS_URL"):
        isolated_broker_url()
