"""Faults on demand and DO's per-token rate limit.

Fault counters are deterministic: every API response gets the next number n (1-based,
counted from the last `set_faults`), and a fault fires when n is a multiple of its
period. So "one response in five is a 429 and one in seven a 500" holds exactly; when
both hit the same response the 429 wins. `fail_next` statuses come before all of them.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Literal

Damage = Literal["truncate", "garbage"]


@dataclass
class Faults:
    every_nth_429: int = 0
    every_nth_500: int = 0
    latency_seconds: float = 0.0
    truncate_every_nth: int = 0  # body cut in half, Content-Length matching the cut body
    garbage_every_nth: int = 0  # 200 with a non-JSON body
    fail_next: list[int] = field(default_factory=list)  # statuses for the next responses
    action_errors: bool = False  # every new action ends `errored`
    retry_after_seconds: int = 1  # `retry-after` on injected 429s

    @classmethod
    def parse(cls, values: dict[str, Any]) -> Faults:
        """Faults from loose input (JSON, kwargs); ValueError on unknown names or bad types."""
        known = {f.name: f for f in fields(cls)}
        unknown = set(values) - set(known)
        if unknown:
            raise ValueError(f"unknown faults: {sorted(unknown)}")
        faults = cls()
        for name, value in values.items():
            default = getattr(faults, name)
            try:
                if isinstance(default, bool):
                    parsed: Any = bool(value)
                elif isinstance(default, list):
                    parsed = [int(status) for status in value]
                else:
                    parsed = type(default)(value)
            except (TypeError, ValueError) as exc:
                raise ValueError(f"bad value for {name}: {value!r}") from exc
            if isinstance(parsed, (int, float)) and not isinstance(parsed, bool) and parsed < 0:
                raise ValueError(f"{name} cannot be negative")
            setattr(faults, name, parsed)
        return faults

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class FaultDecision:
    """What to do to one API response."""

    number: int
    status: int | None = None  # replace the response with this error status
    damage: Damage | None = None  # handle the request, then spoil the body


def decide(faults: Faults, number: int) -> FaultDecision:
    if faults.fail_next:
        return FaultDecision(number, status=faults.fail_next.pop(0))
    if _hits(faults.every_nth_429, number):
        return FaultDecision(number, status=429)
    if _hits(faults.every_nth_500, number):
        return FaultDecision(number, status=500)
    if _hits(faults.garbage_every_nth, number):
        return FaultDecision(number, damage="garbage")
    if _hits(faults.truncate_every_nth, number):
        return FaultDecision(number, damage="truncate")
    return FaultDecision(number)


def _hits(period: int, number: int) -> bool:
    return period > 0 and number % period == 0


@dataclass(frozen=True)
class RateVerdict:
    """One request's answer from the limiter. `limit`, `remaining` and `reset` describe the
    hourly window (DO's `ratelimit-*` headers); `retry_after` is set when the request is
    refused, by either window."""

    allowed: bool
    limit: int
    remaining: int
    reset: int  # Unix time at which the oldest counted request leaves the hourly window
    retry_after: int | None = None

    def headers(self) -> dict[str, str]:
        return {
            "ratelimit-limit": str(self.limit),
            "ratelimit-remaining": str(self.remaining),
            "ratelimit-reset": str(self.reset),
        }


class RateLimiter:
    """DO's two sliding windows per token (description.yml, "Rate Limit"): `limit` requests
    an `window` (5,000 an hour) and `burst_limit` a `burst_window` (250 a minute). Each
    request has its own timer: it counts for one whole window after it was served. A refused
    request is not counted. `served` keeps the recent accepted requests' times per token, so
    tests can count what any window really held."""

    def __init__(
        self,
        limit: int = 5000,
        window: float = 3600.0,
        clock: Callable[[], float] = time.time,
        *,
        burst_limit: int = 250,
        burst_window: float = 60.0,
    ) -> None:
        self.limit = limit
        self.window = window
        self.burst_limit = burst_limit
        self.burst_window = burst_window
        self._clock = clock
        self._hits: dict[str, deque[float]] = {}
        self.served: dict[str, deque[float]] = {}
        self.refused: dict[str, int] = {}

    def hit(self, token: str) -> RateVerdict:
        now = self._clock()
        hits = self._hits.setdefault(token, deque())
        while hits and hits[0] <= now - self.window:
            hits.popleft()
        retry_after: float | None = None
        if len(hits) >= self.limit:
            retry_after = hits[0] + self.window - now
        else:
            # The burst window's requests are the newest of the hourly ones.
            in_burst = _count_since(hits, now - self.burst_window, self.burst_limit)
            if in_burst >= self.burst_limit:
                retry_after = hits[-self.burst_limit] + self.burst_window - now
        allowed = retry_after is None
        if allowed:
            hits.append(now)
            self.served.setdefault(token, deque(maxlen=SERVED_KEPT)).append(now)
        else:
            self.refused[token] = self.refused.get(token, 0) + 1
        oldest = hits[0] if hits else now
        return RateVerdict(
            allowed=allowed,
            limit=self.limit,
            remaining=max(self.limit - len(hits), 0),
            reset=int(oldest + self.window),
            retry_after=None if retry_after is None else max(math.ceil(retry_after), 1),
        )

    def most_in_any_window(self, token: str, window: float) -> int:
        """The most requests served for `token` within any `window` seconds."""
        times = list(self.served.get(token, ()))
        most, start = 0, 0
        for end, at in enumerate(times):
            while at - times[start] >= window:
                start += 1
            most = max(most, end - start + 1)
        return most

    def reset(self) -> None:
        self._hits.clear()
        self.served.clear()
        self.refused.clear()


# Enough served times to check a whole benchmark's windows, bounded for a long-lived simulator.
SERVED_KEPT = 200_000


def _count_since(hits: deque[float], since: float, at_most: int) -> int:
    # Walk back from the newest, stopping early: the burst check costs O(burst_limit).
    count = 0
    for at in reversed(hits):
        if at <= since or count >= at_most:
            break
        count += 1
    return count
