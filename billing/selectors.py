"""Reads of billing, scoped to the asking user (STYLE.md: scope is decided here once).

Tenants see their own finalized and void invoices; another tenant's, and any draft, is
absent (a 404). A draft is the operator's working copy: it changes with every sync,
price refresh and back-dated tenant assignment until the month is finalized, so a tenant
who read one would hold numbers that may never be billed. Platform admins see drafts.
Reconciliations, the price book and segments are operator data: platform admins only."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, Prefetch, QuerySet

from billing.models import (
    CreditApplication,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    Reconciliation,
    ReconciliationLine,
)
from tenants.models import User
from tenants.roles import is_platform_admin
from tenants.selectors import scope_by_tenant


def invoices_as_shown() -> QuerySet[Invoice]:
    """Every invoice with what its API representation reads (tenant, line count), unscoped:
    for a caller that decides scope itself (a webhook to the invoice's own tenant)."""
    return Invoice.objects.select_related("tenant").annotate(line_count=Count("lines"))


def with_invoice_lines(queryset: QuerySet[Invoice]) -> QuerySet[Invoice]:
    """Lines and credit applications prefetched in order: one invoice's page."""
    return queryset.prefetch_related(
        Prefetch("lines", queryset=InvoiceLine.objects.order_by("id")),
        Prefetch("credit_applications", queryset=CreditApplication.objects.order_by("id")),
    )


def invoices_visible_to(
    user: User | AnonymousUser, *, with_lines: bool = False
) -> QuerySet[Invoice]:
    """`with_lines`: lines and credit applications prefetched (one invoice's page)."""
    queryset = scope_by_tenant(invoices_as_shown(), user, tenant_field="tenant")
    if not is_platform_admin(user):
        queryset = queryset.exclude(status=InvoiceStatus.DRAFT)
    if with_lines:
        queryset = with_invoice_lines(queryset)
    return queryset


def invoice_with_lines_visible_to(user: User | AnonymousUser) -> QuerySet[Invoice]:
    """Like `invoices_visible_to`, with lines and credit applications prefetched."""
    return invoices_visible_to(user, with_lines=True)


def reconciliations_visible_to(
    user: User | AnonymousUser, *, with_lines: bool = False
) -> QuerySet[Reconciliation]:
    if not is_platform_admin(user):
        return Reconciliation.objects.none()
    queryset = Reconciliation.objects.select_related("provider_invoice")
    if not with_lines:
        return queryset
    # Grouped as the console shows them: by status, then product.
    lines = ReconciliationLine.objects.order_by("status", "product", "id")
    return queryset.prefetch_related(Prefetch("lines", queryset=lines))
