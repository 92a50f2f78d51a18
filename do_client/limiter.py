"""One token's request budget, shared in Redis by every process and machine that uses it.

DO limits each token to 5,000 requests an hour and 250 a minute, each request counting for
one whole window after it was made (description.yml, "Rate Limit"). The limiter keeps the
same books: per window, a Redis sorted set of the requests' times. A request takes a slot
in every window before it is sent, or learns how long until one is free; the check and the
take are one Lua script, so workers on several machines never both take the last slot.

Why a script and not a library: ``limits`` (its Redis moving window is the same sorted set)
and ``pyrate-limiter`` are not installed here, and neither has the two things DO needs: a
ceiling per purpose below the shared limit (the reserve) and a correction from DO's own
``ratelimit-remaining``. ``redis-cell`` (GCRA) is a Redis module we cannot assume. The
script is ~30 lines.

- **Reserve.** ``DO_API_RESERVE`` maps a purpose to the share of each window kept for it:
  ``{"provisioning": 0.04, "billing": 0.02}``. A purpose may fill a window only up to the
  limit less every *other* purpose's share: a sync stops at 94%, provisioning at 98%.
- **Correction.** DO's headers describe the hourly window as DO sees it (other clients on
  the token, requests made before the limiter existed). When DO says fewer remain than we
  count, we add placeholder requests that expire at DO's ``ratelimit-reset``: DO is right.
- **A 429** (which should not happen) pauses every user of the token for DO's retry-after.
- **Margin.** A slot is freed ``margin`` seconds after DO frees it: a request reaches DO a
  little after it took its slot, by a varying amount.

Keys hold a hash of the token, never the token. When Redis is unreachable the limiter lets
requests through (logged): DO's own 429 and the client's retries still protect the account.
"""

from __future__ import annotations

import hashlib
import logging
import random
import threading
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import redis

__all__ = ["SharedRateLimiter", "Window", "ceiling_for", "limiter_from_settings", "token_key"]

logger = logging.getLogger(__name__)

# KEYS: pause key, then one sorted set per window. ARGV: now ('' = Redis's clock), member,
# then (window seconds, ceiling) per window. Returns the seconds to wait; '0' = taken.
_TAKE = """
local now = tonumber(ARGV[1])
if not now then
  local t = redis.call('TIME')
  now = tonumber(t[1]) + tonumber(t[2]) / 1000000
end
local wait = 0
local paused = tonumber(redis.call('GET', KEYS[1]) or '0')
if paused > now then wait = paused - now end
local n = (#ARGV - 2) / 2
for i = 1, n do
  local window = tonumber(ARGV[1 + 2 * i])
  local ceiling = tonumber(ARGV[2 + 2 * i])
  redis.call('ZREMRANGEBYSCORE', KEYS[i + 1], '-inf', now - window)
  local count = redis.call('ZCARD', KEYS[i + 1])
  if count >= ceiling then
    -- the request whose expiry brings the count below the ceiling
    local entry = redis.call('ZRANGE', KEYS[i + 1], count - ceiling, count - ceiling, 'WITHSCORES')
    local until_free = tonumber(entry[2]) + window - now
    if until_free > wait then wait = until_free end
  end
end
if wait > 0 then return tostring(wait) end
for i = 1, n do
  redis.call('ZADD', KEYS[i + 1], now, ARGV[2])
  redis.call('PEXPIRE', KEYS[i + 1], math.ceil(tonumber(ARGV[1 + 2 * i]) * 1000))
end
return '0'
"""

# KEYS: the hourly window's set. ARGV: now ('' = Redis's clock), window, limit, DO's
# remaining, DO's reset, a member prefix. Adds placeholders so that limit - count <= remaining.
_CORRECT = """
local now = tonumber(ARGV[1])
if not now then
  local t = redis.call('TIME')
  now = tonumber(t[1]) + tonumber(t[2]) / 1000000
end
local window = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local missing = tonumber(ARGV[3]) - redis.call('ZCARD', KEYS[1]) - tonumber(ARGV[4])
if missing <= 0 then return 0 end
local at = math.min(tonumber(ARGV[5]) - window, now)
for i = 1, missing do
  redis.call('ZADD', KEYS[1], at, ARGV[6] .. i)
end
redis.call('PEXPIRE', KEYS[1], math.ceil(window * 1000))
return missing
"""


@dataclass(frozen=True, slots=True)
class Window:
    limit: int
    seconds: float


def token_key(token: str) -> str:
    """What names a token in Redis: a hash, so the token is never stored or shown."""
    return hashlib.sha256(token.encode()).hexdigest()[:32]


def ceiling_for(limit: int, purpose: str, reserve: Mapping[str, float]) -> int:
    """How much of a window of `limit` `purpose` may fill: all but the others' reserves."""
    others = sum(share for name, share in reserve.items() if name != purpose)
    return max(int(limit * (1 - min(others, 1.0))), 1)


class SharedRateLimiter:
    """Slots in DO's windows for one token, in Redis. ``clock`` None uses Redis's clock
    (one clock for every machine); tests pass a fake one."""

    def __init__(
        self,
        client: redis.Redis,
        *,
        token: str,
        windows: tuple[Window, ...],
        hourly: Window | None = None,
        reserve: Mapping[str, float] | None = None,
        margin: float = 0.0,
        prefix: str = "",
        clock: Callable[[], float] | None = None,
    ) -> None:
        self._redis = client
        self.windows = windows
        self.hourly = hourly if hourly is not None else max(windows, key=lambda w: w.seconds)
        self.reserve = dict(reserve or {})
        self.margin = margin
        self._clock = clock
        base = f"{prefix}:do-rate:{token_key(token)}"
        self._pause_key = f"{base}:paused"
        self._keys = [f"{base}:{w.limit}/{w.seconds:g}s" for w in windows]
        self._hourly_key = self._keys[windows.index(self.hourly)]
        self._take = client.register_script(_TAKE)
        self._correct = client.register_script(_CORRECT)
        self._warned = False

    def __repr__(self) -> str:  # never the token; not even its hash
        return f"<SharedRateLimiter windows={self.windows!r}>"

    def try_take(self, purpose: str) -> float:
        """Take a slot for one request now (0.0), or the seconds until one is free."""
        args: list[Any] = [self._now(), uuid.uuid4().hex]
        for window in self.windows:
            args += [window.seconds + self.margin, ceiling_for(window.limit, purpose, self.reserve)]
        try:
            return float(self._take(keys=[self._pause_key, *self._keys], args=args))
        except redis.RedisError as exc:
            self._unreachable(exc)
            return 0.0

    def take(
        self, purpose: str, *, sleep: Callable[[float], None], max_wait: float | None = None
    ) -> float:
        """Take a slot, sleeping until one is free; the seconds slept. A wait longer than
        ``max_wait`` is not slept: ``RateLimitWait`` carries it (the caller raises)."""
        waited = 0.0
        while True:
            wait = self.try_take(purpose)
            if wait <= 0:
                return waited
            if max_wait is not None and wait > max_wait:
                raise RateLimitWait(wait)
            # A little jitter: workers waiting for the same slot don't all wake together.
            wait += random.uniform(0, 0.05)
            sleep(wait)
            waited += wait

    def correct(self, *, remaining: int, reset: float | None) -> int:
        """Believe DO's ``ratelimit-remaining`` when it is lower than ours; the
        placeholders added."""
        # No reset from DO: the placeholders count as made now (the script takes the earlier).
        resets_at = reset if reset is not None else 1e18
        args = [self._now(), self.hourly.seconds, self.hourly.limit, remaining, resets_at, _tag()]
        try:
            added = int(self._correct(keys=[self._hourly_key], args=args))
        except redis.RedisError as exc:
            self._unreachable(exc)
            return 0
        if added:
            logger.info("DO counts %d more requests on this token than the limiter", added)
        return added

    def pause(self, seconds: float) -> None:
        """DO refused a request: nobody on this token sends one for ``seconds``."""
        now = self._now()
        try:
            if now == "":
                now = _redis_now(self._redis)
            self._redis.set(self._pause_key, float(now) + seconds, px=int(seconds * 1000) + 1)
        except redis.RedisError as exc:
            self._unreachable(exc)

    def _now(self) -> float | str:
        return self._clock() if self._clock is not None else ""

    def _unreachable(self, exc: Exception) -> None:
        if not self._warned:
            logger.warning("DO rate limiter: Redis unreachable (%s); not pacing", exc)
            self._warned = True


class RateLimitWait(Exception):
    """No slot is free for ``wait`` seconds, longer than the caller will sleep."""

    def __init__(self, wait: float) -> None:
        super().__init__(f"no request slot free for {wait:.1f}s")
        self.wait = wait


def _tag() -> str:
    return f"do:{uuid.uuid4().hex}:"


def _redis_now(client: redis.Redis) -> float:
    seconds, micros = client.time()
    return float(seconds) + micros / 1_000_000


_limiters: dict[tuple[Any, ...], SharedRateLimiter] = {}
_limiters_lock = threading.Lock()


def limiter_from_settings(
    token: str, *, clock: Callable[[], float] | None = None
) -> SharedRateLimiter | None:
    """The limiter ``client_for`` uses for ``token``, from the settings
    (``DO_API_BURST_LIMIT``, ``DO_API_BURST_WINDOW_SECONDS``, ``DO_API_RATE_LIMIT``,
    ``DO_API_RATE_WINDOW_SECONDS``, ``DO_API_RESERVE``, ``DO_API_RATE_MARGIN_SECONDS``,
    ``DO_API_RATE_LIMIT_REDIS_URL``); None when ``DO_API_PACING`` is off. Keys live under
    the default cache's ``KEY_PREFIX``, so each test run counts on its own. ``clock``
    (tests) gives a fresh limiter on that clock instead of the shared one."""
    from django.conf import settings

    if not getattr(settings, "DO_API_PACING", True):
        return None
    url = (
        getattr(settings, "DO_API_RATE_LIMIT_REDIS_URL", None)
        or settings.CACHES["default"]["LOCATION"]
    )
    prefix = str(settings.CACHES["default"].get("KEY_PREFIX", ""))
    burst = Window(
        int(getattr(settings, "DO_API_BURST_LIMIT", 250)),
        float(getattr(settings, "DO_API_BURST_WINDOW_SECONDS", 60)),
    )
    hourly = Window(
        int(getattr(settings, "DO_API_RATE_LIMIT", 5000)),
        float(getattr(settings, "DO_API_RATE_WINDOW_SECONDS", 3600)),
    )
    reserve = dict(getattr(settings, "DO_API_RESERVE", {}))
    margin = float(getattr(settings, "DO_API_RATE_MARGIN_SECONDS", 1.0))
    key = (url, prefix, token_key(token), burst, hourly, tuple(sorted(reserve.items())), margin)

    def build() -> SharedRateLimiter:
        return SharedRateLimiter(
            redis.Redis.from_url(url),
            token=token,
            windows=(burst, hourly),
            hourly=hourly,
            reserve=reserve,
            margin=margin,
            prefix=prefix,
            clock=clock,
        )

    if clock is not None:
        return build()
    # One per key in the process, even when threads ask at once (client_for caches a
    # client per limiter: two limiters would mean two clients for one token).
    with _limiters_lock:
        limiter = _limiters.get(key)
        if limiter is None:
            limiter = _limiters[key] = build()
    return limiter
