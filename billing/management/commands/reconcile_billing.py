"""`manage.py reconcile_billing --month YYYY-MM [--tolerance 0.01]`

Fetches DO's invoice for the month, compares it per (product, resource) with our costs
(before markup, every tenant and unallocated) and stores the run. Prints the count of
lines per status, of non-matched lines per reason, and the difference. Exits non-zero
when DO has no invoice for the month yet."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from billing.management.commands._billing import guarded, month_and_tenant
from billing.periods import month_text
from billing.services.reconcile import (
    DEFAULT_TOLERANCE,
    reason_counts,
    reconcile,
    status_counts,
)
from do_client import client_for


def _tolerance(text: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise CommandError(
            f"Invalid tolerance {text!r}: expected an amount such as 0.01."
        ) from None
    if not value.is_finite() or value < 0:
        raise CommandError(f"Invalid tolerance {text!r}: expected an amount of at least 0.")
    return value


class Command(BaseCommand):
    help = "Reconcile the month's metered costs with DigitalOcean's invoice."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--month", required=True, help="YYYY-MM (an ended month)")
        parser.add_argument("--tolerance", default=str(DEFAULT_TOLERANCE), help="USD")

    def handle(self, *args: Any, **opts: Any) -> None:
        month, _ = month_and_tenant(opts["month"], None)
        tolerance = _tolerance(opts["tolerance"])
        reconciliation = guarded(
            lambda: reconcile(
                month,
                client=client_for("billing"),
                tolerance=tolerance,
                actor="command:reconcile_billing",
            )
        )
        counts = status_counts(reconciliation)
        self.stdout.write(
            f"{month_text(month)}: reconciliation #{reconciliation.pk} "
            f"(tolerance {reconciliation.tolerance})"
        )
        for status, count in counts.items():
            self.stdout.write(f"  {status}: {count}")
        for reason, count in reason_counts(reconciliation).items():
            self.stdout.write(f"    because {reason}: {count}")
        self.stdout.write(
            f"  ours {reconciliation.our_total} USD, DO {reconciliation.provider_total} USD, "
            f"difference {reconciliation.difference} USD"
        )
