"""Invoices and reconciliations as the API shows them: fields named as the model names
them, money as decimal strings (DRF's default for DecimalField)."""

from __future__ import annotations

from rest_framework import serializers

from arcadia.validation import StrictCharField
from billing.models import INVOICE_FIELDS as HEADER_FIELDS
from billing.models import (
    LINE_FIELDS,
    CreditApplication,
    Invoice,
    InvoiceLine,
    Reconciliation,
    ReconciliationLine,
)

# The model's header fields (billing.models.INVOICE_FIELDS) and what the API adds.
INVOICE_FIELDS = ["id", "tenant_name", "line_count", *HEADER_FIELDS]


class InvoiceLineSerializer(serializers.ModelSerializer):
    class Meta:
        model = InvoiceLine
        fields = ["id", "resource", *LINE_FIELDS]


class CreditApplicationSerializer(serializers.ModelSerializer):
    class Meta:
        model = CreditApplication
        fields = ["id", "credit", "amount", "applied_at", "returned_at"]


class InvoiceSerializer(serializers.ModelSerializer):
    tenant_name = serializers.CharField(source="tenant.name", read_only=True)
    line_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Invoice
        fields = INVOICE_FIELDS


class InvoiceDetailSerializer(InvoiceSerializer):
    # The same values as the list's `status` (InvoiceStatusEnum). Declared as a plain
    # string here so the schema names that choice set once, without a collision warning.
    status = serializers.CharField(read_only=True, help_text="draft, finalized or void")
    lines = InvoiceLineSerializer(many=True, read_only=True)
    credit_applications = CreditApplicationSerializer(many=True, read_only=True)

    class Meta(InvoiceSerializer.Meta):
        fields = [*INVOICE_FIELDS, "lines", "credit_applications"]


class VoidSerializer(serializers.Serializer):
    reason = StrictCharField(max_length=2000, trim_whitespace=True)


class FinalizeSerializer(serializers.Serializer):
    reason = StrictCharField(
        required=False, allow_blank=True, max_length=2000, default="", trim_whitespace=True
    )


class ReconciliationLineSerializer(serializers.ModelSerializer):
    class Meta:
        model = ReconciliationLine
        fields = [
            "id",
            "resource",
            "product",
            "provider_resource_id",
            "description",
            "our_cost",
            "provider_amount",
            "difference",
            "status",
            "reason",
        ]


class ReconciliationSerializer(serializers.ModelSerializer):
    invoice_uuid = serializers.CharField(source="provider_invoice.invoice_uuid", read_only=True)

    class Meta:
        model = Reconciliation
        fields = [
            "id",
            "period_start",
            "currency",
            "our_total",
            "provider_total",
            "difference",
            "tolerance",
            "invoice_uuid",
            "actor",
            "created_at",
        ]


class ReconciliationDetailSerializer(ReconciliationSerializer):
    counts = serializers.SerializerMethodField(help_text="Lines per status.")
    reasons = serializers.SerializerMethodField(help_text="Non-matched lines per reason.")
    lines = ReconciliationLineSerializer(many=True, read_only=True)

    class Meta(ReconciliationSerializer.Meta):
        fields = [*ReconciliationSerializer.Meta.fields, "counts", "reasons", "lines"]

    def get_counts(self, reconciliation: Reconciliation) -> dict[str, int]:
        counts: dict[str, int] = {}
        for line in reconciliation.lines.all():
            counts[line.status] = counts.get(line.status, 0) + 1
        return counts

    def get_reasons(self, reconciliation: Reconciliation) -> dict[str, int]:
        reasons: dict[str, int] = {}
        for line in reconciliation.lines.all():
            if line.reason:
                reasons[line.reason] = reasons.get(line.reason, 0) + 1
        return reasons
