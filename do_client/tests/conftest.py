"""Fixtures for do_client tests: a DOClient over httpx.MockTransport that never sleeps.

No database and no network: each test builds its client on a handler function.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import httpx
import pytest

from do_client import DOClient

from .fakes import BASE_URL, TOKEN, FakeClock, Handler


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def sleeps() -> list[float]:
    """Every delay the client asked to sleep, in order."""
    return []


@pytest.fixture
def make_client(sleeps: list[float], clock: FakeClock) -> Iterator[Callable[..., DOClient]]:
    clients: list[DOClient] = []

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        clock.now += seconds

    def make(handler: Handler, **options: object) -> DOClient:
        options = {"token": TOKEN, "base_url": BASE_URL, "purpose": "sync", **options}
        client = DOClient(
            transport=httpx.MockTransport(handler),
            sleep=sleep,
            clock=clock,
            **options,  # type: ignore[arg-type]
        )
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()
