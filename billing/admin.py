"""The operator console for billing. Invoices, lines, segments, DO's invoices and
reconciliations are written only by services: here they are read, and invoices are
finalized, voided (with a reason) and downloaded as CSV. Accounts and credits are the
operator's to edit."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.core.paginator import Paginator
from django.db.models import Count, Q, QuerySet, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from arcadia.admin import ViewOnlyAdmin, ViewOnlyInline
from arcadia.errors import DomainError, InvalidInput
from billing.exports import invoice_csv, invoice_csv_filename
from billing.meters import PRODUCT_LABEL
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
    ReconciliationReason,
    ReconciliationStatus,
)
from billing.services.accounts import save_account
from billing.services.credits import grant_credit, validate_credit
from billing.services.invoices import finalize, void
from billing.services.prices import set_price
from tenants.admin import ConfigHistoryMixin
from tenants.roles import is_platform_admin

# Lines per page on an invoice's or a reconciliation's page and in their changelists: the
# page stays a screen or two tall whatever the count (thousands of lines in a month).
LINES_PER_PAGE = 50
MONEY_FIELDS = ("subtotal", "credits_total", "total")


def money(amount, currency: str) -> str:
    """Money as people read it: two decimals, thousands grouped, the currency after."""
    return f"{amount:,.2f} {currency}"


def _number(value) -> str:
    """A quantity or unit price without trailing zeros (0.0089300000 -> 0.00893)."""
    return format(value.normalize(), "f")


def _page(request: HttpRequest, queryset: QuerySet, param: str):
    return Paginator(queryset, LINES_PER_PAGE).get_page(request.GET.get(param))


def _line_row(line: InvoiceLine) -> dict[str, str]:
    """An invoice line as the console shows it (money at two decimals with currency)."""
    return {
        "product": PRODUCT_LABEL.get(line.product, line.product),
        "description": line.description or f"{line.urn} ({line.size_slug})",
        "project": line.project_name,
        "quantity": f"{_number(line.quantity)} {line.unit}",
        "unit_price": f"{_number(line.unit_price)} {line.currency}/{_per(line.unit)}",
        "amount": money(line.amount, line.currency),
    }


def _per(unit: str) -> str:
    return "GiB-month" if unit == "GiB-months" else "hour"


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
        "subtotal_money",
        "credits_money",
        "total_money",
        "csv_link",
    ]
    list_filter = ["status", "period_start", "rule", "currency", "tenant"]
    list_select_related = ["tenant"]
    search_fields = ["number", "tenant__name"]
    ordering = ["-period_start", "tenant__name", "id"]
    action_form = VoidActionForm
    actions = ["finalize_selected", "void_selected", "download_csv"]
    # Lines are not an inline: the change form shows one page of them under the totals
    # (`change_view`), and the lines changelist all of them, filtered by invoice.
    inlines = [CreditApplicationInline]
    readonly_fields = [
        *(f for f in INVOICE_FIELDS if f not in MONEY_FIELDS),
        "subtotal_money",
        "credits_money",
        "total_money",
        "finalized_by",
        "voided_by",
        "draft_history",
        "csv_link",
        "lines_link",
    ]
    fields = tuple(readonly_fields)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        invoice = self.get_object(request, object_id)
        if invoice is not None:
            page = _page(request, invoice.lines.order_by("id"), "lines_page")
            extra_context = {
                **(extra_context or {}),
                "line_page": page,
                "line_rows": [_line_row(line) for line in page],
                "totals": [
                    ("Subtotal", money(invoice.subtotal, invoice.currency)),
                    ("Credits applied", money(invoice.credits_total, invoice.currency)),
                    ("Total", money(invoice.total, invoice.currency)),
                ],
            }
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.display(description="Subtotal", ordering="subtotal")
    def subtotal_money(self, obj: Invoice) -> str:
        return money(obj.subtotal, obj.currency)

    @admin.display(description="Credits", ordering="credits_total")
    def credits_money(self, obj: Invoice) -> str:
        return money(obj.credits_total, obj.currency)

    @admin.display(description="Total", ordering="total")
    def total_money(self, obj: Invoice) -> str:
        return money(obj.total, obj.currency)

    @admin.display(description="All lines")
    def lines_link(self, obj: Invoice) -> str:
        url = reverse("admin:billing_invoiceline_changelist")
        return format_html('<a href="{}?invoice__id__exact={}">every line</a>', url, obj.pk)

    @admin.display(description="Draft history")
    def draft_history(self, obj: Invoice) -> str:
        changes = DraftChange.objects.filter(invoice_id=obj.pk).order_by("occurred_at", "id")
        return (
            format_html_join(
                mark_safe("<br>"),
                "{} by {} at {}{}",
                (
                    (
                        c.what,
                        c.actor,
                        f"{c.occurred_at:%Y-%m-%d %H:%M:%S}",
                        f": {c.note}" * bool(c.note),
                    )
                    for c in changes
                ),
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


@admin.register(InvoiceLine)
class InvoiceLineAdmin(ViewOnlyAdmin):
    """Every line of an invoice, paginated (the invoice's page links here)."""

    list_display = [
        "product_label",
        "description",
        "project_name",
        "quantity_unit",
        "unit_price_text",
        "amount_money",
        "invoice",
    ]
    list_filter = ["product", "unit"]
    list_select_related = ["invoice", "invoice__tenant"]
    list_per_page = LINES_PER_PAGE
    search_fields = ["urn", "description", "project_name"]
    ordering = ["invoice_id", "id"]
    readonly_fields = ["invoice", *LINE_FIELDS]
    fields = tuple(readonly_fields)

    @admin.display(description="Product", ordering="product")
    def product_label(self, obj: InvoiceLine) -> str:
        return _line_row(obj)["product"]

    @admin.display(description="Quantity", ordering="quantity")
    def quantity_unit(self, obj: InvoiceLine) -> str:
        return _line_row(obj)["quantity"]

    @admin.display(description="Unit price", ordering="unit_price")
    def unit_price_text(self, obj: InvoiceLine) -> str:
        return _line_row(obj)["unit_price"]

    @admin.display(description="Amount", ordering="amount")
    def amount_money(self, obj: InvoiceLine) -> str:
        return money(obj.amount, obj.currency)


def _groups(reconciliation: Reconciliation) -> list[dict]:
    """The lines by (status, product): how many, their money, and their reasons."""
    lines = reconciliation.lines.order_by()
    rows = (
        lines.values("status", "product")
        .annotate(
            n=Count("id"),
            ours=Sum("our_cost"),
            theirs=Sum("provider_amount"),
            difference=Sum("difference"),
        )
        .order_by("status", "product")
    )
    reasons: dict[tuple[str, str], list[str]] = {}
    for row in (
        lines.exclude(reason="")
        .values("status", "product", "reason")
        .annotate(n=Count("id"))
        .order_by("status", "product", "reason")
    ):
        label = ReconciliationReason(row["reason"]).label
        reasons.setdefault((row["status"], row["product"]), []).append(f"{label} ({row['n']})")
    url = reverse("admin:billing_reconciliationline_changelist")
    currency = reconciliation.currency
    return [
        {
            "status": ReconciliationStatus(row["status"]).label,
            "product": row["product"] or "-",
            "count": row["n"],
            "ours": money(row["ours"], currency),
            "theirs": money(row["theirs"], currency),
            "difference": money(row["difference"], currency),
            "reasons": "; ".join(reasons.get((row["status"], row["product"]), [])) or "-",
            "url": f"{url}?reconciliation__id__exact={reconciliation.pk}"
            f"&status__exact={row['status']}&product__exact={row['product']}",
        }
        for row in rows
    ]


@admin.register(Reconciliation)
class ReconciliationAdmin(ViewOnlyAdmin):
    list_display = [
        "id",
        "month",
        "ours_money",
        "theirs_money",
        "difference_money",
        "tolerance",
        "mismatches",
        "lines_link",
        "created_at",
    ]
    list_filter = ["period_start"]
    readonly_fields = [
        "period_start",
        "provider_invoice",
        "ours_money",
        "theirs_money",
        "difference_money",
        "tolerance",
        "actor",
        "created_at",
        "lines_link",
    ]
    fields = tuple(readonly_fields)

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(not_matched=Count("lines", filter=~Q(lines__status="matched")))
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # Not an inline of every line (20,000 px for a demo month): the groups, then one
        # page of lines in the same order (status, product).
        reconciliation = self.get_object(request, object_id)
        if reconciliation is not None:
            lines = reconciliation.lines.select_related("resource").order_by(
                "status", "product", "id"
            )
            page = _page(request, lines, "lines_page")
            currency = reconciliation.currency
            extra_context = {
                **(extra_context or {}),
                "groups": _groups(reconciliation),
                "line_page": page,
                "line_rows": [
                    {
                        "status": line.get_status_display(),
                        "product": line.product or "-",
                        "resource_id": line.provider_resource_id,
                        "description": line.description,
                        "ours": money(line.our_cost, currency),
                        "theirs": money(line.provider_amount, currency),
                        "difference": money(line.difference, currency),
                        "reason": line.get_reason_display() or "-",
                    }
                    for line in page
                ],
            }
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.display(description="Month", ordering="period_start")
    def month(self, obj: Reconciliation) -> str:
        return f"{obj.period_start:%Y-%m}"

    @admin.display(description="Ours", ordering="our_total")
    def ours_money(self, obj: Reconciliation) -> str:
        return money(obj.our_total, obj.currency)

    @admin.display(description="DO's", ordering="provider_total")
    def theirs_money(self, obj: Reconciliation) -> str:
        return money(obj.provider_total, obj.currency)

    @admin.display(description="Difference (ours - DO's)", ordering="difference")
    def difference_money(self, obj: Reconciliation) -> str:
        return money(obj.difference, obj.currency)

    @admin.display(description="Not matched", ordering="not_matched")
    def mismatches(self, obj: Reconciliation) -> int:
        return obj.not_matched  # type: ignore[attr-defined]  # annotated in get_queryset

    @admin.display(description="Lines")
    def lines_link(self, obj: Reconciliation) -> str:
        url = reverse("admin:billing_reconciliationline_changelist")
        return format_html('<a href="{}?reconciliation__id__exact={}">every line</a>', url, obj.pk)


@admin.register(ReconciliationLine)
class ReconciliationLineAdmin(ViewOnlyAdmin):
    list_display = [
        "status",
        "product",
        "provider_resource_id",
        "reason",
        "ours_money",
        "theirs_money",
        "difference_money",
        "resource",
        "reconciliation",
    ]
    list_filter = ["status", "product", "reason", "reconciliation"]
    list_select_related = ["resource", "reconciliation"]
    list_per_page = LINES_PER_PAGE
    ordering = ["reconciliation_id", "status", "product", "id"]
    search_fields = ["provider_resource_id", "description"]

    @admin.display(description="Ours", ordering="our_cost")
    def ours_money(self, obj: ReconciliationLine) -> str:
        return money(obj.our_cost, obj.reconciliation.currency)

    @admin.display(description="DO's", ordering="provider_amount")
    def theirs_money(self, obj: ReconciliationLine) -> str:
        return money(obj.provider_amount, obj.reconciliation.currency)

    @admin.display(description="Difference", ordering="difference")
    def difference_money(self, obj: ReconciliationLine) -> str:
        return money(obj.difference, obj.reconciliation.currency)


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


class PriceVersionForm(forms.ModelForm):
    class Meta:
        model = Price
        fields = ["kind", "size_slug", "price_hourly", "price_monthly", "currency", "valid_from"]


@admin.register(Price)
class PriceAdmin(ViewOnlyAdmin):
    """The price book: rows are never edited; an operator adds a new version (effective
    from a date, closing the one in effect) through `set_price`."""

    list_display = [
        "size_slug",
        "kind",
        "price_hourly",
        "price_monthly",
        "currency",
        "valid_from",
        "valid_to",
        "set_by",
    ]
    list_filter = ["kind", "currency", "size_slug"]
    search_fields = ["size_slug"]
    form = PriceVersionForm

    def has_add_permission(self, request, obj=None) -> bool:
        return is_platform_admin(request.user)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if obj is None:
            admin_user = request.user.get_username()

            def clean(this: forms.ModelForm) -> dict[str, Any]:
                data = forms.ModelForm.clean(this) or {}
                if this.errors:
                    return data
                try:
                    this.instance = set_price(
                        kind=data["kind"],
                        size_slug=data["size_slug"],
                        price_hourly=data["price_hourly"],
                        price_monthly=data["price_monthly"],
                        currency=data["currency"],
                        valid_from=data["valid_from"],
                        actor=f"console:{admin_user}",
                    )
                except InvalidInput as exc:
                    raise forms.ValidationError({exc.field or "__all__": exc.message}) from exc
                return data

            form.clean = clean
        return form

    def save_model(self, request, obj: Price, form, change) -> None:
        # `set_price` wrote the version in the form's clean (one transaction, one lock).
        return None


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
