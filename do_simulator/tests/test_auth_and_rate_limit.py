"""Bearer-token auth and DO's per-token sliding-window rate limit."""

from __future__ import annotations

import httpx

from do_simulator.faults import RateLimiter
from do_simulator.testing import SimulatorHandle, running_simulator


def test_rate_limit_headers_count_down(client: httpx.Client) -> None:
    remaining = []
    for _ in range(3):
        response = client.get("/v2/sizes")
        assert response.headers["ratelimit-limit"] == "5000"
        assert int(response.headers["ratelimit-reset"]) > 0
        remaining.append(int(response.headers["ratelimit-remaining"]))
    assert remaining == [4999, 4998, 4997]


def test_every_response_has_rate_limit_and_request_id_headers(client: httpx.Client) -> None:
    for response in (client.get("/v2/droplets/1"), client.get("/v2/nope")):
        assert response.status_code == 404
        assert {"ratelimit-limit", "ratelimit-remaining", "ratelimit-reset", "x-request-id"} <= set(
            response.headers
        )


def test_exhausted_window_answers_429_with_retry_after() -> None:
    with (
        running_simulator(droplets=1, rate_limit=3) as sim,
        httpx.Client(base_url=sim.base_url, headers=sim.auth_headers) as client,
    ):
        statuses = [client.get("/v2/sizes").status_code for _ in range(4)]
        assert statuses == [200, 200, 200, 429]
        refused = client.get("/v2/sizes")
        assert refused.json()["id"] == "too_many_requests"
        assert refused.headers["ratelimit-remaining"] == "0"
        assert int(refused.headers["retry-after"]) >= 1


def test_window_slides_per_token() -> None:
    now = [1000.0]
    limiter = RateLimiter(limit=2, window=60, clock=lambda: now[0])
    assert [limiter.hit("a").allowed for _ in range(3)] == [True, True, False]
    assert limiter.hit("b").allowed  # another token has its own window
    now[0] += 30
    assert not limiter.hit("a").allowed
    now[0] += 31  # the first two requests have left the window
    verdict = limiter.hit("a")
    assert verdict.allowed
    assert verdict.remaining == 1
    assert verdict.reset == int(now[0] + 60)


def test_wrong_token_is_401(sim: SimulatorHandle) -> None:
    response = httpx.get(
        f"{sim.base_url}/v2/droplets", headers={"Authorization": "Bearer not-the-token"}
    )
    assert response.status_code == 401
    assert response.json()["id"] == "unauthorized"
    assert response.json()["message"] == "Unable to authenticate you."


def test_missing_token_is_401(sim: SimulatorHandle) -> None:
    assert httpx.get(f"{sim.base_url}/v2/droplets").status_code == 401


def test_any_token_mode_accepts_any_non_empty_bearer() -> None:
    with running_simulator(droplets=1, token=None) as sim:
        ok = httpx.get(f"{sim.base_url}/v2/sizes", headers={"Authorization": "Bearer whatever"})
        empty = httpx.get(f"{sim.base_url}/v2/sizes", headers={"Authorization": "Bearer"})
        assert ok.status_code == 200
        assert empty.status_code == 401


def test_burst_window_refuses_with_retry_after_until_its_oldest_request_leaves() -> None:
    now = [1000.0]
    limiter = RateLimiter(
        limit=100, window=3600, clock=lambda: now[0], burst_limit=3, burst_window=60
    )
    for _ in range(3):
        assert limiter.hit("a").allowed
        now[0] += 10
    refused = limiter.hit("a")  # at 1030: the first (1000) leaves the minute at 1060
    assert not refused.allowed
    assert refused.retry_after == 30
    assert refused.remaining == 97  # the hourly headers still describe the hourly window
    now[0] = 1060.0
    assert limiter.hit("a").allowed
    assert limiter.refused == {"a": 1}
    assert limiter.most_in_any_window("a", 60) == 3


def test_hourly_window_refuses_even_under_the_burst_limit() -> None:
    now = [0.0]
    limiter = RateLimiter(limit=2, window=3600, clock=lambda: now[0], burst_limit=250)
    assert [limiter.hit("a").allowed for _ in range(2)] == [True, True]
    now[0] = 100.0
    refused = limiter.hit("a")
    assert not refused.allowed
    assert refused.retry_after == 3500


def test_burst_429_is_dos_error_body_with_retry_after() -> None:
    with (
        running_simulator(droplets=1, burst_limit=2, burst_window=60) as sim,
        httpx.Client(base_url=sim.base_url, headers=sim.auth_headers) as client,
    ):
        statuses = [client.get("/v2/sizes").status_code for _ in range(3)]
        assert statuses == [200, 200, 429]
        refused = client.get("/v2/sizes")
        assert refused.json()["id"] == "too_many_requests"
        assert refused.json()["message"] == "API Rate limit exceeded."
        assert 1 <= int(refused.headers["retry-after"]) <= 60
        assert refused.headers["ratelimit-limit"] == "5000"
        assert refused.headers["ratelimit-remaining"] == "4998"


def test_control_api_reports_each_tokens_books() -> None:
    with (
        running_simulator(droplets=1, burst_limit=2, burst_window=60) as sim,
        httpx.Client(base_url=sim.base_url, headers=sim.auth_headers) as client,
    ):
        for _ in range(3):
            client.get("/v2/sizes")
        [books] = httpx.get(f"{sim.base_url}/_sim/rate_limits?window=60").json().values()
        assert books == {"served": 2, "refused": 1, "most_in_window": 2}
