"""DO's invoices and our reconciliations with them (DESIGN.md, "Reconciliation")."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from billing.models.fields import DEFAULT_CURRENCY, money_field
from inventory.models import PROVIDER_DO, CloudResource


class ProviderInvoice(models.Model):
    """DO's invoice as `GET /v2/customers/my/invoices` lists it."""

    provider = models.CharField(max_length=32, default=PROVIDER_DO)
    invoice_uuid = models.CharField(max_length=64)
    invoice_id = models.CharField(max_length=64, blank=True, default="")
    invoice_period = models.CharField(max_length=7)
    period_start = models.DateField()
    amount = money_field()
    currency = models.CharField(max_length=3, default=DEFAULT_CURRENCY)
    raw = models.JSONField(default=dict)
    fetched_at = models.DateTimeField()

    class Meta:
        db_table = "billing_provider_invoices"
        ordering = ["-period_start"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "invoice_uuid"], name="billing_provider_invoices_uuid"
            ),
        ]

    def __str__(self) -> str:
        return f"DO invoice {self.invoice_period} ({self.amount} {self.currency})"


class ProviderInvoiceItem(models.Model):
    """One item of DO's invoice (`GET /v2/customers/my/invoices/{uuid}`)."""

    provider_invoice = models.ForeignKey(
        ProviderInvoice, on_delete=models.CASCADE, related_name="items"
    )
    product = models.CharField(max_length=255, blank=True, default="")
    resource_id = models.CharField(max_length=128, blank=True, default="")
    resource_uuid = models.CharField(max_length=128, blank=True, default="")
    description = models.TextField(blank=True, default="")
    project_name = models.CharField(max_length=255, blank=True, default="")
    amount = money_field()
    duration = models.CharField(max_length=32, blank=True, default="")
    duration_unit = models.CharField(max_length=32, blank=True, default="")
    start_time = models.DateTimeField(null=True, blank=True)
    end_time = models.DateTimeField(null=True, blank=True)
    raw = models.JSONField(default=dict)

    class Meta:
        db_table = "billing_provider_invoice_items"
        ordering = ["provider_invoice_id", "id"]
        indexes = [models.Index(fields=["resource_id"], name="billing_provider_items_rid")]

    def __str__(self) -> str:
        return f"{self.product} {self.resource_id or self.resource_uuid} {self.amount}"


class Reconciliation(models.Model):
    """One comparison of our costs with DO's invoice for a month. Each run is a new row."""

    period_start = models.DateField()
    provider_invoice = models.ForeignKey(
        ProviderInvoice, on_delete=models.PROTECT, related_name="reconciliations"
    )
    currency = models.CharField(max_length=3, default=DEFAULT_CURRENCY)
    our_total = money_field()
    provider_total = money_field()
    difference = money_field(help_text="Ours minus DO's.")
    tolerance = models.DecimalField(max_digits=10, decimal_places=4)
    actor = models.CharField(max_length=255, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "billing_reconciliations"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(tolerance__gte=0), name="billing_reconciliations_tolerance"
            ),
        ]

    def __str__(self) -> str:
        return f"reconciliation #{self.pk} of {self.period_start:%Y-%m}"


class ReconciliationStatus(models.TextChoices):
    MATCHED = "matched", "Matched"
    AMOUNT_MISMATCH = "amount_mismatch", "Amount mismatch"
    ONLY_OURS = "only_ours", "Only ours"
    ONLY_PROVIDER = "only_provider", "Only DO's"


class ReconciliationReason(models.TextChoices):
    """Why a line is not matched (DESIGN.md, "Every product": every non-matched line has one)."""

    FIRST_SEEN_LATE = (
        "first_seen_late",
        "First seen after DO's billing started (history before Arcadia saw it is assumed)",
    )
    CHANGED_BEFORE_FIRST_SEEN = "changed_before_first_seen", "Resized or moved before first seen"
    MISSING_FROM_INVENTORY = "missing_from_inventory", "Missing from the inventory"
    PRICE_DIFFERS = "price_differs", "Price differs from DO's"
    NOT_METERED = "not_metered", "Not metered"
    ROUNDING = "rounding", "Rounding"
    NOT_ON_DO_INVOICE = "not_on_do_invoice", "Billed by us, absent from DO's invoice"
    # The same time at the same prices would agree: DO billed other hours than we metered
    # (a resize between two syncs, seen late).
    USAGE_DIFFERS = "usage_differs", "Usage differs (changed between syncs)"


class ReconciliationLine(models.Model):
    reconciliation = models.ForeignKey(
        Reconciliation, on_delete=models.CASCADE, related_name="lines"
    )
    resource = models.ForeignKey(
        CloudResource, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    product = models.CharField(
        max_length=255, blank=True, default="", help_text="DO's product name (billing.products)."
    )
    provider_resource_id = models.CharField(
        max_length=255, help_text="DO's resource_id, else its resource_uuid or description."
    )
    description = models.TextField(blank=True, default="")
    our_cost = money_field()
    provider_amount = money_field()
    difference = money_field(help_text="Ours minus DO's.")
    status = models.CharField(max_length=16, choices=ReconciliationStatus.choices)
    reason = models.CharField(
        max_length=32,
        choices=ReconciliationReason.choices,
        blank=True,
        default="",
        help_text="Why not matched; empty only when matched.",
    )

    class Meta:
        db_table = "billing_reconciliation_lines"
        ordering = ["reconciliation_id", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ReconciliationStatus.values),
                name="billing_reconciliation_lines_status",
            ),
            models.CheckConstraint(
                condition=Q(status=ReconciliationStatus.MATCHED, reason="")
                | (
                    ~Q(status=ReconciliationStatus.MATCHED)
                    & Q(reason__in=ReconciliationReason.values)
                ),
                name="billing_reconciliation_lines_reason",
            ),
        ]
        indexes = [
            models.Index(fields=["reconciliation", "status"], name="billing_recon_lines_status"),
            models.Index(
                fields=["reconciliation", "status", "product"], name="billing_recon_lines_group"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product} {self.provider_resource_id}: {self.status}"
