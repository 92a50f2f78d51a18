"""`manage.py provision_droplet --name web-1 --region nyc3 --size s-1vcpu-1gb
--image ubuntu-24-04-x64 --tenant <id or slug> [--project <id>] [--tag t ...]
[--idempotency-key k] [--background]`.

Starts a create-droplet saga (the same service as the API) and runs it in the foreground,
printing each step as it completes; the exit status says whether it succeeded. With
`--background` it only starts the saga and leaves it to the Celery workers. Interrupted,
the saga is not lost: its rows say where it was, and `provisioning.resume_due` picks it
up once its lease expires."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from arcadia.errors import DomainError, NotFound
from provisioning.models import SagaRun, SagaStatus
from provisioning.resume import run_in_foreground
from provisioning.services import start_create_droplet
from tenants.models import Tenant
from tenants.services import find_tenant


class Command(BaseCommand):
    help = "Provision a droplet for a tenant through a create-droplet saga."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--name", required=True)
        parser.add_argument("--region", required=True, help="e.g. nyc3")
        parser.add_argument("--size", required=True, help="e.g. s-1vcpu-1gb")
        parser.add_argument("--image", required=True, help="An image slug or id.")
        parser.add_argument("--tenant", required=True, help="Tenant id or slug.")
        parser.add_argument("--project", type=int, help="The tenant's project id, if several.")
        parser.add_argument("--tag", action="append", default=[], dest="tags")
        parser.add_argument("--idempotency-key", help="Re-running with it returns that saga.")
        parser.add_argument(
            "--background", action="store_true", help="Only start it; Celery runs it."
        )
        parser.add_argument("--actor", default="provision_droplet", help="For the audit log.")

    def handle(self, *args: Any, **opts: Any) -> None:
        tenant = _find_tenant(opts["tenant"])
        try:
            started = start_create_droplet(
                name=opts["name"],
                region=opts["region"],
                size=opts["size"],
                image=opts["image"],
                tags=opts["tags"],
                tenant_id=tenant.pk,
                project_id=opts["project"],
                idempotency_key=opts["idempotency_key"],
                actor=opts["actor"],
                requested_via="command",
                enqueue=opts["background"],
            )
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        run = started.run
        verb = "started" if started.created else "already exists"
        self.stdout.write(f"saga #{run.pk} ({run.saga}) {verb}")
        if opts["background"]:
            return
        seen: set[tuple[str, str]] = set()

        def report(run: SagaRun) -> None:
            for step in run.steps.order_by("index"):
                if (step.name, step.status) not in seen and step.status != "pending":
                    seen.add((step.name, step.status))
                    note = f" ({step.last_error})" if step.last_error else ""
                    self.stdout.write(f"  {step.index}. {step.name}: {step.status}{note}")

        run = run_in_foreground(run.pk, sleep=time.sleep, on_pass=report, worker="command")
        if run.status != SagaStatus.SUCCEEDED:
            raise CommandError(f"saga #{run.pk} {run.status}: {run.last_error}")
        self.stdout.write(self.style.SUCCESS(f"saga #{run.pk} succeeded: droplet {run.droplet_id}"))


def _find_tenant(reference: str) -> Tenant:
    try:
        return find_tenant(reference)
    except NotFound as exc:
        raise CommandError(exc.message) from exc
