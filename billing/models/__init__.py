"""Billing's tables (DESIGN.md, "Billing"). Postgres keeps the invariants:

- the price book never has two rows of one size in effect at once (exclusion constraint);
- a resource's usage segments never overlap (exclusion constraint, `btree_gist`);
- at most one non-void invoice per (tenant, month, currency) (partial unique index);
- money checks (totals never below zero, total = subtotal - credits);
- a finalized or void invoice's lines are frozen, and the invoice itself only moves on to
  `void`, and neither invoices nor lines can be truncated (triggers in `Meta.triggers`).
"""

from billing.models.fields import (
    COST_PLACES,
    DEFAULT_CURRENCY,
    QUANTITY_PLACES,
    TsTzRange,
)
from billing.models.invoices import (
    INVOICE_FIELDS,
    LINE_FIELDS,
    Credit,
    CreditApplication,
    DraftChange,
    Invoice,
    InvoiceCounter,
    InvoiceLine,
    InvoiceStatus,
    Rule,
)
from billing.models.prices import Account, Price
from billing.models.reconciliation import (
    ProviderInvoice,
    ProviderInvoiceItem,
    Reconciliation,
    ReconciliationLine,
    ReconciliationReason,
    ReconciliationStatus,
)
from billing.models.usage import UsageSegment

__all__ = [
    "COST_PLACES",
    "DEFAULT_CURRENCY",
    "INVOICE_FIELDS",
    "LINE_FIELDS",
    "QUANTITY_PLACES",
    "Account",
    "Credit",
    "CreditApplication",
    "DraftChange",
    "Invoice",
    "InvoiceCounter",
    "InvoiceLine",
    "InvoiceStatus",
    "Price",
    "ProviderInvoice",
    "ProviderInvoiceItem",
    "Reconciliation",
    "ReconciliationLine",
    "ReconciliationReason",
    "ReconciliationStatus",
    "Rule",
    "TsTzRange",
    "UsageSegment",
]
