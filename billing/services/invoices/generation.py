"""Invoice generation (DESIGN.md, "Invoices", "Money", "Tenant").

`generate_month` (and `generate` for one tenant) runs in one transaction: the month's lock
(the segments are shared by every tenant of the month), then each tenant's
(tenant, month) lock, which finalize and void take too. It rebuilds the month's segments
from the inventory, prices them with the month's price book, and per tenant either
writes nothing (a draft with the same fingerprint, or a finalized invoice), rewrites the
draft, creates one (replacing the last void invoice, if any), or removes a draft whose
usage has gone. A tenant with no usage gets no invoice; a future month is refused; the
current month gives a month-to-date draft.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from itertools import groupby
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from arcadia.errors import Conflict
from arcadia.locks import xact_lock
from billing import pricing
from billing.meters import PRODUCT_LABEL, Product, Unit
from billing.meters.base import quantity_text
from billing.meters.compute import BACKUP_KEY_SEP
from billing.meters.networking import LB_NODE_KEY
from billing.models import (
    DEFAULT_CURRENCY,
    LINE_FIELDS,
    Account,
    DraftChange,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    Price,
    Rule,
)
from billing.periods import month_text, next_month, refuse_future
from billing.services import bulk
from billing.services.corrections import correction_note
from billing.services.month import prepare_month
from billing.services.prices import PriceBook, refresh_prices
from billing.services.usage import Costs, Usage, month_usage, owner_share, usage_total
from tenants.models import Tenant

PERCENT_EXP = Decimal("0.001")


def invoice_lock_name(tenant_id: int, month: date) -> str:
    return f"billing:invoice:{tenant_id}:{month:%Y-%m}"


class InvoiceOutcome(StrEnum):
    """What generation did to one tenant's invoice."""

    CREATED = "created"
    REWRITTEN = "rewritten"
    UNCHANGED = "unchanged"
    FINALIZED = "finalized (untouched)"
    REMOVED = "removed"


# The outcomes that wrote something.
WRITES = frozenset({InvoiceOutcome.CREATED, InvoiceOutcome.REWRITTEN, InvoiceOutcome.REMOVED})


@dataclass(frozen=True, kw_only=True)
class TenantInvoice:
    """What generation did for one tenant."""

    tenant_id: int
    tenant_name: str
    invoice_id: int | None  # None once removed
    number: str | None
    status: str  # the invoice's status, or "removed"
    outcome: InvoiceOutcome
    lines: int
    subtotal: Decimal
    total: Decimal
    currency: str

    @classmethod
    def of(
        cls, invoice: Invoice, tenant_name: str, outcome: InvoiceOutcome, lines: int
    ) -> TenantInvoice:
        removed = outcome == InvoiceOutcome.REMOVED
        return cls(
            tenant_id=invoice.tenant_id,
            tenant_name=tenant_name,
            invoice_id=None if removed else invoice.pk,
            number=invoice.number,
            status=InvoiceOutcome.REMOVED.value if removed else invoice.status,
            outcome=outcome,
            lines=lines,
            subtotal=invoice.subtotal,
            total=invoice.total,
            currency=invoice.currency,
        )


@dataclass
class Generation:
    month: date
    rule: Rule
    invoices: list[TenantInvoice] = field(default_factory=list)
    unallocated_cost: Decimal = Decimal("0.00")  # USD, before markup, rounded per line
    segments_inserted: int = 0
    segments_deleted: int = 0

    @property
    def wrote(self) -> bool:
        return bool(self.segments_inserted or self.segments_deleted) or any(
            i.outcome in WRITES for i in self.invoices
        )


@dataclass(frozen=True)
class _Terms:
    currency: str
    markup: Decimal


def _terms(tenant_ids: Iterable[int]) -> dict[int, _Terms]:
    """Each tenant's markup and currency; no account row means 0 %, USD."""
    terms = {tid: _Terms(DEFAULT_CURRENCY, Decimal("0.000")) for tid in tenant_ids}
    for account in Account.objects.filter(tenant_id__in=list(terms)):
        terms[account.tenant_id] = _Terms(
            account.currency, account.markup_percent.quantize(PERCENT_EXP)
        )
    return terms


def _canon(value: Any) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


LINE_COLUMNS = ("resource_id", *LINE_FIELDS)
_COPY_LINES_SQL = f"COPY billing_invoice_lines (invoice_id, {', '.join(LINE_COLUMNS)}) FROM STDIN"
_AMOUNT = LINE_COLUMNS.index("amount")


class _Draft:
    """One tenant's invoice as it is priced. Each line, as it streams past, goes into the
    fingerprint (lines, prices, markup, rule: equal inputs, equal hash) and into a COPY
    spool; memory holds none of them."""

    def __init__(self, rule: Rule, terms: _Terms) -> None:
        header = f"{rule}|{terms.currency}|{_canon(terms.markup)}\n"
        self._digest = hashlib.sha256(header.encode())
        self.subtotal = Decimal("0.00")
        self.count = 0
        self._spool = bulk.spool()

    def add(self, values: tuple[Any, ...]) -> None:
        self._digest.update(("|".join(_canon(v) for v in values) + "\n").encode())
        self._spool.write(bulk.row(*values))
        self.subtotal += values[_AMOUNT]
        self.count += 1

    @property
    def fingerprint(self) -> str:
        return self._digest.hexdigest()

    def write_lines(self, invoice_id: int) -> None:
        bulk.copy_from(_COPY_LINES_SQL, self._spool, prefix=f"{invoice_id}\t".encode())

    def close(self) -> None:
        self._spool.close()


def _line(usage: Usage, *, book: PriceBook, costs: Costs, terms: _Terms) -> tuple[Any, ...]:
    """One (tenant, resource, charge) line, in `LINE_COLUMNS` order."""
    price = book.prices[(usage.size_slug, terms.currency)]
    share = owner_share(costs, price, usage)
    quantity, unit_price = billed_quantity(usage, price, share)
    return (
        usage.resource_id,
        usage.product,
        describe(usage),
        usage.urn,
        usage.project_name,
        usage.size_slug,
        usage.usage_start,
        usage.usage_end,
        usage.seconds,
        quantity,
        usage.unit,
        unit_price,
        price.price_hourly,
        price.price_monthly,
        usage_total(costs, price, usage).capped,
        share.cost,
        pricing.line_amount(share.cost, terms.markup),
        terms.currency,
    )


def billed_quantity(usage: Usage, price: Price, share: pricing.Share) -> tuple[Decimal, Decimal]:
    """(quantity in the line's unit, its unit price): hours x count at the hourly price,
    or GiB-months (the cost over the monthly price per GiB) at the monthly price."""
    if usage.unit == Unit.GIB_MONTHS:
        if price.price_monthly <= 0:
            return Decimal(0), price.price_monthly
        return pricing.quantize_quantity(share.cost / price.price_monthly), price.price_monthly
    return pricing.quantize_quantity(share.hours * usage.quantity), price.price_hourly


def describe(usage: Usage) -> str:
    """What a line says: the product, the resource's name, what of it is billed."""
    label = PRODUCT_LABEL.get(usage.product, usage.product)
    if usage.unit == Unit.GIB_MONTHS:
        detail = f"{quantity_text(usage.quantity)} GiB"
    else:
        detail = charge_label(usage)
    name = usage.name or usage.urn
    return f"{label} {name} ({detail})" if detail else f"{label} {name}"


def charge_label(usage: Usage) -> str:
    qty = quantity_text(usage.quantity)
    if usage.product == Product.DROPLET_BACKUP:
        size, _, plan = usage.size_slug.partition(BACKUP_KEY_SEP)
        return f"{size}, {plan}"
    if usage.product == Product.LOAD_BALANCER and usage.size_slug == LB_NODE_KEY:
        return f"{qty} node{'s' if usage.quantity != 1 else ''}"
    if usage.product == Product.DATABASE:
        return f"{usage.size_slug} x {qty} node{'s' if usage.quantity != 1 else ''}"
    if usage.product == Product.APP:
        return f"{usage.size_slug} x {qty}"
    if usage.product == Product.RESERVED_IP:
        return "unassigned"
    if usage.product == Product.KUBERNETES_HA:
        return "HA control plane"
    if usage.product == Product.CONTAINER_REGISTRY:
        return usage.size_slug.removeprefix("registry-")
    return usage.size_slug


def generate(
    tenant: Tenant,
    month: date,
    *,
    actor: str,
    client: Any = None,
    now: datetime | None = None,
) -> Generation:
    """One tenant's invoice for `month` (see `generate_month`)."""
    return generate_month(month, tenant=tenant, actor=actor, client=client, now=now)


def generate_month(
    month: date,
    *,
    tenant: Tenant | None = None,
    actor: str,
    client: Any = None,
    now: datetime | None = None,
) -> Generation:
    """Draft invoices of `month` for every tenant with usage (or one tenant).

    With `client` (a DO client), the price book is refreshed first. A size with no price
    fails the whole generation, naming it, before anything is written."""
    now = now or timezone.now()
    refuse_future(month, now=now)
    if client is not None:
        refresh_prices(client, now=now)
    rule = pricing.rule_for(month)
    result = Generation(month, rule)
    terms: dict[int, _Terms] = {}

    def prices_needed(usage: set[tuple[int | None, str]]) -> set[tuple[str, str]]:
        # The prices this generation prices with: every owner's (or, for one tenant, its
        # own and the unallocated), each in its owner's currency.
        owners = {t for t, _ in usage if t is not None}
        terms.update(_terms(owners | ({tenant.pk} if tenant else set())))
        return {
            (size, terms[t].currency if t is not None else DEFAULT_CURRENCY)
            for t, size in usage
            if tenant is None or t is None or t == tenant.pk
        }

    with transaction.atomic():
        month_ = prepare_month(month, prices_needed=prices_needed)
        plan, book = month_.plan, month_.book
        result.segments_inserted, result.segments_deleted = plan.to_insert, len(plan.to_delete)
        owners = {t for t, _ in plan.usage if t is not None}

        live = Invoice.objects.filter(period_start=month).exclude(status=InvoiceStatus.VOID)
        if tenant is not None:
            tenant_ids = [tenant.pk]
        else:
            tenant_ids = sorted(owners | set(live.values_list("tenant_id", flat=True)))
        # Every (tenant, month) lock in one statement, in key order.
        xact_lock(*(invoice_lock_name(tid, month) for tid in tenant_ids))
        existing: dict[int, list[Invoice]] = {}
        for invoice in live.filter(tenant_id__in=tenant_ids):
            existing.setdefault(invoice.tenant_id, []).append(invoice)
        names = dict(Tenant.objects.filter(pk__in=tenant_ids).values_list("pk", "name"))
        # A new draft replaces the tenant's last void invoice of the month (if any).
        replaces: dict[tuple[int, str], int] = {}
        voids = Invoice.objects.filter(
            period_start=month, status=InvoiceStatus.VOID, replaced_by__isnull=True
        ).order_by("voided_at", "id")
        for tid, currency, pk in voids.values_list("tenant_id", "currency", "pk"):
            replaces[(tid, currency)] = pk
        terms.update(_terms(set(tenant_ids) - terms.keys()))

        costs = Costs(rule)
        rows = month_usage(month, tenant_ids=None if tenant is None else tenant_ids)
        for owner, group in groupby(rows, key=lambda u: u.tenant_id):
            if owner is None:
                for usage in group:
                    price = book.prices[(usage.size_slug, DEFAULT_CURRENCY)]
                    result.unallocated_cost += pricing.round_cents(
                        owner_share(costs, price, usage).cost
                    )
                continue
            draft = _Draft(rule, terms[owner])
            try:
                for usage in group:
                    draft.add(_line(usage, book=book, costs=costs, terms=terms[owner]))
                result.invoices.append(
                    _write(
                        owner,
                        names.get(owner, str(owner)),
                        month,
                        rule,
                        terms[owner],
                        draft,
                        existing.pop(owner, []),
                        replaces,
                        actor=actor,
                    )
                )
            finally:
                draft.close()
        for owner, invoices in sorted(existing.items()):
            for invoice in invoices:
                result.invoices.append(
                    _remove_if_draft(invoice, names.get(owner, str(owner)), actor=actor)
                )
    return result


def _write(
    tenant_id: int,
    tenant_name: str,
    month: date,
    rule: Rule,
    terms: _Terms,
    draft: _Draft,
    existing: list[Invoice],
    replaces: dict[tuple[int, str], int],
    *,
    actor: str,
) -> TenantInvoice:
    subtotal, print_ = draft.subtotal, draft.fingerprint
    current = None
    for invoice in existing:
        if invoice.currency == terms.currency:
            current = invoice
        else:  # the account changed currency: a draft in the old one has no usage left
            _remove_if_draft(invoice, tenant_name, actor=actor)

    if current is not None and current.status != InvoiceStatus.DRAFT:
        return TenantInvoice.of(
            current, tenant_name, InvoiceOutcome.FINALIZED, current.lines.count()
        )
    if current is not None and current.fingerprint == print_:
        return TenantInvoice.of(current, tenant_name, InvoiceOutcome.UNCHANGED, draft.count)

    values = {
        "rule": rule,
        "markup_percent": terms.markup,
        "subtotal": subtotal,
        "credits_total": Decimal("0.00"),
        "total": subtotal,
        "fingerprint": print_,
    }
    if current is not None:
        written = Invoice.objects.filter(pk=current.pk, status=InvoiceStatus.DRAFT).update(
            **values, updated_at=timezone.now()
        )
        if written != 1:  # cannot happen under the tenant's lock; refuse rather than guess
            raise Conflict(f"Invoice {current.pk} changed while it was being regenerated.")
        InvoiceLine.objects.filter(invoice_id=current.pk).delete()
        invoice, what = current, InvoiceOutcome.REWRITTEN
        for name, value in values.items():
            setattr(invoice, name, value)
    else:
        try:
            # No savepoint: under the tenant's lock this cannot collide, and if it ever
            # did, the whole generation rolls back with the Conflict.
            invoice = Invoice.objects.create(
                tenant_id=tenant_id,
                period_start=month,
                period_end=next_month(month),
                currency=terms.currency,
                status=InvoiceStatus.DRAFT,
                replaces_id=replaces.get((tenant_id, terms.currency)),
                **values,
            )
        except IntegrityError as exc:
            raise Conflict(
                f"Tenant {tenant_name} already has an invoice for {month_text(month)}."
            ) from exc
        what = InvoiceOutcome.CREATED
    draft.write_lines(invoice.pk)
    _audit(invoice, what, actor)
    return TenantInvoice.of(invoice, tenant_name, what, draft.count)


def _audit(invoice: Invoice, what: str, actor: str) -> None:
    note = correction_note(invoice.tenant_id, invoice.period_start, invoice.currency)
    DraftChange.objects.create(
        invoice_id=invoice.pk,
        tenant_id=invoice.tenant_id,
        period_start=invoice.period_start,
        currency=invoice.currency,
        what=what,
        actor=actor,
        note=note,
    )


def _remove_if_draft(invoice: Invoice, tenant_name: str, *, actor: str) -> TenantInvoice:
    """A tenant's usage is gone (moved away, or never real): its draft goes with it; a
    finalized invoice stays as it was."""
    if invoice.status == InvoiceStatus.DRAFT:
        InvoiceLine.objects.filter(invoice_id=invoice.pk).delete()
        Invoice.objects.filter(pk=invoice.pk, status=InvoiceStatus.DRAFT).delete()
        _audit(invoice, InvoiceOutcome.REMOVED, actor)
        return TenantInvoice.of(invoice, tenant_name, InvoiceOutcome.REMOVED, 0)
    return TenantInvoice.of(invoice, tenant_name, InvoiceOutcome.FINALIZED, invoice.lines.count())
