"""Advisory locks: one module takes them all (arcadia/locks.py, like pretix's lock_objects)."""

from __future__ import annotations

import psycopg
import pytest
from django.db import OperationalError, connection, transaction
from django.test.utils import CaptureQueriesContext

from arcadia.locks import execute_locked, lock_key, xact_lock


def _held_advisory_locks() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()"
        )
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_xact_lock_refuses_outside_a_transaction():
    with pytest.raises(RuntimeError, match="inside a transaction"):
        xact_lock("billing:month:2026-03")
    with (
        pytest.raises(RuntimeError, match="inside a transaction"),
        connection.cursor() as cursor,
    ):
        execute_locked(cursor, "inventory:write:droplet", "SELECT 1", {})


@pytest.mark.django_db
def test_xact_lock_takes_many_names_in_one_statement():
    with transaction.atomic():
        before = _held_advisory_locks()
        with CaptureQueriesContext(connection) as captured:
            xact_lock("b", "a", "c", "a")  # a repeat is taken once
        assert len(captured.captured_queries) == 1
        assert _held_advisory_locks() - before == 3


@pytest.mark.django_db
def test_execute_locked_runs_its_statement_under_the_lock_in_one_round_trip():
    with transaction.atomic():
        before = _held_advisory_locks()
        with CaptureQueriesContext(connection) as captured, connection.cursor() as cursor:
            execute_locked(cursor, "inventory:write:droplet", "SELECT %(v)s::int AS v", {"v": 7})
            assert cursor.fetchall() == [(7,)]
        assert len(captured.captured_queries) == 1
        assert _held_advisory_locks() - before == 1


@pytest.mark.django_db(transaction=True)
def test_xact_lock_gives_up_after_its_timeout():
    name = "billing:month:2026-03"
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    with psycopg.connect(**params, autocommit=True) as other:
        other.execute("SELECT pg_advisory_lock(%s)", [lock_key(name)])
        with pytest.raises(OperationalError, match="lock timeout"), transaction.atomic():
            xact_lock(name, timeout_ms=50)


@pytest.mark.django_db(transaction=True)
def test_execute_locked_in_an_implicit_transaction_releases_the_lock_with_its_statement():
    # Autocommit: the lock and the statement are one query string, so one transaction;
    # the lock is gone when the call returns, and a failing statement leaves none behind.
    with connection.cursor() as cursor:
        execute_locked(
            cursor,
            "inventory:write:droplet",
            "SELECT %(v)s::int",
            {"v": 7},
            implicit_transaction=True,
        )
        assert cursor.fetchall() == [(7,)]
    assert _held_advisory_locks() == 0
    with pytest.raises(Exception, match="division by zero"), connection.cursor() as cursor:
        execute_locked(
            cursor,
            "inventory:write:droplet",
            "SELECT 1 / %(z)s::int",
            {"z": 0},
            implicit_transaction=True,
        )
    assert _held_advisory_locks() == 0


@pytest.mark.django_db(transaction=True)
def test_execute_locked_refuses_a_connection_left_in_manual_mode():
    transaction.set_autocommit(False)
    try:
        with (
            pytest.raises(RuntimeError, match="autocommit or an atomic block"),
            connection.cursor() as cursor,
        ):
            execute_locked(cursor, "x", "SELECT 1", {}, implicit_transaction=True)
    finally:
        transaction.rollback()
        transaction.set_autocommit(True)
