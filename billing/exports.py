"""An invoice as CSV: a row per line, then the totals. Shared by the API and the console."""

from __future__ import annotations

import csv
import io
from datetime import datetime

from billing.models import LINE_FIELDS, Invoice

COLUMNS = list(LINE_FIELDS)


def invoice_csv(invoice: Invoice) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for line in invoice.lines.order_by("id"):
        writer.writerow([_cell(getattr(line, name)) for name in COLUMNS])
    blank = [""] * (len(COLUMNS) - 3)
    for label, value in (
        ("subtotal", invoice.subtotal),
        ("credits", invoice.credits_total),
        ("total", invoice.total),
    ):
        writer.writerow([label, *blank, "", value, invoice.currency])
    return out.getvalue()


def _cell(value: object) -> object:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def invoice_csv_filename(invoice: Invoice) -> str:
    label = invoice.number or f"draft-{invoice.pk}"
    return f"{label}-{invoice.tenant.slug}-{invoice.month}.csv"
