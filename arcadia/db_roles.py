"""Two database roles, so the app cannot switch off what protects the audit log (README,
"Database roles").

- The **owner** (`DATABASE_MIGRATE_URL`, default name `arcadia_owner`): owns the database,
  the `public` schema and every table, sequence and function in it. Migrations run as it.
  No superuser.
- The **app** (`DATABASE_URL`, default name `arcadia_app`): what web, worker and beat connect
  as. Owns nothing, no superuser: SELECT, INSERT, UPDATE, DELETE on the tables, USAGE and
  SELECT on the sequences, TEMPORARY on the database (billing builds temporary tables), and
  nothing else (no TRUNCATE, TRIGGER, REFERENCES, CREATE). Without ownership it cannot
  ALTER, DROP or disable a trigger; without TRUNCATE it cannot empty a table.

`setup_roles` makes that true, idempotently, from a superuser connection (`bin/up`,
docker-compose's `db-roles` service, `manage.py setup_db_roles`). A single superuser
`DATABASE_URL` keeps working, with the warning `superuser_risk` names.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import sql

logger = logging.getLogger(__name__)

SCHEMA = "public"
TABLE_PRIVILEGES = "SELECT, INSERT, UPDATE, DELETE"
SEQUENCE_PRIVILEGES = "USAGE, SELECT"
# Every role attribute a role may hold that would let it around the rules.
NO_POWERS = "NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS"


@dataclass(frozen=True)
class Role:
    name: str
    password: str | None = None


def _ensure_role(conn: psycopg.Connection[Any], role: Role) -> None:
    # CREATE ROLE has no IF NOT EXISTS; two set-ups at once must both succeed.
    conn.execute(
        sql.SQL(
            "DO $$ BEGIN CREATE ROLE {} LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$"
        ).format(sql.Identifier(role.name))
    )
    conn.execute(sql.SQL("ALTER ROLE {} LOGIN " + NO_POWERS).format(sql.Identifier(role.name)))
    if role.password:
        conn.execute(
            sql.SQL("ALTER ROLE {} PASSWORD {}").format(
                sql.Identifier(role.name), sql.Literal(role.password)
            )
        )


def setup_roles(conn: psycopg.Connection[Any], *, database: str, owner: Role, app: Role) -> None:
    """Creates both roles if missing, gives the owner the database and everything in its
    `public` schema, and grants the app what it needs and nothing more. `conn` is a
    superuser's, to `database`, in autocommit. Safe to run again at any time."""
    if owner.name == app.name:
        raise ValueError("the app's role and the owner must be two roles")
    # One transaction: a running app never sees its grants revoked and not yet re-granted.
    with conn.transaction():
        _setup_roles(conn, database=database, owner=owner, app=app)


def _setup_roles(conn: psycopg.Connection[Any], *, database: str, owner: Role, app: Role) -> None:
    _ensure_role(conn, owner)
    _ensure_role(conn, app)
    o, a = sql.Identifier(owner.name), sql.Identifier(app.name)
    db, schema = sql.Identifier(database), sql.Identifier(SCHEMA)
    statements = [
        sql.SQL("ALTER DATABASE {} OWNER TO {}").format(db, o),
        sql.SQL("ALTER SCHEMA {} OWNER TO {}").format(schema, o),
        # Nobody else may create objects (before Postgres 15 everyone could in public).
        sql.SQL("REVOKE CREATE ON SCHEMA {} FROM PUBLIC").format(schema),
        sql.SQL("REVOKE ALL ON DATABASE {} FROM PUBLIC").format(db),
        sql.SQL("GRANT CONNECT, TEMPORARY ON DATABASE {} TO {}").format(db, a),
        sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(schema, a),
    ]
    for statement in statements:
        conn.execute(statement)
    _give_owner_everything(conn, owner)
    grants = [
        sql.SQL("REVOKE ALL ON ALL TABLES IN SCHEMA {} FROM {}").format(schema, a),
        sql.SQL("GRANT " + TABLE_PRIVILEGES + " ON ALL TABLES IN SCHEMA {} TO {}").format(
            schema, a
        ),
        sql.SQL("GRANT " + SEQUENCE_PRIVILEGES + " ON ALL SEQUENCES IN SCHEMA {} TO {}").format(
            schema, a
        ),
        # Tables that later migrations create (as the owner) get the same grants.
        sql.SQL(
            "ALTER DEFAULT PRIVILEGES FOR ROLE {} IN SCHEMA {} GRANT "
            + TABLE_PRIVILEGES
            + " ON TABLES TO {}"
        ).format(o, schema, a),
        sql.SQL(
            "ALTER DEFAULT PRIVILEGES FOR ROLE {} IN SCHEMA {} GRANT "
            + SEQUENCE_PRIVILEGES
            + " ON SEQUENCES TO {}"
        ).format(o, schema, a),
    ]
    for statement in grants:
        conn.execute(statement)


def _give_owner_everything(conn: psycopg.Connection[Any], owner: Role) -> None:
    """An old deployment migrated as the superuser: its tables, sequences, views and
    functions become the owner's (REASSIGN OWNED cannot take the bootstrap superuser's)."""
    relations = conn.execute(
        """
        SELECT c.relname, c.relkind FROM pg_catalog.pg_class c
          JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = %s AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
           AND c.relowner <> (SELECT oid FROM pg_catalog.pg_roles WHERE rolname = %s)
           -- a sequence owned by a column follows its table
           AND NOT (c.relkind = 'S' AND EXISTS (
               SELECT 1 FROM pg_catalog.pg_depend d
                WHERE d.objid = c.oid AND d.deptype IN ('a', 'i')))
        """,
        [SCHEMA, owner.name],
    ).fetchall()
    kinds = {"v": "VIEW", "m": "MATERIALIZED VIEW", "S": "SEQUENCE", "f": "FOREIGN TABLE"}
    for name, kind in relations:
        conn.execute(
            sql.SQL("ALTER {} {}.{} OWNER TO {}").format(
                sql.SQL(kinds.get(kind, "TABLE")),
                sql.Identifier(SCHEMA),
                sql.Identifier(name),
                sql.Identifier(owner.name),
            )
        )
    functions = conn.execute(
        """
        SELECT p.oid::regprocedure::text FROM pg_catalog.pg_proc p
          JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
         WHERE n.nspname = %s
           AND p.proowner <> (SELECT oid FROM pg_catalog.pg_roles WHERE rolname = %s)
           AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                            WHERE d.objid = p.oid AND d.deptype = 'e')
        """,
        [SCHEMA, owner.name],
    ).fetchall()
    for (signature,) in functions:
        # regprocedure text is already quoted and schema-qualified where needed.
        conn.execute(
            sql.SQL("ALTER ROUTINE {} OWNER TO {}").format(
                sql.SQL(signature), sql.Identifier(owner.name)
            )
        )


def superuser_risk(cursor: Any) -> str | None:
    """Says why the connection's role endangers the audit log, or None when it does not.
    `cursor` is any DB-API cursor on the app's connection."""
    cursor.execute(
        "SELECT current_user, rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user"
    )
    row = cursor.fetchone()
    if row is None or not row[1]:
        return None
    return (
        f"connected as superuser {row[0]}: triggers that protect the audit log can be "
        'disabled. Connect the app as a role that owns nothing (README, "Database roles").'
    )


_warned = False


def warn_if_superuser(sender: Any, connection: Any, **kwargs: Any) -> None:
    """`connection_created` receiver: logs the risk once per process, at its first
    connection (web, worker and beat alike: none of them runs the system checks)."""
    global _warned
    if _warned or connection.vendor != "postgresql":
        return
    _warned = True
    # The raw connection: the check is no query of the app's, nor counted as one.
    with connection.connection.cursor() as cursor:
        risk = superuser_risk(cursor)
    if risk:
        logger.warning(risk)


def check_database_role(databases: Any = None, **kwargs: Any) -> list[Any]:
    """System check arcadia.W001 (`migrate`, `check --database default`)."""
    from django.core.checks import Warning
    from django.db import connections

    found = []
    for alias in databases or []:
        connection = connections[alias]
        if connection.vendor != "postgresql":
            continue
        with connection.cursor() as cursor:
            risk = superuser_risk(cursor)
        if risk:
            found.append(
                Warning(
                    risk,
                    hint="Set DATABASE_URL to the app's role and DATABASE_MIGRATE_URL to the "
                    "owner's; `manage.py setup_db_roles` creates both.",
                    id="arcadia.W001",
                )
            )
    return found
