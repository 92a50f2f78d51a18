"""The Redis db the worker tests use as their broker, and empty first.

`TEST_REDIS_URL` when set; else the app's `REDIS_URL` (same server, same credentials)
with the db number replaced by 15. It is never the app's own db: emptying it would drop a
developer's queued tasks and the shared rate limiter's windows.
"""

from __future__ import annotations

import os
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.conf import settings

TEST_DB = 15


def isolated_broker_url() -> str:
    explicit = os.environ.get("TEST_REDIS_URL", "").strip()
    url = explicit or _with_db(str(settings.REDIS_URL), TEST_DB)
    if _identity(url) == _identity(str(settings.REDIS_URL)):
        raise RuntimeError(
            f"The tests' Redis ({url}) is the app's REDIS_URL; the worker tests empty their "
            "db, so give them another one with TEST_REDIS_URL."
        )
    return url


def _with_db(url: str, db: int) -> str:
    parts = urlsplit(url)
    if parts.scheme == "unix":  # unix:///path/redis.sock?db=0
        query = dict(parse_qsl(parts.query))
        query["db"] = str(db)
        return urlunsplit(parts._replace(query=urlencode(query)))
    return urlunsplit(parts._replace(path=f"/{db}"))


def _identity(url: str) -> tuple[str, str, int, str]:
    """Server and db of a Redis URL (db 0 when it names none)."""
    parts = urlsplit(url)
    if parts.scheme == "unix":
        db = dict(parse_qsl(parts.query)).get("db", "0")
        return ("unix", parts.path, 0, db)
    db = parts.path.strip("/") or "0"
    return (parts.scheme, parts.hostname or "", parts.port or 6379, db)
