"""Credits (DESIGN.md, "Money"): granted to a tenant, applied at finalization, never taking
a total below zero; a void gives them back."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import F, Q, QuerySet, Sum

from arcadia.errors import InvalidInput
from billing.models import DEFAULT_CURRENCY, Credit, CreditApplication, Invoice
from billing.pricing import round_cents
from tenants.models import Tenant


def validate_credit(amount: Decimal, reason: str) -> Decimal:
    """What `grant_credit` refuses; the console's form asks it first to show field errors."""
    amount = Decimal(amount)
    if not amount.is_finite() or amount <= 0 or round_cents(amount) != amount:
        raise InvalidInput("A credit is a positive amount in whole cents.", field="amount")
    if not reason.strip():
        raise InvalidInput("A credit needs a reason.", field="reason")
    return amount


def grant_credit(
    tenant: Tenant,
    amount: Decimal,
    *,
    reason: str,
    currency: str = DEFAULT_CURRENCY,
    expires_at: datetime | None = None,
    actor: str,
) -> Credit:
    """A credit of `amount` for `tenant`, usable by its next finalized invoices."""
    amount = validate_credit(amount, reason)
    with transaction.atomic():
        return Credit.objects.create(
            tenant=tenant,
            currency=currency,
            amount=amount,
            remaining=amount,
            reason=f"{reason.strip()} (by {actor})",
            expires_at=expires_at,
        )


def apply_credits(invoice: Invoice, *, now: datetime) -> Decimal:
    """Applies the tenant's usable credits to `invoice`, oldest expiry first (credits that
    never expire last), up to its subtotal; returns the amount applied.

    Runs inside the finalizing transaction; each credit is row-locked so two invoices
    never spend one credit twice."""
    left = invoice.subtotal
    applied: list[CreditApplication] = []
    if left <= 0:
        return Decimal("0.00")
    for credit in _usable_credits(invoice, now=now).select_for_update():
        if left <= 0:
            break
        take = min(credit.remaining, left)
        Credit.objects.filter(pk=credit.pk).update(remaining=F("remaining") - take)
        applied.append(
            CreditApplication(credit=credit, invoice=invoice, amount=take, applied_at=now)
        )
        left -= take
    CreditApplication.objects.bulk_create(applied)
    return invoice.subtotal - left


def _usable_credits(invoice: Invoice, *, now: datetime) -> QuerySet[Credit]:
    """The tenant's credits `invoice` may spend, in the order they are spent."""
    return (
        Credit.objects.filter(
            tenant_id=invoice.tenant_id, currency=invoice.currency, remaining__gt=0
        )
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
        .order_by(F("expires_at").asc(nulls_last=True), "created_at", "id")
    )


def credits_would_apply(invoice: Invoice, *, now: datetime) -> Decimal:
    """What finalizing `invoice` now would apply in credits (for a confirmation page;
    finalizing decides again under the credits' row locks)."""
    usable = _usable_credits(invoice, now=now).aggregate(total=Sum("remaining"))["total"]
    return min(usable or Decimal("0.00"), max(invoice.subtotal, Decimal("0.00")))


def return_credits(invoice: Invoice, *, now: datetime) -> Decimal:
    """Gives back every credit applied to `invoice` (on void); returns the amount."""
    returned = Decimal("0.00")
    applications = CreditApplication.objects.select_for_update().filter(
        invoice=invoice, returned_at__isnull=True
    )
    for application in applications:
        Credit.objects.filter(pk=application.credit_id).update(
            remaining=F("remaining") + application.amount
        )
        returned += application.amount
    applications.update(returned_at=now)
    return returned
