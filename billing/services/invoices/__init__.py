"""Invoices: generation (`generation.py`) and the lifecycle after it (`lifecycle.py`)."""

from billing.services.invoices.generation import (
    Generation,
    InvoiceOutcome,
    TenantInvoice,
    generate,
    generate_month,
    invoice_lock_name,
)
from billing.services.invoices.lifecycle import Finalization, finalize, finalize_month, void

__all__ = [
    "Finalization",
    "Generation",
    "InvoiceOutcome",
    "TenantInvoice",
    "finalize",
    "finalize_month",
    "generate",
    "generate_month",
    "invoice_lock_name",
    "void",
]
