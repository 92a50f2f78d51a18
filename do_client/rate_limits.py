"""DO's rate-limit headers, and how long to wait because of them.

DO (description.yml, "Rate Limit") sends on every response ``ratelimit-limit``,
``ratelimit-remaining`` and ``ratelimit-reset`` (unix epoch seconds when the *oldest* counted
request expires), and ``retry-after`` (seconds) on a burst-limit 429. Pure functions here; the
client owns the sleeping.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass

__all__ = [
    "LOW_BUDGET_FRACTION",
    "ClientStats",
    "RateLimit",
    "RequestCounts",
    "counts_of",
    "pacing_delay",
    "wait_after_429",
]

# Below this share of the limit left, requests are spread over the time until reset.
LOW_BUDGET_FRACTION = 0.05


@dataclass(frozen=True, slots=True)
class RateLimit:
    """The rate-limit budget as of the last response."""

    limit: int | None
    remaining: int | None
    reset: float | None  # unix epoch seconds
    observed_at: float

    @classmethod
    def from_headers(cls, headers: Mapping[str, str], *, now: float) -> RateLimit | None:
        """The snapshot in ``headers`` (case-insensitive), or None when DO sent none."""
        limit = _int_header(headers, "ratelimit-limit")
        remaining = _int_header(headers, "ratelimit-remaining")
        reset = _int_header(headers, "ratelimit-reset")
        if limit is None and remaining is None and reset is None:
            return None
        return cls(
            limit=limit,
            remaining=remaining,
            reset=float(reset) if reset is not None else None,
            observed_at=now,
        )

    def running_low(self) -> bool:
        if self.limit is None or self.remaining is None or self.limit <= 0:
            return False
        return self.remaining < self.limit * LOW_BUDGET_FRACTION


def pacing_delay(rate_limit: RateLimit | None, *, now: float, cap: float) -> float:
    """Seconds to wait before the next request so the last few don't all end in 429s.

    When less than ~5% of the budget is left, spread what remains evenly over the time until
    reset: ``(reset - now) / max(remaining, 1)``, at most ``cap``.
    """
    if rate_limit is None or rate_limit.reset is None or not rate_limit.running_low():
        return 0.0
    time_left = rate_limit.reset - now
    if time_left <= 0:
        return 0.0
    return min(time_left / max(rate_limit.remaining or 0, 1), cap)


def wait_after_429(headers: Mapping[str, str], *, now: float) -> float | None:
    """Seconds DO asks us to wait after a 429: ``retry-after``, else until ``ratelimit-reset``.

    None when DO gave neither usable hint (the caller then backs off exponentially).
    """
    retry_after = _float_header(headers, "retry-after")
    if retry_after is not None and retry_after >= 0:
        return retry_after
    reset = _float_header(headers, "ratelimit-reset")
    if reset is not None and reset > now:
        return reset - now
    return None


def _float_header(headers: Mapping[str, str], name: str) -> float | None:
    value = headers.get(name)
    if value is None:
        return None
    try:
        return float(value.strip())
    except ValueError:
        # e.g. an HTTP-date retry-after, which DO does not send; treat as absent.
        return None


def _int_header(headers: Mapping[str, str], name: str) -> int | None:
    value = _float_header(headers, name)
    return int(value) if value is not None else None


@dataclass(frozen=True, slots=True)
class RequestCounts:
    """What a client has cost the token: requests sent (every attempt), 429s received and
    seconds spent waiting for the rate limit (pacing and 429s; not error backoff)."""

    requests: int = 0
    rate_limited: int = 0
    waited_seconds: float = 0.0

    def __sub__(self, other: RequestCounts) -> RequestCounts:
        return RequestCounts(
            self.requests - other.requests,
            self.rate_limited - other.rate_limited,
            self.waited_seconds - other.waited_seconds,
        )


class ClientStats:
    """A client's running ``RequestCounts``; thread-safe, since a client is shared."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts = RequestCounts()

    def add(self, *, requests: int = 0, rate_limited: int = 0, waited: float = 0.0) -> None:
        with self._lock:
            c = self._counts
            self._counts = RequestCounts(
                c.requests + requests, c.rate_limited + rate_limited, c.waited_seconds + waited
            )

    def snapshot(self) -> RequestCounts:
        with self._lock:
            return self._counts

    @property
    def requests(self) -> int:
        return self.snapshot().requests

    @property
    def rate_limited(self) -> int:
        return self.snapshot().rate_limited

    @property
    def waited_seconds(self) -> float:
        return self.snapshot().waited_seconds


def counts_of(client: object) -> RequestCounts:
    """``client``'s counts so far; zeros for a client that keeps none (a test's fake)."""
    stats = getattr(client, "stats", None)
    return stats.snapshot() if isinstance(stats, ClientStats) else RequestCounts()
