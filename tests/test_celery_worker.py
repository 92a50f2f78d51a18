"""Tasks through a real Celery worker over Redis (not eager), on an isolated Redis db."""

from __future__ import annotations

import time

import pytest
from celery.contrib.testing.worker import start_worker

from arcadia.celery import app
from inventory.models import SyncRun
from inventory.tasks import sync_full

TEST_BROKER = "redis://127.0.0.1:6379/15"


@pytest.fixture
def broker():
    """A connection to a Redis db of the tests' own, emptied first; the worker below
    consumes from it, so a developer's running worker never sees test tasks."""
    previous = app.conf.broker_url
    app.conf.broker_url = TEST_BROKER
    with app.connection_for_write(TEST_BROKER) as conn:
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
