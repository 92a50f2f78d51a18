"""The saga engine (DESIGN.md, "Provisioning"): rows are the saga, steps recorded before
and after their DO call, waits through `next_run_at`, bounded retries with backoff,
compensation, leases, and the every-minute resume."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from do_client import DOClient, reset_clients
from provisioning import engine, resume
from provisioning.engine import FAST_PATH_MAX_SECONDS, backoff_seconds
from provisioning.models import SagaRun, SagaStep
from provisioning.sagas.common import PowerOff
from provisioning.services import start_resize_droplet
from provisioning.steps import DEFAULT_RETRY, RetryPolicy
from provisioning.tests.conftest import after_first_call, drive, step, step_done
from tests.factories import SagaRunFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def run(sim, droplet) -> SagaRun:
    return start_resize_droplet(
        droplet.pk, size="s-2vcpu-4gb", actor="test", requested_via="test"
    ).run


@pytest.fixture
def no_client_retries(settings):
    """The DO client gives up at once, so every 429 and 5xx reaches the engine."""
    from do_client import reset_clients

    settings.DO_API_MAX_RETRIES = 0
    reset_clients()


def test_a_step_is_recorded_running_before_its_do_call(run, monkeypatch):
    seen: list[tuple[str, int]] = []

    def look(saga: SagaRun, row: SagaStep) -> None:
        stored = SagaStep.objects.get(pk=row.pk)  # what another worker would read
        seen.append((stored.status, stored.attempts))

    monkeypatch.setattr(engine, "after_step_call", look)
    engine.advance(run.pk, worker="w")

    assert seen == [("running", 1)]


def test_waiting_for_a_do_action_parks_the_run_instead_of_sleeping(
    run, enqueued, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        engine.advance(run.pk, worker="w")

    run.refresh_from_db()
    power_off = step(run, "power_off")
    assert run.status == "waiting" and power_off.waiting and power_off.action_id
    assert run.lease_owner == "" and run.lease_expires_at is None
    assert run.next_run_at > timezone.now() - timedelta(seconds=1)
    # The fast path: one short countdown, well inside the broker's visibility timeout.
    [(run_id, countdown)] = enqueued
    assert run_id == run.pk and countdown is not None and countdown <= FAST_PATH_MAX_SECONDS


def test_a_run_that_is_not_due_is_left_alone(run):
    SagaRun.objects.filter(pk=run.pk).update(next_run_at=timezone.now() + timedelta(minutes=5))

    assert engine.advance(run.pk, worker="w") is None
    assert step(run, "power_off").attempts == 0


def test_a_run_leased_by_another_worker_is_left_alone(run):
    SagaRun.objects.filter(pk=run.pk).update(
        lease_owner="other/1", lease_expires_at=timezone.now() + timedelta(minutes=5)
    )

    assert engine.advance(run.pk, worker="w") is None
    assert step(run, "power_off").attempts == 0


def test_an_expired_lease_is_taken_over(run):
    SagaRun.objects.filter(pk=run.pk).update(
        lease_owner="dead/1", lease_expires_at=timezone.now() - timedelta(seconds=1)
    )

    assert engine.advance(run.pk, worker="w") is not None
    assert step(run, "power_off").attempts == 1


def test_a_step_killed_after_starting_its_action_never_starts_it_twice(
    sim, droplet, run, monkeypatch
):
    class WorkerKilled(BaseException):
        pass

    def kill(saga: SagaRun, row: SagaStep) -> None:
        raise WorkerKilled

    monkeypatch.setattr(engine, "after_step_call", kill)
    with pytest.raises(WorkerKilled):
        engine.advance(run.pk, worker="doomed")
    monkeypatch.setattr(engine, "after_step_call", None)
    SagaRun.objects.filter(pk=run.pk).update(lease_expires_at=timezone.now())

    run = drive(run)

    assert run.status == "succeeded"
    actions = sim.state.droplet_actions[int(droplet.provider_id)]
    assert [sim.state.actions[a].type for a in actions] == ["power_off", "resize", "power_on"]
    power_off = step(run, "power_off")
    # It meant to act before it died, so finding the droplet off is its own doing.
    assert power_off.status == "succeeded" and power_off.attempts == 2


def test_a_worker_that_lost_its_lease_writes_nothing_more(run, monkeypatch):
    def steal(saga: SagaRun, row: SagaStep) -> None:
        SagaRun.objects.filter(pk=saga.pk).update(lease_owner="thief/1")

    monkeypatch.setattr(engine, "after_step_call", steal)

    assert engine.advance(run.pk, worker="w") is None
    power_off = step(run, "power_off")
    assert power_off.status == "running" and power_off.action_id is None


def test_resume_due_queues_due_runs_and_expired_leases_only(enqueued):
    now = timezone.now()
    due = SagaRunFactory(next_run_at=now - timedelta(seconds=1))
    never_nudged = SagaRunFactory(next_run_at=None)
    crashed = SagaRunFactory(
        status="running", lease_owner="dead/1", lease_expires_at=now - timedelta(seconds=1)
    )
    SagaRunFactory(next_run_at=now + timedelta(minutes=1))  # waiting on DO
    SagaRunFactory(
        status="running", lease_owner="busy/1", lease_expires_at=now + timedelta(minutes=1)
    )
    SagaRunFactory(status="succeeded", finished_at=now, next_run_at=None)

    queued = resume.resume_due()

    assert sorted(queued) == sorted([due.pk, never_nudged.pk, crashed.pk])
    assert sorted(run_id for run_id, _ in enqueued) == sorted(queued)


def test_a_429_during_a_step_is_retried(sim, run, no_client_retries):
    sim.state.set_faults(fail_next=[429, 429], retry_after_seconds=0)

    run = drive(run)

    assert run.status == "succeeded"
    power_off = step(run, "power_off")
    assert power_off.attempts == 3 and "DORateLimited" in power_off.last_error


def test_a_5xx_during_a_step_is_retried(sim, run, no_client_retries):
    run = drive(run, until=step_done("power_off"))
    sim.state.set_faults(fail_next=[500])

    run = drive(run)

    assert run.status == "succeeded"
    assert "DOServerError" in step(run, "resize").last_error
    assert step(run, "resize").attempts == 2


def test_a_long_backoff_is_left_to_resume_due_not_to_a_countdown(
    sim, run, no_client_retries, enqueued, django_capture_on_commit_callbacks
):
    sim.state.set_faults(fail_next=[429], retry_after_seconds=90)

    with django_capture_on_commit_callbacks(execute=True):
        engine.advance(run.pk, worker="w")

    run.refresh_from_db()
    assert run.status == "waiting" and step(run, "power_off").status == "pending"
    assert run.next_run_at >= timezone.now() + timedelta(seconds=85)  # DO asked for 90 s
    assert enqueued == []  # no countdown task; the every-minute resume brings it back


def test_a_429_parks_the_run_for_retry_after_without_sleeping_in_the_worker(sim, run, monkeypatch):
    # The engine's own client (no `no_client_retries`): 20 s is well under what a waiting
    # client would sleep through (120 s), five times over.
    slept: list[float] = []
    monkeypatch.setitem(DOClient.__init__.__kwdefaults__, "sleep", slept.append)
    reset_clients()
    sim.state.set_faults(fail_next=[429], retry_after_seconds=20)

    engine.advance(run.pk, worker="w")

    run.refresh_from_db()
    power_off = step(run, "power_off")
    assert run.status == "waiting" and power_off.status == "pending"
    assert power_off.attempts == 1 and "DORateLimited" in power_off.last_error
    expected = timezone.now() + timedelta(seconds=20)
    assert abs((run.next_run_at - expected).total_seconds()) < 3
    assert slept == []


def test_a_step_is_tried_as_many_times_as_its_retry_policy_declares(
    sim, run, monkeypatch, no_client_retries
):
    monkeypatch.setattr(PowerOff, "retry", RetryPolicy(attempts=2))
    sim.state.set_faults(fail_next=[500, 500])

    run = drive(run)

    power_off = step(run, "power_off")
    assert power_off.status == "failed" and power_off.attempts == 2
    assert run.status == "compensated"
    assert run.last_error.startswith("power_off: DOServerError")


def test_retries_are_bounded_then_the_run_fails_and_compensates(sim, run, no_client_retries):
    run = drive(run, until=step_done("resize"))  # the resize is running on DO
    # Every try of the power on (its first call) gets a 500; the compensation gets through.
    sim.state.set_faults(fail_next=[500] * DEFAULT_RETRY.attempts)

    run = drive(run)

    assert run.status == "compensated"
    power_on = step(run, "power_on")
    assert power_on.status == "failed" and power_on.attempts == DEFAULT_RETRY.attempts
    assert run.last_error.startswith("power_on: DOServerError")
    assert [s.status for s in run.steps.order_by("index")] == [
        "compensated",
        "compensated",
        "failed",
        "pending",
    ]
    assert run.finished_at is not None


def test_a_failed_compensation_ends_the_run_failed_with_both_errors(sim, run, monkeypatch):
    # From the resize on, every DO action errors: the resize, then the power on that
    # would undo the power off.
    after_first_call(monkeypatch, "power_off", lambda: sim.state.set_faults(action_errors=True))

    run = drive(run)

    assert run.status == "failed"
    assert run.last_error.startswith("resize: ActionErrored")
    assert "then undoing power_off failed: ActionErrored" in run.last_error
    assert step(run, "power_off").status == "failed"


@pytest.mark.parametrize("attempt", [1, 2, 5, 20])
def test_backoff_grows_with_jitter_and_is_capped(attempt, settings):
    settings.PROVISIONING_BACKOFF_BASE_SECONDS = 2
    settings.PROVISIONING_BACKOFF_CAP_SECONDS = 60
    ceiling = min(60, 2 * 2 ** (attempt - 1))

    delays = {backoff_seconds(attempt) for _ in range(20)}

    assert all(ceiling / 2 <= d <= ceiling for d in delays)
    assert len(delays) > 1


def test_backoff_waits_at_least_what_do_asked_for():
    from do_client import DORateLimited

    exc = DORateLimited(429, "too_many_requests", "slow down", None, retry_after=90)

    assert backoff_seconds(1, exc) >= 90


def test_the_engine_ends_a_run_through_the_hooks_its_saga_declares(
    sim, run, monkeypatch, no_client_retries
):
    from dataclasses import replace

    from provisioning import sagas

    ended: list[tuple[str, int, str]] = []
    definition = replace(
        sagas.SAGAS["resize_droplet"],
        on_succeeded=lambda r: ended.append(("succeeded", r.pk, "")) or {"hook": "ran"},
        on_failed=lambda r, error: ended.append(("failed", r.pk, error)),
    )
    monkeypatch.setitem(sagas.SAGAS, "resize_droplet", definition)

    done = drive(run)

    assert ended == [("succeeded", run.pk, "")]
    assert step(done, "record").result["hook"] == "ran"

    other = start_resize_droplet(
        done.resource_id, size="s-4vcpu-8gb", actor="test", requested_via="test"
    ).run
    monkeypatch.setattr(PowerOff, "retry", RetryPolicy(attempts=1))
    sim.state.set_faults(fail_next=[500])
    failed = drive(other)

    assert failed.status == "compensated"
    assert ended[-1] == ("failed", other.pk, failed.last_error)


def test_the_revert_sagas_settle_and_fail_their_drift_through_declared_hooks():
    from provisioning import sagas
    from provisioning.sagas import revert

    for name in ("resize_droplet", "rename_droplet", "retag_droplet"):
        assert sagas.SAGAS[name].on_succeeded is revert.settle
        assert sagas.SAGAS[name].on_failed is revert.record_failure
    assert sagas.SAGAS["create_droplet"].on_failed is None


def test_a_step_resumed_with_its_intent_but_no_action_id_adopts_the_in_flight_action():
    """The worker died after DO started the action and before its id was recorded: the
    resumed step finds the action among the droplet's and polls it, calling DO no more."""
    from types import SimpleNamespace

    from provisioning.steps import Wait, drive_action

    calls: list[str] = []
    client = SimpleNamespace(
        get_droplet=lambda droplet_id: {"id": droplet_id, "status": "active"},
        list_droplet_actions=lambda droplet_id: iter(
            [
                {"id": 7, "type": "power_off", "status": "completed"},
                {"id": 9, "type": "power_off", "status": "in-progress"},
            ]
        ),
        droplet_action=lambda *args, **kwargs: calls.append("droplet_action"),
    )
    row = SimpleNamespace(result={"action": {"intended": True}}, action_id=None)
    ctx = SimpleNamespace(
        step=row, client=client, droplet_id=1, checkpoint=lambda: calls.append("checkpoint")
    )

    outcome = drive_action(ctx, "action", "power_off", wanted=lambda d: d["status"] == "off")  # type: ignore[arg-type]

    assert isinstance(outcome, Wait)
    assert calls == []
    assert row.result["action"]["action_id"] == 9 and row.action_id == 9
