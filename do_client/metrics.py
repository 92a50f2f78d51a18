"""What the DO client counts for `/metrics` (arcadia.metrics): requests per purpose and
status, and the last `ratelimit-remaining` DO reported per purpose.

The counts live in Redis, next to the shared rate limiter's windows, not in process
memory: web (several gunicorn workers), Celery workers and commands all send DO requests,
and a scrape of any one web process must see everyone's. A Redis hash is one shared
counter per (purpose, status) that survives a process's exit; prometheus-client's
multiprocess mode would need a shared directory, wiped at every start, on every machine.
Recording never fails a DO call: Redis down means the figures stall, not the request.
"""

from __future__ import annotations

import logging
from functools import lru_cache

import redis

logger = logging.getLogger(__name__)

REQUESTS_KEY = "metrics:do_requests"  # hash: "purpose|status" -> count
REMAINING_KEY = "metrics:do_ratelimit_remaining"  # hash: purpose -> last remaining
TRANSPORT_ERROR = "transport_error"  # the status of a request that got no response


@lru_cache(maxsize=8)
def _redis(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)


def _where() -> tuple[redis.Redis, str]:
    """The Redis the limiter uses, and the default cache's key prefix (each test run
    counts under its own, as the limiter's keys do)."""
    from django.conf import settings

    url = (
        getattr(settings, "DO_API_RATE_LIMIT_REDIS_URL", None)
        or settings.CACHES["default"]["LOCATION"]
    )
    prefix = str(settings.CACHES["default"].get("KEY_PREFIX", ""))
    return _redis(url), f"{prefix}:" if prefix else ""


def record_response(purpose: str, status: int | str, remaining: int | None) -> None:
    """One request sent for `purpose` got `status` (an HTTP status, or TRANSPORT_ERROR)."""
    try:
        client, prefix = _where()
        pipe = client.pipeline(transaction=False)
        pipe.hincrby(prefix + REQUESTS_KEY, f"{purpose}|{status}", 1)
        if remaining is not None:
            pipe.hset(prefix + REMAINING_KEY, purpose, remaining)
        pipe.execute()
    except Exception as exc:  # figures are best effort; the DO call goes on
        logger.debug("could not record a DO request for metrics: %s", exc)


def read() -> tuple[dict[tuple[str, str], int], dict[str, int]]:
    """({(purpose, status): requests}, {purpose: ratelimit remaining}); raises when Redis
    is unreachable (the scrape reports it)."""
    client, prefix = _where()
    pipe = client.pipeline(transaction=False)
    pipe.hgetall(prefix + REQUESTS_KEY)
    pipe.hgetall(prefix + REMAINING_KEY)
    raw_requests, raw_remaining = pipe.execute()
    requests: dict[tuple[str, str], int] = {}
    for field, value in raw_requests.items():
        purpose, _, status = field.decode().rpartition("|")
        requests[(purpose, status)] = int(value)
    remaining = {purpose.decode(): int(value) for purpose, value in raw_remaining.items()}
    return requests, remaining
