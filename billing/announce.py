"""Billing's webhook events, each written in the transaction that caused it and sent
after it commits (webhooks.services): `invoice.finalized`, with the invoice as
`/api/v1/billing/invoices/{id}` shows it, lines included, for its tenant's subscribers and
the platform's; `reconciliation.mismatch`, a platform event."""

from __future__ import annotations

from billing.api.serializers import InvoiceDetailSerializer, ReconciliationSerializer
from billing.models import (
    Reconciliation,
    ReconciliationLine,
    ReconciliationStatus,
)
from billing.selectors import invoices_as_shown, with_invoice_lines
from webhooks.events import WebhookEventType
from webhooks.services import emit, wanted


def announce_finalized(invoice_id: int) -> None:
    if not wanted(WebhookEventType.INVOICE_FINALIZED):
        return  # the invoice is read only for a subscriber
    invoice = with_invoice_lines(invoices_as_shown()).get(pk=invoice_id)
    emit(
        WebhookEventType.INVOICE_FINALIZED,
        dict(InvoiceDetailSerializer(invoice).data),
        tenant_id=invoice.tenant_id,
    )


def announce_mismatches(reconciliation: Reconciliation, lines: list[ReconciliationLine]) -> None:
    """`reconciliation.mismatch`, once per reconciliation with any line that is not
    matched: the reconciliation as `/api/v1/billing/reconciliations` lists it, with how
    many lines differ (the lines themselves are at its API page; a platform event)."""
    mismatched = sum(1 for line in lines if line.status != ReconciliationStatus.MATCHED)
    if not mismatched:
        return
    payload = {**ReconciliationSerializer(reconciliation).data, "mismatched_lines": mismatched}
    emit(WebhookEventType.RECONCILIATION_MISMATCH, payload, tenant_id=None)
