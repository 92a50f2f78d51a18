"""`manage.py flush`, which would empty the audit log and frozen invoices: Postgres refuses
TRUNCATE of those tables (arcadia/triggers.py) unless this command is told it may.

    ARCADIA_ALLOW_FLUSH=1 manage.py flush

It must also connect as the owning role: the app's role has no TRUNCATE privilege at all.
The test suite sets ARCADIA_ALLOW_FLUSH (conftest.py): pytest-django flushes the database
after every transactional test.
"""

from __future__ import annotations

import os
from typing import Any

from django.core.management.base import CommandError
from django.core.management.commands import flush

from arcadia.triggers import allow_truncate

ESCAPE_HATCH = "ARCADIA_ALLOW_FLUSH"


def flush_allowed() -> bool:
    return os.environ.get(ESCAPE_HATCH, "").strip().lower() in {"1", "true", "yes", "on"}


class Command(flush.Command):
    help = (
        f"{flush.Command.help} Empties the audit log and frozen invoices too, so it runs only "
        f"with {ESCAPE_HATCH}=1, as the owning role."
    )

    def handle(self, **options: Any) -> None:
        if not flush_allowed():
            raise CommandError(
                "flush would empty the audit log (cloud_resource_events) and frozen invoices, "
                f"which the database refuses: set {ESCAPE_HATCH}=1 and connect as the owning "
                "role (DATABASE_MIGRATE_URL) to do it anyway."
            )
        with allow_truncate():
            super().handle(**options)
