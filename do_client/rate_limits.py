"""DO's rate-limit headers, and how long to wait because of them.

DO (description.yml, "Rate Limit") sends on every response ``ratelimit-limit``,
``ratelimit-remaining`` and ``ratelimit-reset`` (unix epoch seconds when the *oldest* counted
request expires), and ``retry-after`` (seconds) on a burst-limit 429. Pure functions here; the
client owns the sleeping.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

__all__ = ["LOW_BUDGET_FRACTION", "RateLimit", "pacing_delay", "wait_after_429"]

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
