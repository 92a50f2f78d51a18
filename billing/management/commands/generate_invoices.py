"""`manage.py generate_invoices --month YYYY-MM [--tenant <id or name>]`

Refreshes the price book from DO, rebuilds the month's usage segments and writes each
tenant's draft (an unchanged one is not written). Prints per tenant the invoice, its
status, line count, subtotal and total, then the unallocated cost. Exits non-zero on any
failure (a malformed or future month, an unknown tenant, a size with no price, DO
unreachable), having written nothing."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from billing.management.commands._billing import guarded, month_and_tenant
from billing.periods import month_text
from billing.services.invoices import generate_month
from do_client import client_for


class Command(BaseCommand):
    help = "Generate (or refresh) the month's draft invoices from the inventory's history."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--month", required=True, help="YYYY-MM (UTC calendar month)")
        parser.add_argument("--tenant", help="One tenant, by id, slug or name (default: all)")

    def handle(self, *args: Any, **opts: Any) -> None:
        month, tenant = month_and_tenant(opts["month"], opts["tenant"])
        result = guarded(
            lambda: generate_month(
                month,
                tenant=tenant,
                actor="command:generate_invoices",
                client=client_for("billing"),
            )
        )
        self.stdout.write(
            f"{month_text(month)} ({result.rule}): {len(result.invoices)} tenant(s); "
            f"segments +{result.segments_inserted} -{result.segments_deleted}"
        )
        for item in result.invoices:
            label = item.number or (f"#{item.invoice_id}" if item.invoice_id else "-")
            self.stdout.write(
                f"  {item.tenant_name}: invoice {label} {item.status} ({item.outcome}), "
                f"{item.lines} line(s), subtotal {item.subtotal} {item.currency}, "
                f"total {item.total} {item.currency}"
            )
        self.stdout.write(f"  unallocated: {result.unallocated_cost} USD (priced, not invoiced)")
