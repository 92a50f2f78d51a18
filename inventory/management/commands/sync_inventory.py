"""`manage.py sync_inventory [--kind droplet]`: a full sync in the foreground.

Prints each run's counts; exits non-zero when any run failed or was skipped."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from inventory.kinds import KINDS
from inventory.models import SyncRun
from inventory.services.sync import run_full_sync


class Command(BaseCommand):
    help = "Run a full inventory sync against the DO API (or the simulator)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--kind", choices=sorted(KINDS), help="Sync one kind (default: all).")

    def handle(self, *args: Any, **opts: Any) -> None:
        kinds = [opts["kind"]] if opts["kind"] else list(KINDS)
        failed = []
        for kind in kinds:
            run = run_full_sync(kind, trigger="command")
            self.stdout.write(
                f"{kind} sync #{run.pk} {run.status}: pages={run.pages} seen={run.seen} "
                f"discovered={run.discovered} updated={run.updated} restored={run.restored} "
                f"struck={run.struck} deleted={run.deleted}"
            )
            if run.status != SyncRun.Status.COMPLETED:
                failed.append(f"{kind} sync #{run.pk} {run.status}: {run.error}")
        if failed:
            raise CommandError("; ".join(failed))
