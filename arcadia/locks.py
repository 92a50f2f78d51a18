"""Postgres advisory locks, keyed by readable names.

Two flavours, like pretix's `lock_objects`:
- `xact_lock(name)`: held until the surrounding transaction ends; refuses to run outside
  one, where it would be released at once and protect nothing.
- `session_lock(name)`: held across transactions until released (or the connection dies,
  so a crashed worker never leaves it behind). Used for "one sync of a kind at a time",
  where each page commits on its own.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection, transaction


def lock_key(name: str) -> int:
    """A stable signed 64-bit key for a lock name (Postgres advisory keys are bigint)."""
    return int.from_bytes(
        hashlib.blake2b(name.encode(), digest_size=8).digest(), "big", signed=True
    )


def xact_lock(name: str, *, timeout_ms: int | None = None) -> None:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError(f"xact_lock({name!r}) must run inside a transaction")
    with connection.cursor() as cursor:
        if timeout_ms is not None:
            cursor.execute("SET LOCAL lock_timeout = %s", [f"{int(timeout_ms)}ms"])
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [lock_key(name)])


@contextmanager
def session_lock(name: str) -> Iterator[bool]:
    """Yields True while holding the lock, False when another session holds it."""
    key = lock_key(name)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
        acquired = bool(cursor.fetchone()[0])
    try:
        yield acquired
    finally:
        if acquired:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [key])
