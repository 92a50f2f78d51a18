"""Sagas through a real Celery worker over Redis (not eager), on the tests' own Redis db:
the task carries only the run id, waits come back as short countdown tasks, and the
every-minute `resume_due` picks up a run whose worker died."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from celery.contrib.testing.worker import start_worker
from django.utils import timezone

from arcadia.celery import app
from provisioning import dispatch, engine
from provisioning.models import SagaRun
from provisioning.services import start_create_droplet
from provisioning.tests.conftest import REAL_ENQUEUE
from tests.brokers import isolated_broker_url

pytestmark = pytest.mark.django_db(transaction=True)


class WorkerKilled(BaseException):
    pass


def _forget_connections() -> None:
    # Producers are pooled per broker URL on first use; start from the test broker's.
    app._pool = None
    app.amqp._producer_pool = None


@contextmanager
def running_worker(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A worker consuming the `provisioning` queue from an emptied Redis db of its own,
    with the engine's nudges really sent there."""
    monkeypatch.setattr(dispatch, "enqueue_advance", REAL_ENQUEUE)
    test_broker = isolated_broker_url()
    previous = app.conf.broker_url
    app.conf.broker_url = test_broker
    _forget_connections()
    with app.connection_for_write(test_broker) as conn:
        conn.default_channel.client.flushdb()
    try:
        with start_worker(
            app, queues=["provisioning"], perform_ping_check=False, shutdown_timeout=30
        ):
            yield
    finally:
        app.conf.broker_url = previous
        _forget_connections()


def start(tenant_project) -> SagaRun:
    return start_create_droplet(
        name="queued-1",
        region="nyc3",
        size="s-1vcpu-1gb",
        image="ubuntu-24-04-x64",
        tags=["env:dev"],
        tenant_id=tenant_project.tenant_id,
        idempotency_key=None,
        actor="test",
        requested_via="test",
    ).run


def wait_until_over(run: SagaRun, seconds: float = 60) -> SagaRun:
    deadline = time.monotonic() + seconds
    while True:
        run.refresh_from_db()
        if not run.is_live:
            return run
        assert time.monotonic() < deadline, f"saga #{run.pk} still {run.status}"
        time.sleep(0.1)


def test_a_worker_runs_a_create_saga_to_the_end(sim, tenant_project, monkeypatch):
    # Actions that outlast a pass even on a loaded machine, so the wait is always parked
    # and comes back as a countdown task (at 0.05 s a slow pass could see it done).
    sim.state.action_seconds = 1.5
    with running_worker(monkeypatch):
        run = wait_until_over(start(tenant_project))  # queued on commit; nothing else drives it

    assert run.status == "succeeded"
    assert sim.state.droplet(run.droplet_id)["name"] == "queued-1"
    assert run.attempts > 1  # the waits came back as countdown tasks


def test_resume_due_on_a_worker_finishes_a_dead_workers_saga_with_one_droplet(
    sim, tenant_project, monkeypatch
):
    def kill_after_create(run: SagaRun, row) -> None:
        if row.name == "create":
            raise WorkerKilled

    monkeypatch.setattr(engine, "after_step_call", kill_after_create)
    run = start(tenant_project)  # nudges are only recorded: no worker runs yet
    with pytest.raises(WorkerKilled):
        engine.advance(run.pk, worker="doomed")
    monkeypatch.setattr(engine, "after_step_call", None)
    SagaRun.objects.filter(pk=run.pk).update(lease_expires_at=timezone.now())

    with running_worker(monkeypatch):
        app.send_task("provisioning.resume_due")
        run = wait_until_over(run)

    assert run.status == "succeeded"
    named = [d for d in map(sim.state.droplet, sim.state.droplet_ids()) if d["name"] == "queued-1"]
    assert [d["id"] for d in named] == [run.droplet_id]
