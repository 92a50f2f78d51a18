"""The operator console for billing. Invoices, lines, segments, DO's invoices and
reconciliations are written only by services: here they are read, and invoices are
finalized, voided (with a reason) and downloaded as CSV, from the list (many at once) or
from an invoice's own page (`arcadia.page_actions`: a confirmation page saying what will
happen, and a reason that is kept). Accounts and credits are the operator's to edit.

Money is shown with `billing.money` (two decimals with the currency; prices at their
stored precision). Long lists of lines (an invoice's, a reconciliation's, DO's items) come
a page of 50 at a time under per-product counts and sums, never one inline of everything.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.core.paginator import Page, Paginator
from django.db.models import Count, Q, QuerySet, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from arcadia.admin import ViewOnlyAdmin, ViewOnlyInline
from arcadia.diffs import render_changes
from arcadia.errors import DomainError, InvalidInput
from arcadia.page_actions import PageAction, PageActionsMixin, Preview
from billing.exports import invoice_csv, invoice_csv_filename
from billing.meters import PRODUCT_LABEL
from billing.models import (
    Account,
    Credit,
    CreditApplication,
    DraftChange,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    Price,
    ProviderInvoice,
    Reconciliation,
    ReconciliationLine,
    ReconciliationReason,
    ReconciliationStatus,
)
from billing.money import format_money, format_number, format_price, money_column, price_column
from billing.periods import has_ended
from billing.services.accounts import save_account
from billing.services.credits import credits_would_apply, grant_credit, validate_credit
from billing.services.invoices import finalize, void
from billing.services.invoices.lifecycle import next_number
from billing.services.prices import set_price
from tenants.admin import ConfigHistoryMixin
from tenants.roles import is_platform_admin

# Lines per page on an invoice's, a reconciliation's or DO's invoice's page and in their
# changelists: the page stays a screen or two tall whatever the count (thousands of lines
# in a month).
LINES_PER_PAGE = 50


def _page(request: HttpRequest, queryset: QuerySet, param: str = "lines_page") -> Page:
    return Paginator(queryset, LINES_PER_PAGE).get_page(request.GET.get(param))


def _per(unit: str) -> str:
    return "GiB-month" if unit == "GiB-months" else "hour"


def _product(product: str) -> str:
    return PRODUCT_LABEL.get(product, product)


def _line_row(line: InvoiceLine) -> dict[str, str]:
    """An invoice line as the console shows it (money at two decimals with currency)."""
    return {
        "product": _product(line.product),
        "description": line.description or f"{line.urn} ({line.size_slug})",
        "project": line.project_name,
        "quantity": f"{format_number(line.quantity)} {line.unit}",
        "unit_price": format_price(line.unit_price, line.currency, _per(line.unit)),
        "amount": format_money(line.amount, line.currency),
    }


def _operator(request: HttpRequest) -> str:
    return f"console:{request.user.get_username()}"


def _may_resolve(modeladmin: admin.ModelAdmin, request: HttpRequest) -> bool:
    if is_platform_admin(request.user):
        return True
    modeladmin.message_user(request, "Only platform admins may do this.", messages.ERROR)
    return False


def _invoice_currency(obj: Any) -> str:
    return str(obj.invoice.currency)


def _reconciliation_currency(obj: Any) -> str:
    return str(obj.reconciliation.currency)


def _provider_invoice_currency(obj: Any) -> str:
    return str(obj.provider_invoice.currency)


class CreditApplicationInline(ViewOnlyInline):
    model = CreditApplication
    fields = ("credit", "amount_money", "applied_at", "returned_at")
    readonly_fields = fields
    amount_money = money_column("amount", "Amount", currency=_invoice_currency)


class VoidActionForm(ActionForm):
    reason = forms.CharField(
        required=False, label="Void reason", widget=forms.TextInput(attrs={"size": 40})
    )


# The invoice page's buttons (arcadia.page_actions); the list's actions do the same to many.
FINALIZE = PageAction(
    name="finalize",
    label="Finalize…",
    verb="Finalize this invoice",
    permission="resolve",
    needs="the platform-admin role",
    comment_label="Why finalize now, optional",
)
VOID = PageAction(
    name="void",
    label="Void…",
    verb="Void this invoice",
    permission="resolve",
    needs="the platform-admin role",
    comment_label="Void reason, required",
)

# An invoice's page, top to bottom: what it bills and its money, then its lifecycle, then
# the record of how it was made (folded: the fingerprint and timestamps are for audits).
# (Any: django-stubs types fieldsets with a private TypedDict.)
INVOICE_FIELDSETS: Any = (
    (
        None,
        {
            "fields": (
                ("tenant", "month", "status"),
                ("number", "rule", "currency"),
                ("markup_percent", "subtotal_money", "credits_money", "total_money"),
                ("csv_link", "lines_link"),
            )
        },
    ),
    (
        "Lifecycle",
        {
            "fields": (
                ("finalized_at", "finalized_by"),
                "finalize_reason",
                ("voided_at", "voided_by"),
                "void_reason",
                "replaces",
                "draft_history",
            )
        },
    ),
    (
        "Record",
        {
            "classes": ("collapse",),
            "fields": (
                ("period_start", "period_end"),
                "fingerprint",
                ("created_at", "updated_at"),
            ),
        },
    ),
)


def _product_groups(invoice: Invoice) -> list[dict[str, Any]]:
    """The invoice's lines by product: how many and their amount, each linking to its
    lines in the changelist."""
    url = reverse("admin:billing_invoiceline_changelist")
    rows = (
        invoice.lines.order_by()
        .values("product")
        .annotate(n=Count("id"), amount=Sum("amount"))
        .order_by("product")
    )
    return [
        {
            "product": _product(row["product"]),
            "count": row["n"],
            "amount": format_money(row["amount"], invoice.currency),
            "url": f"{url}?invoice__id__exact={invoice.pk}&product__exact={row['product']}",
        }
        for row in rows
    ]


def _totals(invoice: Invoice) -> list[tuple[str, str]]:
    """What the invoice's money adds up to, as the model keeps it: each line's amount
    includes the markup, subtotal = their sum, total = subtotal - credits."""
    currency = invoice.currency
    credits = format_money(invoice.credits_total, currency)
    if invoice.status == InvoiceStatus.DRAFT:
        credits += " (applied when finalized)"
    return [
        ("Markup", f"{format_number(invoice.markup_percent)} % (in each line's amount)"),
        ("Subtotal", format_money(invoice.subtotal, currency)),
        ("Credits applied", credits),
        ("Total", format_money(invoice.total, currency)),
    ]


def _with_changes(summary: SafeString, changes: dict[str, list[Any]]) -> SafeString:
    """A confirmation's prose, then the invoice's fields as they change (the console's
    diff renderer, as a drift's accept page shows its spec); the fields that change only."""
    changes = {field: pair for field, pair in changes.items() if pair[0] != pair[1]}
    return format_html(
        '{}<p>Its fields:</p><div class="invoice-changes">{}</div>',
        summary,
        render_changes(changes),
    )


@admin.register(Invoice)
class InvoiceAdmin(PageActionsMixin, ViewOnlyAdmin):
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
    page_actions = (FINALIZE, VOID)
    change_form_template = "admin/billing/invoice/change_form.html"
    # Lines are not an inline: the change form shows one page of them above the totals
    # (`change_view`), and the lines changelist all of them, filtered by invoice.
    inlines = [CreditApplicationInline]
    fieldsets = INVOICE_FIELDSETS
    readonly_fields = [
        field
        for _, options in INVOICE_FIELDSETS
        for row in options["fields"]
        for field in (row if isinstance(row, tuple) else (row,))
    ]

    subtotal_money = money_column("subtotal", "Subtotal")
    credits_money = money_column("credits_total", "Credits")
    total_money = money_column("total", "Total")

    def get_fieldsets(self, request, obj=None):
        """The lifecycle block says only what has happened: a draft has no finalized or
        void fields to show (a page of dashes), a first invoice replaces none."""
        if obj is None:
            return INVOICE_FIELDSETS
        shown: list[Any] = []
        if obj.status != InvoiceStatus.DRAFT:
            shown += [("finalized_at", "finalized_by"), "finalize_reason"]
        if obj.status == InvoiceStatus.VOID:
            shown += [("voided_at", "voided_by"), "void_reason"]
        if obj.replaces_id:
            shown.append("replaces")
        shown.append("draft_history")
        header, lifecycle, record = INVOICE_FIELDSETS
        return (header, (lifecycle[0], {"fields": tuple(shown)}), record)

    def get_inlines(self, request, obj=None):
        # The credits it spent, once finalized; a draft has spent none.
        if obj is None or not obj.credit_applications.exists():
            return []
        return super().get_inlines(request, obj)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        invoice = self.get_object(request, object_id)
        if invoice is not None:
            page = _page(request, invoice.lines.order_by("product", "id"))
            extra_context = {
                **(extra_context or {}),
                "line_page": page,
                "line_rows": [_line_row(line) for line in page],
                "product_groups": _product_groups(invoice),
                "totals": _totals(invoice),
            }
        return super().change_view(request, object_id, form_url, extra_context)

    # -- permissions: read-only, except the actions ------------------------------

    def has_resolve_permission(self, request: HttpRequest) -> bool:
        return is_platform_admin(request.user)

    def page_action_buttons(self, obj: Invoice) -> list[dict[str, str]]:
        # Only the step its status allows (a stale link still gets a page saying why not).
        allowed: dict[str, str] = {InvoiceStatus.DRAFT: "finalize", InvoiceStatus.FINALIZED: "void"}
        return [b for b in super().page_action_buttons(obj) if b["name"] == allowed.get(obj.status)]

    # -- the page's actions: finalize and void (arcadia.page_actions) -------------

    def finalize_preview(self, request: HttpRequest, obj: Invoice) -> Preview:
        now = timezone.now()
        refusal = ""
        if obj.status != InvoiceStatus.DRAFT:
            refusal = f"Invoice {obj} is {obj.status}; only a draft is finalized."
        elif not has_ended(obj.period_start, now=now):
            refusal = (
                f"{obj.month} has not ended: its draft is month to date and cannot be "
                "finalized yet."
            )
        if refusal:
            return Preview(mark_safe("<p>Nothing changes.</p>"), refusal=refusal)
        credits = credits_would_apply(obj, now=now)
        summary = format_html(
            "<p>Draft #{} of {} for {} becomes <strong>finalized</strong>:</p><ol>"
            "<li>It gets the number <strong>{}</strong>, the month's next from its gapless "
            "counter (taken when you confirm: someone finalizing at the same time may take "
            "this one first).</li>"
            "<li>The tenant's usable credits apply, oldest expiry first: {}.</li>"
            "<li>Its total becomes <strong>{}</strong> (subtotal {} - credits {}).</li>"
            '<li class="irreversible">Its lines and money freeze: generation can no longer '
            "regenerate or remove it, and the tenant sees it. Only voiding it undoes it.</li>"
            "</ol>",
            obj.pk,
            obj.tenant,
            obj.month,
            next_number(obj.period_start),
            format_money(credits, obj.currency),
            format_money(obj.subtotal - credits, obj.currency),
            format_money(obj.subtotal, obj.currency),
            format_money(credits, obj.currency),
        )
        return Preview(
            _with_changes(
                summary,
                {
                    "status": [obj.status, InvoiceStatus.FINALIZED.value],
                    "number": [None, next_number(obj.period_start)],
                    "credits_total": [
                        format_money(obj.credits_total, obj.currency),
                        format_money(credits, obj.currency),
                    ],
                    "total": [
                        format_money(obj.total, obj.currency),
                        format_money(obj.subtotal - credits, obj.currency),
                    ],
                },
            )
        )

    def finalize_perform(self, request: HttpRequest, obj: Invoice, comment: str) -> str:
        done = finalize(obj.pk, actor=_operator(request), reason=comment)
        return (
            f"Finalized invoice {done.number}: total {format_money(done.total, done.currency)} "
            f"(credits {format_money(done.credits_total, done.currency)})."
        )

    def void_preview(self, request: HttpRequest, obj: Invoice) -> Preview:
        if obj.status != InvoiceStatus.FINALIZED:
            return Preview(
                mark_safe("<p>Nothing changes.</p>"),
                refusal=f"Invoice {obj} is {obj.status}; only a finalized one is voided.",
            )
        credits = obj.credit_applications.filter(returned_at__isnull=True).aggregate(
            total=Sum("amount")
        )["total"] or Decimal("0.00")
        summary = format_html(
            "<p>Invoice <strong>{}</strong> ({}, total {}) becomes <strong>void</strong>:</p>"
            "<ol>"
            "<li>It stays on record with your reason, and the tenant still sees it, marked "
            "void, with that reason. Its number is never given to another invoice.</li>"
            "<li>The credits it spent go back to their credits: {}.</li>"
            "<li>The tenant's {} is open again: the next generation writes a new draft that "
            "replaces this invoice, to be finalized with a new number.</li>"
            '<li class="irreversible">A void invoice never changes again.</li>'
            "</ol>",
            obj.number,
            obj.month,
            format_money(obj.total, obj.currency),
            format_money(credits, obj.currency),
            obj.month,
        )
        return Preview(
            _with_changes(
                summary,
                {"status": [obj.status, InvoiceStatus.VOID.value], "void_reason": ["", "(yours)"]},
            )
        )

    def void_perform(self, request: HttpRequest, obj: Invoice, comment: str) -> str:
        done = void(obj.pk, reason=comment, actor=_operator(request))
        return f"Voided invoice {done.number}: its credits went back; a new draft may replace it."

    # -- columns and fields ------------------------------------------------------

    @admin.display(description="All lines")
    def lines_link(self, obj: Invoice) -> str:
        url = reverse("admin:billing_invoiceline_changelist")
        return format_html('<a href="{}?invoice__id__exact={}">every line</a>', url, obj.pk)

    @admin.display(description="Draft history")
    def draft_history(self, obj: Invoice) -> SafeString:
        # DraftChange keeps what happened and a note, not field diffs: a list, not a diff.
        changes = DraftChange.objects.filter(invoice_id=obj.pk).order_by("occurred_at", "id")
        items = format_html_join(
            "",
            "<li>{} by {} at {}{}</li>",
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
        return format_html('<ul class="draft-history">{}</ul>', items) if items else mark_safe("-")

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

    # -- the list's actions ------------------------------------------------------

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


# A line's page: what it bills and its money readable; `cost` (before markup, kept to 12
# places) at two decimals too; the CSV and the API carry it unrounded.
INVOICE_LINE_PAGE = (
    "invoice",
    "product_label",
    "description",
    "urn",
    "project_name",
    "size_slug",
    "usage_start",
    "usage_end",
    "seconds",
    "quantity_unit",
    "unit_price_text",
    "price_hourly_text",
    "price_monthly_text",
    "capped",
    "cost_money",
    "amount_money",
)


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
    readonly_fields = INVOICE_LINE_PAGE
    fields = INVOICE_LINE_PAGE

    amount_money = money_column("amount", "Amount")
    cost_money = money_column("cost", "Cost before markup")
    price_hourly_text = price_column("price_hourly", "Price per hour", per="hour")
    price_monthly_text = price_column("price_monthly", "Price per month", per="month")

    @admin.display(description="Product", ordering="product")
    def product_label(self, obj: InvoiceLine) -> str:
        return _line_row(obj)["product"]

    @admin.display(description="Quantity", ordering="quantity")
    def quantity_unit(self, obj: InvoiceLine) -> str:
        return _line_row(obj)["quantity"]

    @admin.display(description="Unit price", ordering="unit_price")
    def unit_price_text(self, obj: InvoiceLine) -> str:
        return _line_row(obj)["unit_price"]


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
            "ours": format_money(row["ours"], currency),
            "theirs": format_money(row["theirs"], currency),
            "difference": format_money(row["difference"], currency),
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
        "tolerance_money",
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
        "tolerance_money",
        "actor",
        "created_at",
        "lines_link",
    ]
    fields = tuple(readonly_fields)

    ours_money = money_column("our_total", "Ours")
    theirs_money = money_column("provider_total", "DO's")
    difference_money = money_column("difference", "Difference (ours - DO's)")
    tolerance_money = money_column("tolerance", "Tolerance")

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
            page = _page(request, lines)
            currency = reconciliation.currency
            extra_context = {
                **(extra_context or {}),
                "groups": _groups(reconciliation),
                "line_page": page,
                "line_rows": [
                    {
                        "status": line.get_status_display(),
                        "matched": line.status == ReconciliationStatus.MATCHED,
                        "product": line.product or "-",
                        "resource_id": line.provider_resource_id,
                        "description": line.description,
                        "ours": format_money(line.our_cost, currency),
                        "theirs": format_money(line.provider_amount, currency),
                        "difference": format_money(line.difference, currency),
                        "reason": line.get_reason_display() or "-",
                    }
                    for line in page
                ],
            }
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.display(description="Month", ordering="period_start")
    def month(self, obj: Reconciliation) -> str:
        return f"{obj.period_start:%Y-%m}"

    @admin.display(description="Not matched", ordering="not_matched")
    def mismatches(self, obj: Reconciliation) -> int:
        return obj.not_matched  # type: ignore[attr-defined]  # annotated in get_queryset

    @admin.display(description="Lines")
    def lines_link(self, obj: Reconciliation) -> str:
        url = reverse("admin:billing_reconciliationline_changelist")
        return format_html('<a href="{}?reconciliation__id__exact={}">every line</a>', url, obj.pk)


RECONCILIATION_LINE_PAGE = (
    "reconciliation",
    ("status", "reason"),
    "product",
    ("provider_resource_id", "resource"),
    "description",
    ("ours_money", "theirs_money", "difference_money"),
)


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
    fields = RECONCILIATION_LINE_PAGE
    readonly_fields = [
        field
        for row in RECONCILIATION_LINE_PAGE
        for field in (row if isinstance(row, tuple) else (row,))
    ]

    ours_money = money_column("our_cost", "Ours", currency=_reconciliation_currency)
    theirs_money = money_column("provider_amount", "DO's", currency=_reconciliation_currency)
    difference_money = money_column("difference", "Difference", currency=_reconciliation_currency)


@admin.register(ProviderInvoice)
class ProviderInvoiceAdmin(ViewOnlyAdmin):
    """DO's invoice: its items a page at a time under per-product counts and sums (a
    month has hundreds), like an invoice's lines."""

    list_display = ["invoice_period", "invoice_uuid", "amount_money", "fetched_at"]
    fields = ("invoice_period", "invoice_uuid", "invoice_id", "amount_money", "fetched_at")
    readonly_fields = fields
    change_form_template = "admin/billing/providerinvoice/change_form.html"

    amount_money = money_column("amount", "Amount")

    def change_view(self, request, object_id, form_url="", extra_context=None):
        provider_invoice = self.get_object(request, object_id)
        if provider_invoice is not None:
            items = provider_invoice.items.order_by("product", "id")
            currency = provider_invoice.currency
            page = _page(request, items)
            extra_context = {
                **(extra_context or {}),
                "product_groups": [
                    {
                        "product": row["product"] or "-",
                        "count": row["n"],
                        "amount": format_money(row["amount"], currency),
                    }
                    for row in items.order_by("product")
                    .values("product")
                    .annotate(n=Count("id"), amount=Sum("amount"))
                ],
                "line_page": page,
                "line_rows": [
                    {
                        "product": item.product or "-",
                        "resource": item.resource_id or item.resource_uuid or "-",
                        "description": item.description,
                        "duration": f"{item.duration} {item.duration_unit}".strip(),
                        "amount": format_money(item.amount, currency),
                    }
                    for item in page
                ],
            }
        return super().change_view(request, object_id, form_url, extra_context)


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
        "hourly",
        "monthly",
        "valid_from",
        "valid_to",
        "set_by",
    ]
    list_filter = ["kind", "currency", "size_slug"]
    search_fields = ["size_slug"]
    form = PriceVersionForm

    # At their stored precision (DO's digits), with the currency.
    hourly = price_column("price_hourly", "Hourly", per="hour")
    monthly = price_column("price_monthly", "Monthly", per="month")

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
    list_display = ["tenant", "amount_money", "remaining_money", "expires_at", "reason"]
    list_filter = ["currency", "tenant"]
    list_select_related = ["tenant"]
    search_fields = ["tenant__name", "reason"]

    form = CreditForm

    amount_money = money_column("amount", "Amount")
    remaining_money = money_column("remaining", "Remaining")

    # Once granted, a credit is history (it may have been applied already): the console
    # grants through the service and never edits a granted one.
    GRANTED = ["tenant", "amount_money", "remaining_money", "expires_at", "reason", "created_at"]

    def get_fields(self, request, obj=None):
        if obj:
            return self.GRANTED
        return super().get_fields(request, obj)

    def get_readonly_fields(self, request, obj=None):
        if obj:
            return self.GRANTED
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
