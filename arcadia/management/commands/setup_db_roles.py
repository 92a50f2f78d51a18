"""Creates the owner and the app's database roles and their grants, idempotently (README,
"Database roles"; arcadia/db_roles.py).

    DATABASE_URL=postgres://arcadia_app@host/arcadia \\
    DATABASE_MIGRATE_URL=postgres://arcadia_owner@host/arcadia \\
    manage.py setup_db_roles --superuser-url postgres://postgres@host/postgres

The role names and passwords come from the two URLs the processes use, so they cannot
disagree. Connects as the superuser (`--superuser-url`, else DATABASE_SUPERUSER_URL, else
`postgres` on DATABASE_URL's host), creates the database if it is missing, and runs before
`migrate`: the migrations then run as the owner, and every table they create is granted to
the app by default privileges. Run it again after migrating an old deployment as the
superuser: it hands the superuser's tables to the owner.
"""

from __future__ import annotations

import os
from typing import Any

import dj_database_url
import psycopg
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from psycopg import sql

from arcadia.db_roles import Role, setup_roles


def _conninfo(cfg: dict[str, Any], dbname: str) -> dict[str, Any]:
    return {
        "host": cfg.get("HOST") or "127.0.0.1",
        "port": cfg.get("PORT") or 5432,
        "user": cfg.get("USER") or "postgres",
        "password": cfg.get("PASSWORD") or None,
        "dbname": dbname,
    }


class Command(BaseCommand):
    help = "Creates the owner and app database roles and grants (idempotent)."
    # It runs before the app's role exists: no check may connect as it.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--superuser-url",
            default=os.environ.get("DATABASE_SUPERUSER_URL", ""),
            help="A superuser's URL (default: DATABASE_SUPERUSER_URL, else postgres@ the "
            "app's host).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        app_cfg = settings.DATABASES["default"]
        if not settings.DATABASE_MIGRATE_URL:
            raise CommandError("DATABASE_MIGRATE_URL (the owner's URL) is not set.")
        owner_cfg = dj_database_url.parse(settings.DATABASE_MIGRATE_URL)
        if owner_cfg["NAME"] != app_cfg["NAME"]:
            raise CommandError(
                f"DATABASE_URL names database {app_cfg['NAME']!r}, DATABASE_MIGRATE_URL "
                f"{owner_cfg['NAME']!r}: they must be the same database."
            )
        if options["superuser_url"]:
            super_cfg = dict(dj_database_url.parse(options["superuser_url"]))
        else:
            super_cfg = {**app_cfg, "USER": "postgres", "PASSWORD": ""}
        database = app_cfg["NAME"]
        owner = Role(owner_cfg["USER"], owner_cfg.get("PASSWORD") or None)
        app = Role(app_cfg["USER"], app_cfg.get("PASSWORD") or None)
        if not owner.name or not app.name or owner.name == app.name:
            raise CommandError("DATABASE_URL and DATABASE_MIGRATE_URL need two distinct roles.")

        with psycopg.connect(**_conninfo(super_cfg, "postgres"), autocommit=True) as conn:
            exists = conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", [database]
            ).fetchone()
            if not exists:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))
                self.stdout.write(f"created database {database}")
        with psycopg.connect(**_conninfo(super_cfg, database), autocommit=True) as conn:
            setup_roles(conn, database=database, owner=owner, app=app)
        self.stdout.write(
            f"database {database}: owner {owner.name}, app {app.name} (no superuser, owns nothing)"
        )
