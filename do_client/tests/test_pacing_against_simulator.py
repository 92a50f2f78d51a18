"""Pacing against the simulator, with DO's burst limit scaled down to 30 requests per 6 s:
a sync and two clients sharing a token never meet it. The simulator's own books decide:
it counts every request it served per token, and the 429s it answered."""

from __future__ import annotations

import threading
import time

import pytest

from do_client import DOClient, DORateLimited, client_for
from do_client.limiter import limiter_from_settings
from do_simulator.testing import running_simulator
from inventory.models import Kind
from inventory.services import sync as sync_service

BURST, WINDOW = 30, 6.0


class SharedClock:
    """Time that moves only when someone sleeps: the simulator and the limiter read it."""

    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def scaled_down(settings):
    settings.DO_API_BURST_LIMIT = BURST
    settings.DO_API_BURST_WINDOW_SECONDS = WINDOW
    settings.DO_API_RESERVE = {}
    return settings


@pytest.mark.django_db(transaction=True)
def test_sync_of_hundreds_of_droplets_never_meets_the_burst_limit(scaled_down, monkeypatch):
    scaled_down.DO_API_RATE_MARGIN_SECONDS = 0  # one fake clock: no request is in flight
    clock = SharedClock()
    monkeypatch.setattr(sync_service, "PER_PAGE", 10)  # 400 droplets: 40 pages
    with running_simulator(
        droplets=400, burst_limit=BURST, burst_window=WINDOW, clock=clock
    ) as sim:
        client = DOClient(
            token=sim.token,
            base_url=sim.base_url,
            purpose="sync",
            limiter=limiter_from_settings(sim.token, clock=clock),
            sleep=clock.sleep,
            clock=clock,
        )
        after_run: list[int] = []
        # What the simulator had served when the run closed (a receiver may read more).
        monkeypatch.setattr(
            sync_service.sync_completed,
            "send_robust",
            lambda **kw: after_run.append(len(sim.state.rate_limiter.served[sim.token])),
        )
        run = sync_service.run_full_sync(Kind.DROPLET, client=client, trigger="test")
        books = sim.state.rate_limiter
        served = after_run[0]
        assert run.status == "completed", run.error
        assert run.seen == 400
        assert served > BURST  # enough requests that the limit had to bind
        assert books.refused == {}
        assert books.most_in_any_window(sim.token, WINDOW) <= BURST
        assert run.rate_limited == 0
        assert run.requests == served
        assert run.waited_seconds > 0


def test_two_clients_sharing_a_token_stay_under_it_together(scaled_down):
    # Real time, two threads: each its own client, sharing the limiter only through Redis.
    scaled_down.DO_API_BURST_LIMIT, scaled_down.DO_API_BURST_WINDOW_SECONDS = 20, 2.0
    scaled_down.DO_API_RATE_MARGIN_SECONDS = 0.25
    with running_simulator(droplets=300, burst_limit=20, burst_window=2.0) as sim:
        # Two limiter objects, as two processes would have: one on Redis's clock (the
        # shared one), one on this machine's; they share only the keys in Redis.
        limiters = [
            limiter_from_settings(sim.token),
            limiter_from_settings(sim.token, clock=time.time),
        ]
        assert limiters[0] is not limiters[1]
        clients = [
            DOClient(token=sim.token, base_url=sim.base_url, purpose="sync", limiter=limiter)
            for limiter in limiters
        ]
        failures: list[BaseException] = []

        def read_all(client: DOClient) -> None:
            try:
                for _ in client.iter_droplet_pages(per_page=10):
                    pass
            except BaseException as exc:  # surfaced by the assertion below
                failures.append(exc)

        threads = [threading.Thread(target=read_all, args=(c,)) for c in clients]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        books = sim.state.rate_limiter
        assert failures == []
        assert len(books.served[sim.token]) == 60
        assert books.refused == {}
        assert books.most_in_any_window(sim.token, 2.0) <= 20
        assert [c.stats.rate_limited for c in clients] == [0, 0]
        assert sum(c.stats.requests for c in clients) == 60


@pytest.mark.django_db
def test_a_saga_client_raises_instead_of_sleeping(simulator_settings, settings):
    settings.DO_API_BURST_LIMIT = 2
    settings.DO_API_RESERVE = {}
    client = client_for("provisioning", waits=False)
    client.get_default_project()
    client.get_default_project()
    with pytest.raises(DORateLimited) as raised:
        client.get_default_project()
    assert 0 < raised.value.retry_after <= settings.DO_API_BURST_WINDOW_SECONDS + 1
    assert len(simulator_settings.state.rate_limiter.served[simulator_settings.token]) == 2
    assert client.stats.requests == 2 and client.stats.waited_seconds == 0
