"""`manage.py migrate` as the owning role: with DATABASE_MIGRATE_URL set, it connects with
that URL's role, password, host and port to the database the settings name (README,
"Database roles"). Without it, as DATABASE_URL: one superuser URL keeps working.
"""

from __future__ import annotations

from typing import Any

import dj_database_url
from django.conf import settings
from django.core.management.commands import migrate
from django.db import DEFAULT_DB_ALIAS, connections

OWNER_KEYS = ("USER", "PASSWORD", "HOST", "PORT")


def connect_as_owner(alias: str) -> None:
    """Points `alias` at the owner's credentials, keeping its database name (so a test
    database stays the test database)."""
    url = getattr(settings, "DATABASE_MIGRATE_URL", "")
    if not url:
        return
    owner = dj_database_url.parse(url)
    connection = connections[alias]
    connection.close()
    settings_dict: dict[str, Any] = connection.settings_dict  # type: ignore[assignment]
    for key in OWNER_KEYS:
        settings_dict[key] = owner.get(key)


class Command(migrate.Command):
    def execute(self, *args: Any, **options: Any) -> Any:
        # Before the system checks, which already connect to the database.
        connect_as_owner(options.get("database") or DEFAULT_DB_ALIAS)
        return super().execute(*args, **options)
