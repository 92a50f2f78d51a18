"""Rate limits as DO documents them: keep the budget, pace when low, wait out a 429."""

from __future__ import annotations

import httpx
import pytest

from do_client import DORateLimited, RateLimit
from do_client.rate_limits import pacing_delay, wait_after_429

from .fakes import NOW, Replies, error_response, json_response


def budget(limit: int, remaining: int, reset: float) -> dict[str, str]:
    return {
        "ratelimit-limit": str(limit),
        "ratelimit-remaining": str(remaining),
        "ratelimit-reset": str(int(reset)),
    }


def too_many(headers: dict[str, str]) -> httpx.Response:
    return error_response(429, "too_many_requests", "API Rate limit exceeded.", headers=headers)


def test_keeps_rate_limit_snapshot_from_every_response(make_client):
    handler = Replies(json_response({"account": {}}, headers=budget(5000, 4816, NOW + 60)))
    client = make_client(handler)

    client._call("GET", "/v2/account")

    assert client.rate_limit == RateLimit(
        limit=5000, remaining=4816, reset=NOW + 60, observed_at=NOW
    )


def test_rate_limit_headers_are_read_case_insensitively():
    snapshot = RateLimit.from_headers(
        httpx.Headers({"RateLimit-Limit": "1200", "rateLimit-reset": "1402425459"}), now=NOW
    )

    assert snapshot is not None
    assert (snapshot.limit, snapshot.remaining, snapshot.reset) == (1200, None, 1402425459.0)


def test_429_waits_retry_after_then_succeeds(make_client, sleeps):
    handler = Replies(
        too_many({"retry-after": "29", **budget(5000, 0, NOW + 600)}),
        json_response({"droplet": {"id": 1}}, headers=budget(5000, 4999, NOW + 600)),
    )

    droplet = make_client(handler).get_droplet(1)

    assert droplet == {"id": 1}
    assert sleeps == [29.0]
    assert len(handler.calls) == 2


def test_429_without_retry_after_waits_until_ratelimit_reset(make_client, sleeps):
    handler = Replies(
        too_many(budget(5000, 0, NOW + 42)),
        json_response({"droplet": {"id": 1}}),
    )

    make_client(handler).get_droplet(1)

    assert sleeps == [42.0]


def test_429_without_any_hint_backs_off_exponentially(make_client, sleeps):
    handler = Replies(too_many({}), too_many({}), json_response({"droplet": {"id": 1}}))

    make_client(handler, backoff_base=0.5).get_droplet(1)

    assert len(sleeps) == 2
    assert 0 <= sleeps[0] <= 0.5
    assert 0 <= sleeps[1] <= 1.0


def test_post_is_retried_after_429(make_client, sleeps):
    handler = Replies(
        too_many({"retry-after": "3"}),
        json_response({"tag": {"name": "web"}}, status_code=201),
    )

    assert make_client(handler).create_tag("web") == {"name": "web"}
    assert sleeps == [3.0]
    assert handler.methods == ["POST", "POST"]


def test_429_retries_are_bounded(make_client, sleeps):
    handler = Replies(too_many({"retry-after": "1"}))

    with pytest.raises(DORateLimited) as caught:
        make_client(handler, max_retries=3).get_droplet(1)

    assert len(handler.calls) == 4
    assert sleeps == [1.0, 1.0, 1.0]
    assert caught.value.status_code == 429
    assert caught.value.error_id == "too_many_requests"


def test_429_asking_for_a_long_wait_raises_with_retry_after(make_client, sleeps):
    # Don't block a worker for most of an hour: let the task reschedule itself.
    handler = Replies(too_many(budget(5000, 0, NOW + 1800)))

    with pytest.raises(DORateLimited) as caught:
        make_client(handler, max_rate_limit_wait=120).get_droplet(1)

    assert caught.value.retry_after == 1800
    assert sleeps == []
    assert len(handler.calls) == 1


def test_paces_requests_when_budget_runs_low(make_client, sleeps):
    # 100 of 5000 left (2%), 300s until reset: spread them, 3s apart.
    handler = Replies(
        json_response({"droplet": {"id": 1}}, headers=budget(5000, 100, NOW + 300)),
        json_response({"droplet": {"id": 1}}, headers=budget(5000, 99, NOW + 300)),
    )
    client = make_client(handler)

    client.get_droplet(1)
    assert sleeps == []
    client.get_droplet(1)

    assert sleeps == [3.0]


def test_does_not_pace_with_budget_left(make_client, sleeps):
    handler = Replies(
        json_response({"droplet": {"id": 1}}, headers=budget(5000, 251, NOW + 300)),
        json_response({"droplet": {"id": 1}}),
    )
    client = make_client(handler)

    client.get_droplet(1)
    client.get_droplet(1)

    assert sleeps == []


def test_pacing_is_capped(make_client, sleeps):
    handler = Replies(
        json_response({"droplet": {"id": 1}}, headers=budget(5000, 0, NOW + 3000)),
        json_response({"droplet": {"id": 1}}),
    )
    client = make_client(handler, backoff_cap=30.0)

    client.get_droplet(1)
    client.get_droplet(1)

    assert sleeps == [30.0]


def test_no_pacing_right_after_waiting_out_a_429(make_client, sleeps):
    handler = Replies(
        too_many({"retry-after": "5", **budget(5000, 0, NOW + 600)}),
        json_response({"droplet": {"id": 1}}),
    )

    make_client(handler).get_droplet(1)

    assert sleeps == [5.0]


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"retry-after": "29", "ratelimit-reset": str(int(NOW + 90))}, 29.0),
        ({"ratelimit-reset": str(int(NOW + 90))}, 90.0),
        ({"ratelimit-reset": str(int(NOW - 5))}, None),
        ({"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}, None),
        ({}, None),
    ],
)
def test_wait_after_429(headers, expected):
    assert wait_after_429(httpx.Headers(headers), now=NOW) == expected


def test_pacing_delay_needs_a_full_snapshot():
    assert pacing_delay(None, now=NOW, cap=30) == 0
    partial = RateLimit(limit=None, remaining=1, reset=NOW + 10, observed_at=NOW)
    assert pacing_delay(partial, now=NOW, cap=30) == 0
    expired = RateLimit(limit=5000, remaining=1, reset=NOW - 1, observed_at=NOW)
    assert pacing_delay(expired, now=NOW, cap=30) == 0
