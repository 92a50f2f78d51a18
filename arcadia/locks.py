"""Postgres advisory locks, keyed by readable names: the one place that takes them.

Two flavours, like pretix's `lock_objects`:
- `xact_lock(*names)`: held until the surrounding transaction ends; refuses to run outside
  one, where it would be released at once and protect nothing. Several names are taken in
  one statement, in key order, so two callers locking overlapping sets never deadlock.
  `timeout_ms` bounds the wait (`SET LOCAL lock_timeout`, for the rest of the transaction).
  `execute_locked` takes one such lock and runs a statement in the same round trip (and,
  for a statement that is a unit of work on its own, in the same implicit transaction).
- `session_lock(name)`: a try-lock held across transactions until released (or the
  connection dies, so a crashed worker never leaves it behind). Used for "one sync of a
  kind at a time", where each page commits on its own.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from django.db import connection, transaction

_ONE = "SELECT pg_advisory_xact_lock(%s)"
# unnest walks the array in order: the keys are locked in the (sorted) order given.
_MANY = "SELECT pg_advisory_xact_lock(k) FROM unnest(%s::bigint[]) AS k"
_LOCK_PARAM = "_advisory_lock_key"


def lock_key(name: str) -> int:
    """A stable signed 64-bit key for a lock name (Postgres advisory keys are bigint)."""
    return int.from_bytes(
        hashlib.blake2b(name.encode(), digest_size=8).digest(), "big", signed=True
    )


def _refuse_outside_transaction(names: tuple[str, ...]) -> None:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError(f"xact_lock{names!r} must run inside a transaction")


def xact_lock(*names: str, timeout_ms: int | None = None) -> None:
    """Every name's transaction lock, in one statement, in key order."""
    _refuse_outside_transaction(names)
    keys = sorted({lock_key(name) for name in names})
    if not keys:
        return
    with connection.cursor() as cursor:
        if timeout_ms is not None:
            cursor.execute("SET LOCAL lock_timeout = %s", [f"{int(timeout_ms)}ms"])
        if len(keys) == 1:
            cursor.execute(_ONE, keys)
        else:
            cursor.execute(_MANY, [keys])


def execute_locked(
    cursor: Any,
    name: str,
    sql: str,
    params: Mapping[str, Any],
    *,
    implicit_transaction: bool = False,
) -> None:
    """`name`'s transaction lock, then `sql` (named parameters), in one round trip. The
    lock is its own statement, so `sql` reads a snapshot taken after it is granted; the
    cursor is left on `sql`'s result. For a hot path where a round trip per call counts
    (the chokepoint's page).

    `implicit_transaction`: `sql` is a whole unit of work on its own, so outside an atomic
    block it may run with no BEGIN or COMMIT: Postgres runs a query string of several
    statements as one transaction when none is open ("Multiple Statements in a Simple
    Query", in its protocol's documentation), so the lock is held until `sql`'s writes
    commit, and an error rolls both back. Inside an atomic block it joins that one."""
    if not implicit_transaction:
        _refuse_outside_transaction((name,))
    elif not (conn := transaction.get_connection()).in_atomic_block and not conn.get_autocommit():
        # A connection left in manual mode has a transaction open: the lock would outlive
        # the statement, and the writes wait for a commit nobody makes.
        raise RuntimeError(f"execute_locked({name!r}) needs autocommit or an atomic block")
    cursor.execute(
        f"SELECT pg_advisory_xact_lock(%({_LOCK_PARAM})s);\n{sql}",
        {**params, _LOCK_PARAM: lock_key(name)},
    )
    cursor.nextset()  # past the lock's (empty) result, to the statement's


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
