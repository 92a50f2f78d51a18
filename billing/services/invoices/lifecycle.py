"""An invoice's lifecycle (DESIGN.md, "Invoices", "Money"): draft -> finalized (numbered
from a gapless counter, credits applied, lines frozen) -> void (with a reason; its credits
go back and a new draft may replace it). Each transition takes the (tenant, month) lock
that generation takes, and ends in a guarded update."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from django.db import connection, transaction
from django.utils import timezone

from arcadia.errors import Conflict, InvalidInput, NotFound
from arcadia.locks import xact_lock
from billing.announce import announce_finalized
from billing.models import Invoice, InvoiceCounter, InvoiceStatus
from billing.periods import has_ended, month_text, refuse_future
from billing.services.credits import apply_credits, return_credits
from billing.services.invoices.generation import invoice_lock_name
from tenants.models import Tenant


def _locked_invoice(invoice_id: int) -> Invoice:
    """The invoice, row-locked, under its (tenant, month) lock. Inside a transaction."""
    head = Invoice.objects.filter(pk=invoice_id).values("tenant_id", "period_start").first()
    if head is None:
        raise NotFound(f"No invoice {invoice_id}.")
    xact_lock(invoice_lock_name(head["tenant_id"], head["period_start"]))
    return Invoice.objects.select_for_update().get(pk=invoice_id)


def _next_number(month: date) -> str:
    """`ARC-YYYYMM-NNNNN` from the month's counter row, locked until our commit: a
    rollback returns the number, so the sequence has no gaps."""
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO billing_invoice_counters (period_start, last_number) VALUES (%s, 1) "
            "ON CONFLICT (period_start) DO UPDATE "
            "SET last_number = billing_invoice_counters.last_number + 1 RETURNING last_number",
            [month],
        )
        (number,) = cursor.fetchone()
    return _number_text(month, number)


def _number_text(month: date, number: int) -> str:
    return f"ARC-{month:%Y%m}-{number:05d}"


def next_number(month: date) -> str:
    """The number the month's next finalized invoice would get, for a confirmation page:
    not reserved (finalizing takes it under the counter's row lock)."""
    counter = InvoiceCounter.objects.filter(period_start=month).first()
    return _number_text(month, (counter.last_number if counter else 0) + 1)


def finalize(
    invoice_id: int, *, actor: str, now: datetime | None = None, reason: str = ""
) -> Invoice:
    """A draft of an ended month becomes `finalized`: numbered from the gapless counter,
    credits applied (oldest expiry first, never below zero), lines frozen by the trigger.
    `reason` (optional) is kept on the invoice, frozen with it."""
    now = now or timezone.now()
    with transaction.atomic():
        invoice = _locked_invoice(invoice_id)
        if invoice.status != InvoiceStatus.DRAFT:
            raise Conflict(f"Invoice {invoice} is {invoice.status}; only a draft is finalized.")
        if not has_ended(invoice.period_start, now=now):
            raise Conflict(
                f"{invoice.month} has not ended: its draft is month to date and cannot be "
                "finalized yet."
            )
        number = _next_number(invoice.period_start)
        credits = apply_credits(invoice, now=now)
        written = Invoice.objects.filter(pk=invoice.pk, status=InvoiceStatus.DRAFT).update(
            status=InvoiceStatus.FINALIZED,
            number=number,
            credits_total=credits,
            total=invoice.subtotal - credits,
            finalized_at=now,
            finalized_by=actor,
            finalize_reason=(reason or "").strip(),
            updated_at=now,
        )
        if written != 1:
            raise Conflict(f"Invoice {invoice_id} is no longer a draft.")
        announce_finalized(invoice.pk)  # webhooks: invoice.finalized, sent after the commit
    return Invoice.objects.get(pk=invoice_id)


def void(invoice_id: int, *, reason: str, actor: str, now: datetime | None = None) -> Invoice:
    """A finalized invoice becomes `void` with a reason; its credits go back to their
    credits, and the (tenant, month) slot is free for a new draft that replaces it."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("Voiding an invoice needs a reason.", field="reason")
    now = now or timezone.now()
    with transaction.atomic():
        invoice = _locked_invoice(invoice_id)
        if invoice.status != InvoiceStatus.FINALIZED:
            raise Conflict(
                f"Invoice {invoice} is {invoice.status}; only a finalized one is voided."
            )
        return_credits(invoice, now=now)
        written = Invoice.objects.filter(pk=invoice.pk, status=InvoiceStatus.FINALIZED).update(
            status=InvoiceStatus.VOID,
            void_reason=reason,
            voided_at=now,
            voided_by=actor,
            updated_at=now,
        )
        if written != 1:
            raise Conflict(f"Invoice {invoice_id} is no longer finalized.")
    return Invoice.objects.get(pk=invoice_id)


@dataclass
class Finalization:
    finalized: list[Invoice] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


def finalize_month(
    month: date, *, tenant: Tenant | None = None, actor: str, now: datetime | None = None
) -> Finalization:
    """Finalizes every draft of an ended month (or one tenant's), each in its own
    transaction; a draft that cannot be finalized is reported, the others still are."""
    now = now or timezone.now()
    refuse_future(month, now=now)
    if not has_ended(month, now=now):
        raise Conflict(f"{month_text(month)} has not ended: its drafts cannot be finalized yet.")
    drafts = Invoice.objects.filter(period_start=month, status=InvoiceStatus.DRAFT)
    if tenant is not None:
        drafts = drafts.filter(tenant=tenant)
    result = Finalization()
    for invoice_id in drafts.order_by("tenant__name", "id").values_list("pk", flat=True):
        try:
            result.finalized.append(finalize(invoice_id, actor=actor, now=now))
        except (Conflict, NotFound) as exc:
            result.failed.append(f"invoice {invoice_id}: {exc.message}")
    return result
