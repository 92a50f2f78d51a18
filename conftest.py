"""Fixtures every test module can use. Tests run on real Postgres and Redis, and speak to
DigitalOcean only through the project's simulator on loopback."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from do_client import DOClient, reset_clients
from do_simulator.testing import SimulatorHandle, running_simulator


@pytest.fixture
def simulator() -> Iterator[SimulatorHandle]:
    """A small simulated account (50 droplets) on a free loopback port."""
    with running_simulator(droplets=50, seed=7) as sim:
        yield sim


def make_client(sim: SimulatorHandle, purpose: str = "sync", **overrides) -> DOClient:
    """A client for the simulator that never really sleeps between retries."""
    options = {"max_retries": 3, "sleep": lambda seconds: None, **overrides}
    return DOClient(token=sim.token or "any", base_url=sim.base_url, purpose=purpose, **options)


@pytest.fixture
def do(simulator: SimulatorHandle) -> Iterator[DOClient]:
    client = make_client(simulator)
    yield client
    client.close()


@pytest.fixture
def simulator_settings(simulator: SimulatorHandle, settings) -> SimulatorHandle:
    """Points `client_for(...)` (commands, tasks) at the test's simulator."""
    settings.DO_API_BASE_URL = simulator.base_url
    settings.DO_API_TOKEN = simulator.token
    settings.DO_API_BACKOFF_BASE_SECONDS = 0.01  # retries without the wait
    reset_clients()
    yield simulator
    reset_clients()
