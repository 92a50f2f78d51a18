"""Put a project under a tenant from an instant (DESIGN.md, "Tenant").

    manage.py assign_project umbrella-data --tenant umbrella
    manage.py assign_project umbrella-data --tenant umbrella --from 2026-11-01 \
        --reason "contract began in November"

PROJECT is a DO project id or name; TENANT an id, slug or name. Without --from the
assignment takes effect now; an earlier --from is a correction, and the next draft invoice
of each tenant it moves usage between says so. A bad date or an unknown name exits
non-zero with one line and writes nothing.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from arcadia.errors import DomainError
from inventory.selectors import find_project
from inventory.services.tenancy import assign_project_tenant, parse_effective_from
from tenants.services import find_tenant

ACTOR = "command:assign_project"


class Command(BaseCommand):
    help = "Assign a project to a tenant from now, or (a correction) from an earlier date."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("project", help="DO project id or name")
        parser.add_argument("--tenant", required=True, help="tenant id, slug or name")
        parser.add_argument(
            "--from", dest="effective_from", help="ISO-8601 instant (default: now; UTC if no zone)"
        )
        parser.add_argument("--reason", default="", help="why (kept with the assignment)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            effective_from = parse_effective_from(options["effective_from"])
            project = find_project(options["project"])
            tenant = find_tenant(options["tenant"])
            assignment = assign_project_tenant(
                project,
                tenant,
                actor=ACTOR,
                effective_from=effective_from,
                reason=options["reason"],
            )
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        if assignment is None:
            self.stdout.write(f"{project.name}: already {tenant.name}; nothing written.")
            return
        kind = "correction" if assignment.is_correction else "assignment"
        self.stdout.write(
            f"{project.name} -> {tenant.name} from {assignment.effective_from.isoformat()} "
            f"({kind} #{assignment.pk})"
        )
