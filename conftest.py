"""Fixtures every test module can use. Tests run on real Postgres and Redis, and speak to
DigitalOcean only through the project's simulator on loopback."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
import structlog

from do_client import DOClient, reset_clients
from do_simulator.testing import SimulatorHandle, running_simulator

# pytest-django empties the database after each transactional test with `manage.py flush`,
# which the audit log's TRUNCATE refusal stops unless asked (arcadia/management/commands/flush.py).
os.environ["ARCADIA_ALLOW_FLUSH"] = "1"


@pytest.fixture(autouse=True)
def _fresh_throttle_counters(settings) -> None:
    """Throttles stay on in tests, at their production rates. Their counters live in the
    Redis cache (`CACHE_URL`), which other test runs may share at the same time: each test
    counts under a key prefix of its own, so it starts from zero and never empties or
    touches another run's keys (they expire with their throttle's window)."""
    settings.CACHES = {
        alias: {**config, "KEY_PREFIX": f"arcadia-test-{uuid.uuid4().hex}"}
        for alias, config in settings.CACHES.items()
    }


@pytest.fixture(autouse=True)
def _no_leftover_log_context() -> Iterator[None]:
    """The request middleware leaves a request's id bound after the response (for
    Django's own log line) until the thread's next request; a test is a new start, or an
    audit event it writes would name a request of the test before (arcadia.origin)."""
    structlog.contextvars.clear_contextvars()
    yield
    structlog.contextvars.clear_contextvars()


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
def simulator_settings(simulator: SimulatorHandle, settings) -> Iterator[SimulatorHandle]:
    """Points `client_for(...)` (commands, tasks) at the test's simulator."""
    settings.DO_API_BASE_URL = simulator.base_url
    settings.DO_API_TOKEN = simulator.token
    settings.DO_API_BACKOFF_BASE_SECONDS = 0.01  # retries without the wait
    reset_clients()
    yield simulator
    reset_clients()


@pytest.fixture
def operator(client):
    """A platform admin logged in to the console through `client`."""
    from tenants.models import User

    user = User.objects.create(
        username="op", is_platform_admin=True, is_staff=True, is_superuser=True
    )
    client.force_login(user)
    return user
