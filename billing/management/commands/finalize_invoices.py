"""`manage.py finalize_invoices --month YYYY-MM [--tenant <id or name>]`

Finalizes the month's drafts (an ended month only): numbers them, applies credits,
freezes their lines. Prints each; exits non-zero if any could not be finalized."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from billing.management.commands._billing import guarded, month_and_tenant
from billing.periods import month_text
from billing.services.invoices import finalize_month


class Command(BaseCommand):
    help = "Finalize the month's draft invoices (number, credits, frozen lines)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--month", required=True, help="YYYY-MM (an ended month)")
        parser.add_argument("--tenant", help="One tenant, by id, slug or name (default: all)")

    def handle(self, *args: Any, **opts: Any) -> None:
        month, tenant = month_and_tenant(opts["month"], opts["tenant"])
        result = guarded(
            lambda: finalize_month(month, tenant=tenant, actor="command:finalize_invoices")
        )
        self.stdout.write(f"{month_text(month)}: {len(result.finalized)} finalized")
        for invoice in result.finalized:
            self.stdout.write(
                f"  {invoice.number} {invoice.tenant}: subtotal {invoice.subtotal}, "
                f"credits {invoice.credits_total}, total {invoice.total} {invoice.currency}"
            )
        if result.failed:
            raise CommandError("; ".join(result.failed))
