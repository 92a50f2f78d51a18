"""The database as the last line (README, "Database roles"): the app's role owns nothing and
is no superuser, so it cannot switch off, empty or reshape what protects the audit log, yet
it can do the app's work; a superuser DATABASE_URL keeps working, with a warning.

The suite itself runs as a superuser; these tests create the two roles on the test
database (idempotently) and open a second connection as the app's role.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator

import psycopg
import pytest
from django.db import connection
from django.db.utils import ConnectionHandler

from arcadia import db_roles
from arcadia.db_roles import Role, check_database_role, setup_roles, superuser_risk
from arcadia.management.commands import migrate as migrate_command
from arcadia.triggers import truncate_guard_pgids
from inventory.models import CloudResourceEvent

pytestmark = pytest.mark.django_db

OWNER = Role("arcadia_owner")
APP = Role("arcadia_app")

Connect = Callable[[], psycopg.Connection]


def _conninfo(user: str) -> dict[str, object]:
    cfg = connection.settings_dict
    return {
        "host": cfg["HOST"] or "127.0.0.1",
        "port": cfg["PORT"] or 5432,
        "user": user,
        "dbname": cfg["NAME"],
    }


def _setup() -> None:
    superuser = connection.settings_dict["USER"] or "postgres"
    with psycopg.connect(**_conninfo(superuser), autocommit=True) as conn:
        setup_roles(conn, database=connection.settings_dict["NAME"], owner=OWNER, app=APP)


@pytest.fixture(scope="module")
def as_app(django_db_setup, django_db_blocker) -> Iterator[Connect]:
    """Connects to the test database as the app's role (trust auth on loopback)."""
    with django_db_blocker.unblock():
        _setup()
    opened: list[psycopg.Connection] = []

    def connect() -> psycopg.Connection:
        conn = psycopg.connect(**_conninfo(APP.name))
        opened.append(conn)
        return conn

    yield connect
    for conn in opened:
        conn.close()


INSERT_EVENT = """
WITH resource AS (
    INSERT INTO cloud_resources (provider, kind, provider_id, urn, name, region, size_slug,
        status, tags, attrs, first_seen_at, last_seen_at, stale_strike_count, created_at,
        updated_at)
    VALUES ('digitalocean', 'droplet', 'roles-1', 'do:droplet:roles-1', 'web-1', 'nyc3',
        's-1vcpu-1gb', 'active', '{}', '{}', now(), now(), 0, now(), now())
    RETURNING id
)
INSERT INTO cloud_resource_events (resource_id, event, changes, actor, occurred_at)
SELECT id, 'discovered', '{}', 'test', now() FROM resource
RETURNING id
"""


def refused(conn: psycopg.Connection, statement: str) -> psycopg.Error:
    """Runs `statement` as the app, expecting Postgres to refuse it; rolls back."""
    with pytest.raises(psycopg.Error) as caught:
        conn.execute(statement)
    conn.rollback()
    return caught.value


def test_app_role_cannot_disable_a_trigger(as_app):
    conn = as_app()
    error = refused(conn, "ALTER TABLE cloud_resource_events DISABLE TRIGGER ALL")
    assert isinstance(error, psycopg.errors.InsufficientPrivilege)
    assert "must be owner" in str(error)
    # Nor all triggers of the session at once (replica mode skips ordinary triggers).
    error = refused(conn, "SET session_replication_role = replica")
    assert isinstance(error, psycopg.errors.InsufficientPrivilege)


def test_app_role_cannot_truncate_the_audit_log(as_app):
    conn = as_app()
    for statement in (
        "TRUNCATE cloud_resource_events",
        "TRUNCATE cloud_resources CASCADE",
        "TRUNCATE billing_invoice_lines",
    ):
        assert isinstance(refused(conn, statement), psycopg.errors.InsufficientPrivilege)


def test_app_role_cannot_alter_or_drop_a_table(as_app):
    conn = as_app()
    for statement in (
        "ALTER TABLE cloud_resource_events ADD COLUMN note text",
        "DROP TABLE cloud_resource_events CASCADE",
        f"DROP TRIGGER {CloudResourceEvent._meta.triggers[0].get_pgid(CloudResourceEvent)} "
        "ON cloud_resource_events",
        "CREATE TABLE shadow (id int)",
    ):
        assert isinstance(refused(conn, statement), psycopg.errors.InsufficientPrivilege)


def test_app_role_cannot_switch_off_a_trigger_through_pgtrigger_ignore(as_app):
    conn = as_app()
    pgids = [t.get_pgid(CloudResourceEvent) for t in CloudResourceEvent._meta.triggers]
    event_id = conn.execute(INSERT_EVENT).fetchone()[0]
    conn.execute("SELECT set_config('pgtrigger.ignore', %s, true)", ["{" + ",".join(pgids) + "}"])
    error = refused(conn, f"DELETE FROM cloud_resource_events WHERE id = {event_id}")
    assert "append-only: DELETE refused" in str(error)


def test_app_role_can_write_events_and_read(as_app):
    conn = as_app()
    event_id = conn.execute(INSERT_EVENT).fetchone()[0]
    row = conn.execute(
        "SELECT e.event, r.urn FROM cloud_resource_events e "
        "JOIN cloud_resources r ON r.id = e.resource_id WHERE e.id = %s",
        [event_id],
    ).fetchone()
    assert row == ("discovered", "do:droplet:roles-1")
    # Billing's temporary tables and the sync's advisory locks work too.
    conn.execute("CREATE TEMP TABLE scratch (id int) ON COMMIT DROP")
    conn.execute("SELECT pg_advisory_xact_lock(42)")
    conn.rollback()


def test_app_role_owns_nothing_and_is_no_superuser(as_app):
    conn = as_app()
    role = conn.execute(
        "SELECT rolsuper, rolcreatedb, rolcreaterole, rolbypassrls FROM pg_roles "
        "WHERE rolname = current_user"
    ).fetchone()
    owned = conn.execute(
        "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = 'public' AND pg_get_userbyid(c.relowner) = current_user"
    ).fetchone()[0]
    conn.rollback()
    assert role == (False, False, False, False)
    assert owned == 0


def test_owner_owns_every_table_and_is_no_superuser(as_app):
    with connection.cursor() as cursor:
        cursor.execute("SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = 'public'")
        owners = {row[0] for row in cursor.fetchall()}
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = %s", [OWNER.name])
        (is_superuser,) = cursor.fetchone()
    assert owners == {OWNER.name}
    assert is_superuser is False


def test_setting_up_the_roles_twice_changes_nothing(as_app):
    _setup()
    conn = as_app()
    assert conn.execute("SELECT count(*) FROM cloud_resource_events").fetchone() is not None
    assert isinstance(
        refused(conn, "TRUNCATE cloud_resource_events"), psycopg.errors.InsufficientPrivilege
    )


def test_migrate_connects_as_the_owner_to_the_same_database(as_app, settings, monkeypatch):
    cfg = connection.settings_dict
    settings.DATABASE_MIGRATE_URL = (
        f"postgres://{OWNER.name}@{cfg['HOST'] or '127.0.0.1'}:{cfg['PORT'] or 5432}/elsewhere"
    )
    handler = ConnectionHandler({"default": {**cfg}})
    monkeypatch.setattr(migrate_command, "connections", handler)
    migrate_command.connect_as_owner("default")
    try:
        with handler["default"].cursor() as cursor:
            cursor.execute("SELECT current_user, current_database()")
            assert cursor.fetchone() == (OWNER.name, cfg["NAME"])
    finally:
        handler.close_all()


# --- the warning ----------------------------------------------------------------------


def test_superuser_connection_is_a_system_check_warning():
    warnings = check_database_role(databases=["default"])
    assert [w.id for w in warnings] == ["arcadia.W001"]
    user = connection.settings_dict["USER"] or "postgres"
    assert warnings[0].msg.startswith(
        f"connected as superuser {user}: triggers that protect the audit log can be disabled"
    )


def test_app_role_connection_is_no_risk(as_app):
    conn = as_app()
    with conn.cursor() as cursor:
        assert superuser_risk(cursor) is None
    conn.rollback()


def test_superuser_connection_logs_the_warning_at_startup(caplog, monkeypatch):
    monkeypatch.setattr(db_roles, "_warned", False)
    connection.ensure_connection()
    with caplog.at_level(logging.WARNING, logger="arcadia.db_roles"):
        db_roles.warn_if_superuser(sender=None, connection=connection)
        db_roles.warn_if_superuser(sender=None, connection=connection)  # once per process
    risks = [r.getMessage() for r in caplog.records if "connected as superuser" in r.getMessage()]
    assert len(risks) == 1
    assert "triggers that protect the audit log can be disabled" in risks[0]


def test_every_truncate_guard_is_known_to_the_escape_hatch():
    # events, invoices, invoice lines, project tenant changes, project tenant assignments,
    # draft changes, config changes
    assert len(truncate_guard_pgids()) == 7
