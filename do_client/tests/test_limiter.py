"""The shared limiter's books in Redis, on a fake clock: both windows, the reserve per
purpose, DO's correction, a 429's pause; and how a client uses it."""

from __future__ import annotations

import uuid

import httpx
import pytest
import redis
from django.conf import settings

from do_client import DOClient, DORateLimited
from do_client.limiter import SharedRateLimiter, Window, ceiling_for, token_key

from .fakes import BASE_URL, NOW, TOKEN, FakeClock, json_response

RESERVE = {"provisioning": 0.10, "billing": 0.05}


@pytest.fixture
def store() -> redis.Redis:
    return redis.Redis.from_url(settings.CACHES["default"]["LOCATION"])


def limiter(store, clock, *, burst=30, reserve=None, hourly=5000) -> SharedRateLimiter:
    return SharedRateLimiter(
        store,
        token=TOKEN,
        windows=(Window(burst, 6.0), Window(hourly, 3600.0)),
        reserve=reserve or {},
        prefix=f"test-{uuid.uuid4().hex}",
        clock=clock,
    )


def take_all(lim: SharedRateLimiter, purpose: str) -> int:
    taken = 0
    while lim.try_take(purpose) == 0:
        taken += 1
    return taken


def test_burst_window_slides(store) -> None:
    clock = FakeClock()
    lim = limiter(store, clock)
    assert take_all(lim, "sync") == 30
    assert lim.try_take("sync") == pytest.approx(6.0)  # the first leaves the window at +6 s
    clock.now += 6.0
    assert take_all(lim, "sync") == 30


def test_hourly_window_binds_under_the_burst_limit(store) -> None:
    clock = FakeClock()
    lim = limiter(store, clock, hourly=40)
    assert take_all(lim, "sync") == 30
    clock.now += 6.0
    assert take_all(lim, "sync") == 10
    assert lim.try_take("sync") == pytest.approx(3600.0 - 6.0)


def test_reserve_keeps_a_sync_off_provisionings_share() -> None:
    assert ceiling_for(30, "sync", RESERVE) == 25  # 85%: both others' shares kept
    assert ceiling_for(30, "provisioning", RESERVE) == 28  # only billing's 5% kept
    assert ceiling_for(30, "anything", {}) == 30


def test_provisioning_gets_a_slot_a_sync_has_left(store) -> None:
    clock = FakeClock()
    lim = limiter(store, clock, reserve=RESERVE)
    assert take_all(lim, "sync") == 25
    assert lim.try_take("sync") > 0
    assert lim.try_take("provisioning") == 0
    assert lim.try_take("billing") == 0


def test_do_counting_fewer_remaining_wins(store) -> None:
    clock = FakeClock()
    lim = limiter(store, clock, hourly=100)
    assert lim.try_take("sync") == 0
    # Another client on the token spent 90: DO says 9 remain, we thought 99.
    assert lim.correct(remaining=9, reset=NOW + 1000) == 90
    clock.now += 6.0  # out of the burst window; the hourly one still counts them
    assert take_all(lim, "sync") == 9
    assert lim.try_take("sync") == pytest.approx(1000 - 6.0)  # free when DO's oldest expires
    assert lim.correct(remaining=50, reset=NOW + 1000) == 0  # DO saying more changes nothing


def test_a_429_pauses_every_user_of_the_token(store) -> None:
    clock = FakeClock()
    lim = limiter(store, clock)
    lim.pause(20)
    assert lim.try_take("provisioning") == pytest.approx(20)
    clock.now += 20.5
    assert lim.try_take("provisioning") == 0


def test_keys_name_a_hash_of_the_token(store) -> None:
    lim = limiter(store, FakeClock())
    lim.try_take("sync")
    keys = [k.decode() for k in store.scan_iter(match=f"{lim._pause_key.rsplit(':', 1)[0]}*")]
    assert keys and all(token_key(TOKEN) in k and TOKEN not in k for k in keys)
    assert TOKEN not in repr(lim)


def ok(request: httpx.Request) -> httpx.Response:
    return json_response({"account": {}}, headers={"ratelimit-remaining": "4990"})


def client_on(lim, clock, sleeps, handler=ok, **options) -> DOClient:
    return DOClient(
        token=TOKEN,
        base_url=BASE_URL,
        purpose="sync",
        transport=httpx.MockTransport(handler),
        limiter=lim,
        clock=clock,
        sleep=lambda s: (sleeps.append(s), setattr(clock, "now", clock.now + s)),
        **options,
    )


def test_client_sleeps_for_a_slot_and_counts_the_wait(store) -> None:
    clock, sleeps = FakeClock(), []
    lim = limiter(store, clock, burst=3)
    client = client_on(lim, clock, sleeps)
    for _ in range(4):
        client.request("GET", "/v2/account")
    assert len(sleeps) == 1 and sleeps[0] >= 6.0
    assert client.stats.requests == 4
    assert client.stats.rate_limited == 0
    assert client.stats.waited_seconds == pytest.approx(sum(sleeps))


def test_client_that_may_not_wait_raises_with_the_wait(store) -> None:
    clock, sleeps, sent = FakeClock(), [], []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return ok(request)

    client = client_on(limiter(store, clock, burst=2), clock, sleeps, handler, pace=False)
    client.request("GET", "/v2/account")
    client.request("GET", "/v2/account")
    with pytest.raises(DORateLimited) as raised:
        client.request("GET", "/v2/account")
    assert raised.value.retry_after == pytest.approx(6.0)
    assert len(sent) == 2 and sleeps == []  # not sent, never slept


def test_client_counts_a_429_and_pauses_the_token(store) -> None:
    clock, sleeps = FakeClock(), []
    answers = iter(
        [
            httpx.Response(
                429,
                json={"id": "too_many_requests", "message": "API Rate limit exceeded."},
                headers={"retry-after": "7"},
            )
        ]
    )

    def handler(request: httpx.Request) -> httpx.Response:
        return next(answers, None) or ok(request)

    lim = limiter(store, clock)
    client = client_on(lim, clock, sleeps, handler)
    client.request("GET", "/v2/account")
    assert client.stats.requests == 2
    assert client.stats.rate_limited == 1
    assert client.stats.waited_seconds == pytest.approx(7.0)
    assert sleeps == [7.0]


def test_client_believes_dos_remaining(store) -> None:
    clock, sleeps = FakeClock(), []

    def low(request: httpx.Request) -> httpx.Response:
        headers = {
            "ratelimit-limit": "5000",
            "ratelimit-remaining": "0",
            "ratelimit-reset": str(int(NOW) + 30),
        }
        return json_response({"account": {}}, headers=headers)

    lim = limiter(store, clock)
    client = client_on(lim, clock, sleeps, low, max_rate_limit_wait=120.0)
    client.request("GET", "/v2/account")
    client.request("GET", "/v2/account")  # DO said none remain: wait for its reset
    assert sleeps and sleeps[0] == pytest.approx(30, abs=0.1)
