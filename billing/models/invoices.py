"""Invoices, their lines and numbers, credits (DESIGN.md, "Invoices", "Money")."""

from __future__ import annotations

import functools
import operator

import pgtrigger
from django.db import models
from django.db.models import F, Q

from arcadia.triggers import OwnerIgnorable, Refuse, RefuseTruncate, append_only
from billing.models.fields import (
    COST_PLACES,
    DEFAULT_CURRENCY,
    QUANTITY_PLACES,
    currency_check,
    hourly_price_field,
    money_field,
    monthly_price_field,
    percent_field,
)
from inventory.models import CloudResource
from tenants.models import Tenant


class InvoiceStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    FINALIZED = "finalized", "Finalized"
    VOID = "void", "Void"


class Rule(models.TextChoices):
    HOURLY = "hourly", "Hourly (before 2026-01)"
    PER_SECOND = "per_second", "Per second (from 2026-01)"


# What finalizing fixes for good: a finalized invoice may only become void, these unchanged.
FROZEN_ON_FINALIZE = (
    "tenant",
    "period_start",
    "period_end",
    "currency",
    "rule",
    "number",
    "markup_percent",
    "subtotal",
    "credits_total",
    "total",
    "fingerprint",
    "replaces",
    "finalized_at",
    "finalize_reason",
)
_FROZEN_FIELD_CHANGED = functools.reduce(
    operator.or_,
    (pgtrigger.Q(**{f"old__{f}__df": pgtrigger.F(f"new__{f}")}) for f in FROZEN_ON_FINALIZE),
)


class Invoice(models.Model):
    """Postgres keeps the lifecycle (Meta.triggers): only a draft may be deleted; a finalized
    invoice may only become void, its money, number and identity unchanged; a void one never
    changes; the table refuses TRUNCATE."""

    tenant = models.ForeignKey(Tenant, on_delete=models.PROTECT, related_name="invoices")
    period_start = models.DateField(help_text="The 1st of the month billed.")
    period_end = models.DateField(help_text="The 1st of the next month (exclusive).")
    currency = models.CharField(max_length=3, default=DEFAULT_CURRENCY)
    status = models.CharField(
        max_length=16, choices=InvoiceStatus.choices, default=InvoiceStatus.DRAFT
    )
    rule = models.CharField(max_length=16, choices=Rule.choices)
    number = models.CharField(max_length=32, unique=True, null=True, blank=True)
    markup_percent = percent_field(default=0)
    subtotal = money_field()
    credits_total = money_field(default=0)
    total = money_field()
    fingerprint = models.CharField(max_length=64)
    replaces = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="replaced_by",
        help_text="The void invoice this one replaces.",
    )
    void_reason = models.TextField(blank=True, default="")
    # Why the operator finalized it (optional; the console's Finalize page asks): frozen
    # with the rest once finalized.
    finalize_reason = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    finalized_at = models.DateTimeField(null=True, blank=True)
    finalized_by = models.CharField(max_length=255, blank=True, default="")
    voided_at = models.DateTimeField(null=True, blank=True)
    voided_by = models.CharField(max_length=255, blank=True, default="")

    class Meta:
        db_table = "billing_invoices"
        ordering = ["-period_start", "tenant_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "period_start", "currency"],
                condition=~Q(status="void"),
                name="billing_invoices_one_live_per_month",
            ),
            models.CheckConstraint(
                condition=Q(status__in=InvoiceStatus.values), name="billing_invoices_status"
            ),
            models.CheckConstraint(condition=Q(rule__in=Rule.values), name="billing_invoices_rule"),
            models.CheckConstraint(
                condition=Q(period_start__day=1)
                & Q(period_end__day=1)
                & Q(period_end__gt=F("period_start")),
                name="billing_invoices_calendar_month",
            ),
            models.CheckConstraint(
                condition=Q(total__gte=0) & Q(subtotal__gte=0) & Q(credits_total__gte=0),
                name="billing_invoices_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(total=F("subtotal") - F("credits_total")),
                name="billing_invoices_total",
            ),
            models.CheckConstraint(
                condition=Q(status="draft", number__isnull=True)
                | (~Q(status="draft") & Q(number__isnull=False)),
                name="billing_invoices_numbered_once_finalized",
            ),
            models.CheckConstraint(
                condition=~Q(status="void") | ~Q(void_reason=""),
                name="billing_invoices_void_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(markup_percent__gte=0), name="billing_invoices_markup"
            ),
            currency_check("billing_invoices_currency"),
        ]
        indexes = [
            models.Index(fields=["period_start", "status"], name="billing_invoices_month"),
        ]
        triggers = [
            Refuse(
                name="only_drafts_deleted",
                operation=pgtrigger.Delete,
                condition=~pgtrigger.Q(old__status=InvoiceStatus.DRAFT),
                message="billing_invoices: only a draft invoice may be deleted: % refused",
            ),
            Refuse(
                name="void_is_final",
                operation=pgtrigger.Update,
                condition=pgtrigger.Q(old__status=InvoiceStatus.VOID),
                message="billing_invoices: a void invoice cannot change: % refused",
            ),
            Refuse(
                name="finalized_only_voids",
                operation=pgtrigger.Update,
                condition=pgtrigger.Q(old__status=InvoiceStatus.FINALIZED)
                & (~pgtrigger.Q(new__status=InvoiceStatus.VOID) | _FROZEN_FIELD_CHANGED),
                message="billing_invoices: a finalized invoice may only be voided: % refused",
            ),
            RefuseTruncate(message="billing_invoices holds finalized invoices: % refused"),
        ]

    def __str__(self) -> str:
        label = self.number or f"draft #{self.pk}"
        return f"{label} {self.tenant} {self.period_start:%Y-%m}"

    @property
    def month(self) -> str:
        return f"{self.period_start:%Y-%m}"


# What an invoice's header says, in the order the console and the API show it.
INVOICE_FIELDS = (
    "tenant",
    "period_start",
    "period_end",
    "currency",
    "status",
    "rule",
    "number",
    "markup_percent",
    "subtotal",
    "credits_total",
    "total",
    "fingerprint",
    "replaces",
    "void_reason",
    "finalize_reason",
    "created_at",
    "updated_at",
    "finalized_at",
    "voided_at",
)

# What a line says, in the order every surface shows it (console, API, CSV) and
# generation writes it.
LINE_FIELDS = (
    "product",
    "description",
    "urn",
    "project_name",
    "size_slug",
    "usage_start",
    "usage_end",
    "seconds",
    "quantity",
    "unit",
    "unit_price",
    "price_hourly",
    "price_monthly",
    "capped",
    "cost",
    "amount",
    "currency",
)


# A line of a finalized or void invoice is frozen: no INSERT, UPDATE or DELETE touches it.
# A WHEN condition cannot read the parent row, so the function does; the parent table is
# schema-qualified so a temporary table of that name cannot stand in for it.
_LINES_FROZEN_FUNC = f"""
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        SELECT status INTO parent_status FROM public.{Invoice._meta.db_table}
         WHERE id = OLD.invoice_id;
        IF parent_status IN ('finalized', 'void') THEN
            RAISE EXCEPTION 'billing_invoice_lines of % invoice % are frozen: % refused',
                parent_status, OLD.invoice_id, TG_OP USING ERRCODE = 'insufficient_privilege';
        END IF;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        SELECT status INTO parent_status FROM public.{Invoice._meta.db_table}
         WHERE id = NEW.invoice_id;
        IF parent_status IN ('finalized', 'void') THEN
            RAISE EXCEPTION 'billing_invoice_lines of % invoice % are frozen: % refused',
                parent_status, NEW.invoice_id, TG_OP USING ERRCODE = 'insufficient_privilege';
        END IF;
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
"""


class InvoiceLine(models.Model):
    """One (tenant, resource, product, price key, quantity) of a month (`billing.meters`).
    Postgres freezes it once the invoice is finalized and refuses TRUNCATE of the table
    (Meta.triggers)."""

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    resource = models.ForeignKey(CloudResource, on_delete=models.PROTECT, related_name="+")
    product = models.CharField(max_length=32, default="droplet")
    description = models.CharField(max_length=255, blank=True, default="")
    urn = models.CharField(max_length=255)
    project_name = models.CharField(max_length=255, blank=True, default="")
    size_slug = models.CharField(max_length=64)
    usage_start = models.DateTimeField()
    usage_end = models.DateTimeField()
    seconds = models.BigIntegerField()
    quantity = models.DecimalField(
        max_digits=18, decimal_places=QUANTITY_PLACES, help_text="Billed, in `unit`."
    )
    unit = models.CharField(max_length=16, default="hours", help_text="hours or GiB-months")
    unit_price = hourly_price_field(
        default=0, help_text="Per hour (hours) or per GiB and month (GiB-months)."
    )
    price_hourly = hourly_price_field()
    price_monthly = monthly_price_field()
    capped = models.BooleanField(default=False, help_text="The monthly cap applied.")
    cost = models.DecimalField(
        max_digits=26, decimal_places=COST_PLACES, help_text="Before markup, unrounded."
    )
    amount = money_field(help_text="With markup, rounded half-up once.")
    currency = models.CharField(max_length=3, default=DEFAULT_CURRENCY)

    class Meta:
        db_table = "billing_invoice_lines"
        ordering = ["invoice_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["invoice", "resource", "product", "size_slug", "description"],
                name="billing_invoice_lines_unique",
            ),
            models.CheckConstraint(
                condition=Q(seconds__gt=0) & Q(cost__gte=0) & Q(amount__gte=0),
                name="billing_invoice_lines_positive",
            ),
            models.CheckConstraint(
                condition=Q(usage_end__gt=F("usage_start")),
                name="billing_invoice_lines_usage_range",
            ),
            currency_check("billing_invoice_lines_currency"),
        ]
        triggers = [
            OwnerIgnorable(
                name="frozen_with_invoice",
                when=pgtrigger.Before,
                operation=pgtrigger.Insert | pgtrigger.Update | pgtrigger.Delete,
                declare=[("parent_status", "text")],
                func=_LINES_FROZEN_FUNC,
            ),
            RefuseTruncate(message="billing_invoice_lines holds frozen lines: % refused"),
        ]

    def __str__(self) -> str:
        return f"{self.urn} {self.description} {self.amount} {self.currency}"


class InvoiceCounter(models.Model):
    """The gapless invoice number sequence, one row per month: taken with a row lock
    inside the finalizing transaction, so a rollback gives its number back."""

    period_start = models.DateField(primary_key=True)
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        db_table = "billing_invoice_counters"

    def __str__(self) -> str:
        return f"{self.period_start:%Y-%m}: {self.last_number}"


class Credit(models.Model):
    tenant = models.ForeignKey(Tenant, on_delete=models.PROTECT, related_name="billing_credits")
    currency = models.CharField(max_length=3, default=DEFAULT_CURRENCY)
    amount = money_field()
    remaining = money_field()
    reason = models.TextField()
    expires_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "billing_credits"
        ordering = ["tenant_id", "expires_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="billing_credits_positive"),
            models.CheckConstraint(
                condition=Q(remaining__gte=0) & Q(remaining__lte=F("amount")),
                name="billing_credits_remaining_range",
            ),
            currency_check("billing_credits_currency"),
        ]

    def __str__(self) -> str:
        return f"{self.amount} {self.currency} for {self.tenant} ({self.remaining} left)"


class CreditApplication(models.Model):
    credit = models.ForeignKey(Credit, on_delete=models.PROTECT, related_name="applications")
    invoice = models.ForeignKey(
        Invoice, on_delete=models.PROTECT, related_name="credit_applications"
    )
    amount = money_field()
    applied_at = models.DateTimeField()
    returned_at = models.DateTimeField(
        null=True, blank=True, help_text="Set when the invoice was voided."
    )

    class Meta:
        db_table = "billing_credit_applications"
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["credit", "invoice"], name="billing_credit_applications_once"
            ),
            models.CheckConstraint(
                condition=Q(amount__gt=0), name="billing_credit_applications_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.amount} of credit {self.credit_id} on invoice {self.invoice_id}"


class DraftChange(models.Model):
    """Who generated, rewrote or removed a draft invoice, and when. The invoice id is a
    plain number: a removed draft's row is gone, its audit stays. Append-only."""

    class What(models.TextChoices):
        CREATED = "created"
        REWRITTEN = "rewritten"
        REMOVED = "removed"

    invoice_id = models.BigIntegerField(db_index=True)
    tenant = models.ForeignKey(Tenant, on_delete=models.PROTECT, related_name="+")
    period_start = models.DateField()
    currency = models.CharField(max_length=3)
    what = models.CharField(max_length=16, choices=What.choices)
    actor = models.CharField(max_length=255)
    # What the draft must say beyond the numbers: back-dated tenant assignments (a
    # correction) that changed its usage since its last change.
    note = models.TextField(blank=True, default="")
    occurred_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        triggers = append_only("billing_draftchange")

    def __str__(self) -> str:
        return f"invoice {self.invoice_id} {self.what} by {self.actor}"
