"""Sagas against the simulator on loopback, driven synchronously: `drive` calls the
engine pass after pass, making each wait due at once instead of sleeping through it."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.utils import timezone

from do_client import client_for
from do_simulator.testing import SimulatorHandle, running_simulator
from inventory.kinds import normalize_droplet
from inventory.models import CloudProject, CloudResource
from inventory.services.chokepoint import upsert_resources
from provisioning import dispatch, engine
from provisioning.models import SagaRun, SagaStep
from tests.factories import CloudProjectFactory, TenantFactory

REAL_ENQUEUE = dispatch.enqueue_advance


@pytest.fixture
def simulator() -> Iterator[SimulatorHandle]:
    """A tiny account (3 droplets) whose actions finish in 50 ms; overrides the root
    fixture, so `simulator_settings` points `client_for` here."""
    with running_simulator(droplets=3, seed=11, action_seconds=0.05) as sim:
        yield sim


@pytest.fixture
def sim(simulator_settings: SimulatorHandle, settings: Any) -> SimulatorHandle:
    settings.PROVISIONING_BACKOFF_BASE_SECONDS = 0.01
    settings.PROVISIONING_POLL_SECONDS = 0.05
    return simulator_settings


@pytest.fixture(autouse=True)
def enqueued(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, float | None]]:
    """Celery nudges, recorded instead of sent (one test sends them to a real worker)."""
    calls: list[tuple[int, float | None]] = []
    monkeypatch.setattr(
        dispatch,
        "enqueue_advance",
        lambda run_id, countdown=None: calls.append((run_id, countdown)),
    )
    return calls


def make_due(run_id: int) -> None:
    SagaRun.objects.filter(pk=run_id).update(next_run_at=timezone.now())


def drive(
    run: SagaRun | int,
    *,
    until: Callable[[SagaRun], bool] | None = None,
    max_passes: int = 300,
) -> SagaRun:
    """Passes of the engine until the run is over (or `until` holds), each wait made due
    at once; a short real pause lets the simulator's 50 ms actions finish."""
    run_id = run if isinstance(run, int) else run.pk
    for _ in range(max_passes):
        engine.advance(run_id, worker="test")
        current = SagaRun.objects.get(pk=run_id)
        if not current.is_live or (until is not None and until(current)):
            return current
        make_due(run_id)
        time.sleep(0.01)
    raise AssertionError(f"saga #{run_id} still {current.status} after {max_passes} passes")


def step(run: SagaRun | int, name: str) -> SagaStep:
    run_id = run if isinstance(run, int) else run.pk
    return SagaStep.objects.get(run_id=run_id, name=name)


def step_done(name: str) -> Callable[[SagaRun], bool]:
    return lambda run: step(run, name).status in ("succeeded", "skipped")


def mirror(sim: SimulatorHandle, droplet_id: int) -> CloudResource:
    """The droplet as a sync would record it (through the chokepoint)."""
    row = normalize_droplet(sim.state.droplet(droplet_id))
    upsert_resources("droplet", [row], seen_at=timezone.now(), actor="test-sync")
    return CloudResource.objects.get(kind="droplet", provider_id=str(droplet_id))


@pytest.fixture
def droplet(sim: SimulatorHandle) -> CloudResource:
    """A live, active simulator droplet, mirrored in the inventory."""
    droplet_id = sim.state.droplet_ids()[0]
    sim.state.oob_power(droplet_id, on=True)
    return mirror(sim, droplet_id)


@pytest.fixture
def tenant_project(sim: SimulatorHandle) -> CloudProject:
    """A tenant with one project, which exists at DO (the simulator)."""
    raw = client_for("provisioning").create_project(name="acme-ai", purpose="Web Application")
    return CloudProjectFactory(provider_id=raw["id"], name=raw["name"], tenant=TenantFactory())


def after_first_call(
    monkeypatch: pytest.MonkeyPatch, step_name: str, then: Callable[[], object]
) -> None:
    """Runs `then` once, right after `step_name` made its first DO call (and started its
    action, if it has one): a way to change DO between two steps of one pass."""
    fired: list[bool] = []

    def hook(run: SagaRun, row: SagaStep) -> None:
        if row.name == step_name and not fired:
            fired.append(True)
            then()

    monkeypatch.setattr(engine, "after_step_call", hook)


def fail_next_action_after(
    monkeypatch: pytest.MonkeyPatch, sim: SimulatorHandle, step_name: str, droplet_id: int
) -> None:
    """Once `step_name` started its action, the droplet's next action ends `errored`."""
    after_first_call(monkeypatch, step_name, lambda: sim.state.fail_next_action(droplet_id))
