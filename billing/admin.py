"""The operator console for billing. Invoices, lines, segments, DO's invoices and
reconciliations are written only by services: here they are read, and invoices are
finalized, voided (with a reason) and downloaded as CSV. Accounts and credits are the
operator's to edit."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from arcadia.admin import ViewOnlyAdmin, ViewOnlyInline
from arcadia.errors import DomainError, InvalidInput
from billing.exports import invoice_csv, invoice_csv_filename
from billing.models import (
    INVOICE_FIELDS,
    LINE_FIELDS,
    Account,
    Credit,
    CreditApplication,
    DraftChange,
    Invoice,
    InvoiceLine,
    Price,
    ProviderInvoice,
    ProviderInvoiceItem,
    Reconciliation,
    ReconciliationLine,
)
from billing.services.accounts import save_account
from billing.services.credits import grant_credit, validate_credit
from billing.services.invoices import finalize, void
from tenants.admin import ConfigHistoryMixin
from tenants.roles import is_platform_admin


class InvoiceLineInline(ViewOnlyInline):
    model = InvoiceLine
    fields = LINE_FIELDS
    readonly_fields = fields
    ordering = ["id"]


class CreditApplicationInline(ViewOnlyInline):
    model = CreditApplication
    fields = ("credit", "amount", "applied_at", "returned_at")
    readonly_fields = fields


class VoidActionForm(ActionForm):
    reason = forms.CharField(
        required=False, label="Void reason", widget=forms.TextInput(attrs={"size": 40})
    )


def _operator(request: HttpRequest) -> str:
    return f"console:{request.user.get_username()}"


def _may_resolve(modeladmin: admin.ModelAdmin, request: HttpRequest) -> bool:
    if is_platform_admin(request.user):
        return True
    modeladmin.message_user(request, "Only platform admins may do this.", messages.ERROR)
    return False


@admin.register(Invoice)
class InvoiceAdmin(ViewOnlyAdmin):
    list_display = [
        "label",
        "tenant",
        "month",
        "status",
        "rule",
        "line_count",
        "subtotal",
        "credits_total",
        "total",
        "currency",
        "csv_link",
    ]
    list_filter = ["status", "period_start", "rule", "currency", "tenant"]
    list_select_related = ["tenant"]
    search_fields = ["number", "tenant__name"]
    ordering = ["-period_start", "tenant__name", "id"]
    action_form = VoidActionForm
    actions = ["finalize_selected", "void_selected", "download_csv"]
    inlines = [InvoiceLineInline, CreditApplicationInline]
    readonly_fields = [*INVOICE_FIELDS, "finalized_by", "voided_by", "draft_history", "csv_link"]
    fields = tuple(readonly_fields)

    @admin.display(description="Draft history")
    def draft_history(self, obj: Invoice) -> str:
        changes = DraftChange.objects.filter(invoice_id=obj.pk).order_by("occurred_at", "id")
        return (
            format_html_join(
                mark_safe("<br>"),
                "{} by {} at {}",
                ((c.what, c.actor, f"{c.occurred_at:%Y-%m-%d %H:%M:%S}") for c in changes),
            )
            or "-"
        )

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(lines_n=Count("lines"))

    @admin.display(description="Invoice", ordering="number")
    def label(self, obj: Invoice) -> str:
        return obj.number or f"draft #{obj.pk}"

    @admin.display(description="Month", ordering="period_start")
    def month(self, obj: Invoice) -> str:
        return obj.month

    @admin.display(description="Lines", ordering="lines_n")
    def line_count(self, obj: Invoice) -> int:
        return obj.lines_n  # type: ignore[attr-defined]  # annotated in get_queryset

    @admin.display(description="CSV")
    def csv_link(self, obj: Invoice) -> str:
        url = reverse("admin:billing_invoice_csv", args=[obj.pk])
        return format_html('<a href="{}">download</a>', url)

    def get_urls(self):
        extra = [
            path(
                "<int:invoice_id>/csv/",
                self.admin_site.admin_view(self.csv_view),
                name="billing_invoice_csv",
            )
        ]
        return extra + super().get_urls()

    def csv_view(self, request: HttpRequest, invoice_id: int) -> HttpResponse:
        invoice = get_object_or_404(self.get_queryset(request), pk=invoice_id)
        if not self.has_view_permission(request, invoice):
            return HttpResponse(status=403)
        response = HttpResponse(invoice_csv(invoice), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{invoice_csv_filename(invoice)}"'
        return response

    @admin.action(description="Finalize selected drafts (number, credits, freeze)")
    def finalize_selected(self, request: HttpRequest, queryset: QuerySet[Invoice]) -> None:
        if not _may_resolve(self, request):
            return
        done, failed = 0, []
        for invoice_id in queryset.order_by("id").values_list("pk", flat=True):
            try:
                finalize(invoice_id, actor=_operator(request))
                done += 1
            except DomainError as exc:
                failed.append(exc.message)
        if done:
            self.message_user(request, f"Finalized {done} invoice(s).", messages.SUCCESS)
        for message in failed:
            self.message_user(request, message, messages.ERROR)

    @admin.action(description="Void selected finalized invoices (reason required)")
    def void_selected(self, request: HttpRequest, queryset: QuerySet[Invoice]) -> None:
        if not _may_resolve(self, request):
            return
        reason = (request.POST.get("reason") or "").strip()
        if not reason:
            self.message_user(
                request, "Type a void reason next to the action first.", messages.ERROR
            )
            return
        done, failed = 0, []
        for invoice_id in queryset.order_by("id").values_list("pk", flat=True):
            try:
                void(invoice_id, reason=reason, actor=_operator(request))
                done += 1
            except DomainError as exc:
                failed.append(exc.message)
        if done:
            self.message_user(request, f"Voided {done} invoice(s).", messages.SUCCESS)
        for message in failed:
            self.message_user(request, message, messages.ERROR)

    @admin.action(description="Download selected as CSV")
    def download_csv(self, request: HttpRequest, queryset: QuerySet[Invoice]) -> HttpResponse:
        parts = []
        for invoice in queryset.select_related("tenant").order_by("period_start", "id"):
            parts.append(f"# {invoice} ({invoice.status})\n{invoice_csv(invoice)}")
        response = HttpResponse("\n".join(parts), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="invoices.csv"'
        return response


class ReconciliationLineInline(ViewOnlyInline):
    model = ReconciliationLine
    fields = (
        "status",
        "provider_resource_id",
        "resource",
        "description",
        "our_cost",
        "provider_amount",
        "difference",
    )
    readonly_fields = fields
    ordering = ["status", "id"]


@admin.register(Reconciliation)
class ReconciliationAdmin(ViewOnlyAdmin):
    list_display = [
        "id",
        "month",
        "our_total",
        "provider_total",
        "difference",
        "tolerance",
        "mismatches",
        "lines_link",
        "created_at",
    ]
    list_filter = ["period_start"]
    readonly_fields = [
        "period_start",
        "provider_invoice",
        "currency",
        "our_total",
        "provider_total",
        "difference",
        "tolerance",
        "actor",
        "created_at",
        "lines_link",
    ]
    fields = tuple(readonly_fields)
    inlines = [ReconciliationLineInline]

    def get_queryset(self, request):
        from django.db.models import Q

        return (
            super()
            .get_queryset(request)
            .annotate(not_matched=Count("lines", filter=~Q(lines__status="matched")))
        )

    @admin.display(description="Month", ordering="period_start")
    def month(self, obj: Reconciliation) -> str:
        return f"{obj.period_start:%Y-%m}"

    @admin.display(description="Not matched", ordering="not_matched")
    def mismatches(self, obj: Reconciliation) -> int:
        return obj.not_matched  # type: ignore[attr-defined]  # annotated in get_queryset

    @admin.display(description="Lines by status")
    def lines_link(self, obj: Reconciliation) -> str:
        url = reverse("admin:billing_reconciliationline_changelist")
        return format_html('<a href="{}?reconciliation__id__exact={}">lines</a>', url, obj.pk)


@admin.register(ReconciliationLine)
class ReconciliationLineAdmin(ViewOnlyAdmin):
    list_display = [
        "provider_resource_id",
        "status",
        "our_cost",
        "provider_amount",
        "difference",
        "resource",
        "reconciliation",
    ]
    list_filter = ["status", "reconciliation"]
    list_select_related = ["resource", "reconciliation"]
    search_fields = ["provider_resource_id", "description"]


class ProviderInvoiceItemInline(ViewOnlyInline):
    model = ProviderInvoiceItem
    fields = (
        "product",
        "resource_id",
        "resource_uuid",
        "description",
        "amount",
        "duration",
    )
    readonly_fields = fields


@admin.register(ProviderInvoice)
class ProviderInvoiceAdmin(ViewOnlyAdmin):
    list_display = ["invoice_period", "invoice_uuid", "amount", "currency", "fetched_at"]
    exclude = ["raw"]
    inlines = [ProviderInvoiceItemInline]


@admin.register(Price)
class PriceAdmin(ViewOnlyAdmin):
    list_display = [
        "size_slug",
        "kind",
        "price_hourly",
        "price_monthly",
        "currency",
        "valid_from",
        "valid_to",
    ]
    list_filter = ["kind", "currency", "size_slug"]
    search_fields = ["size_slug"]


@admin.register(Account)
class AccountAdmin(ConfigHistoryMixin, admin.ModelAdmin):
    list_display = ["tenant", "markup_percent", "currency", "updated_at"]
    list_select_related = ["tenant"]
    search_fields = ["tenant__name"]
    fields = ["tenant", "markup_percent", "currency", "change_history"]
    readonly_fields = ["change_history"]

    def save_model(self, request, obj: Account, form, change) -> None:
        save_account(obj, actor=request.user.get_username())

    def has_delete_permission(self, request, obj=None) -> bool:
        # No row means 0 % and USD: deleting one would change the terms unaudited.
        return False


class CreditForm(forms.ModelForm):
    class Meta:
        model = Credit
        fields = ["tenant", "amount", "currency", "expires_at", "reason"]

    def clean(self) -> dict:
        data = super().clean() or {}
        if self.instance.pk is None and "amount" in data and "reason" in data:
            try:
                validate_credit(data["amount"], data["reason"])
            except InvalidInput as exc:
                self.add_error(exc.field if exc.field in self.fields else None, exc.message)
        return data


@admin.register(Credit)
class CreditAdmin(admin.ModelAdmin):
    list_display = ["tenant", "amount", "remaining", "currency", "expires_at", "reason"]
    list_filter = ["currency", "tenant"]
    list_select_related = ["tenant"]
    search_fields = ["tenant__name", "reason"]

    form = CreditForm

    def get_readonly_fields(self, request, obj=None):
        # Once granted, a credit is history (it may have been applied already): the
        # console grants through the service and never edits a granted one.
        if obj:
            return ["tenant", "amount", "remaining", "currency", "expires_at", "reason"]
        return ["remaining", "created_at"]

    def save_model(self, request, obj: Credit, form, change):
        if change:
            return
        granted = grant_credit(
            obj.tenant,
            obj.amount,
            reason=obj.reason,
            currency=obj.currency,
            expires_at=obj.expires_at,
            actor=request.user.get_username(),
        )
        obj.pk, obj.remaining, obj.reason = granted.pk, granted.remaining, granted.reason

    def has_delete_permission(self, request, obj=None):
        return False
