"""`manage.py record_provisioned --resource <urn or id> --spec '<json object>'`.

Records the desired state of one resource (the same service provisioning sagas and the API
call). A spec that is not a JSON object, or a resource that does not exist, is refused
with a clear error and changes nothing."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from arcadia.errors import DomainError
from drift.selectors import find_resource
from drift.services.provisioned import record_provisioned


class Command(BaseCommand):
    help = "Record the desired state (spec) of a resource."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--resource", required=True, help="Resource id or URN, e.g. do:droplet:123."
        )
        parser.add_argument(
            "--spec",
            required=True,
            help='JSON object of field -> desired value, e.g. \'{"size_slug": "s-1vcpu-1gb"}\'.',
        )
        parser.add_argument(
            "--actor", default="record_provisioned", help="Who records it, for the audit log."
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            spec = json.loads(opts["spec"])
        except json.JSONDecodeError as exc:
            raise CommandError(f"--spec is not valid JSON: {exc}") from exc
        try:
            resource = find_resource(opts["resource"])
            provisioned = record_provisioned(resource, spec, actor=opts["actor"])
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(
            f"{resource.urn}: spec v{provisioned.spec_version} {provisioned.outcome} "
            f"({len(provisioned.spec)} fields)"
        )
