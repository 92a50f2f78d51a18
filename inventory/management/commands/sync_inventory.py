"""`manage.py sync_inventory [--kind droplet]`: a full sync in the foreground, every
kind in turn (projects read once) or one.

Prints each run's counts; exits non-zero when any run failed or was skipped."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from inventory.kinds import KINDS
from inventory.models import SyncRun
from inventory.services.sync import run_all, run_full_sync


class Command(BaseCommand):
    help = "Run a full inventory sync against the DO API (or the simulator)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--kind", help=f"Sync one kind (default: all): {', '.join(KINDS)}.")

    def handle(self, *args: Any, **opts: Any) -> None:
        kind = opts["kind"]
        if kind and kind not in KINDS:
            raise CommandError(f"Unknown kind {kind!r}; one of: {', '.join(KINDS)}.")
        runs = [run_full_sync(kind, trigger="command")] if kind else run_all(trigger="command")
        failed = []
        for run in runs:
            self.stdout.write(
                f"{run.kind} sync #{run.pk} {run.status}: pages={run.pages} seen={run.seen} "
                f"discovered={run.discovered} updated={run.updated} restored={run.restored} "
                f"struck={run.struck} deleted={run.deleted}"
            )
            if run.status != SyncRun.Status.COMPLETED:
                failed.append(f"{run.kind} sync #{run.pk} {run.status}: {run.error}")
        if failed:
            raise CommandError("; ".join(failed))
