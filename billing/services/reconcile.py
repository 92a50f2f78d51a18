"""Reconciliation with DO's bill (DESIGN.md, "Reconciliation", "Every product").

`reconcile(month)` fetches DO's invoice whose `invoice_period` is the month (the list,
then its items, paginated, with the `billing` token), stores it, and compares per
(DO product, resource) our cost before markup (every tenant and unallocated time together)
with the sum of DO's items for that pair. Products carry DO's names (`billing.products`):
a load balancer and a droplet that share a numeric id are two lines.
- `matched` when |ours - DO's| <= tolerance (default $0.01), else `amount_mismatch`;
- `only_ours` when DO has no item for a resource we metered;
- `only_provider` for a DO item we have no cost for: a product we do not meter, or an id
  the inventory does not know (keyed by `resource_id`, else `resource_uuid`, else the
  description).
Every line but a matched one gets a `ReconciliationReason` (`billing.services.explain`).
Our cost of a resource is the sum of its (resource, size) costs, each rounded half-up to
the cent, as DO rounds each of its items. Every run is a new row.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone

from arcadia.errors import InvalidInput, NotFound
from billing import pricing, products
from billing.announce import announce_mismatches
from billing.metering import parse_instant
from billing.models import (
    DEFAULT_CURRENCY,
    ProviderInvoice,
    ProviderInvoiceItem,
    Reconciliation,
    ReconciliationLine,
    ReconciliationReason,
    ReconciliationStatus,
)
from billing.periods import month_text, refuse_future
from billing.services.explain import Known, Ours, TheirItem, Theirs, explain
from billing.services.month import prepare_month
from billing.services.prices import PriceBook, refresh_prices
from billing.services.usage import Costs
from inventory.models import PROVIDER_DO, CloudResource

DEFAULT_TOLERANCE = Decimal("0.01")

_OUR_USAGE_SQL = """
SELECT s.resource_id, r.provider_id, r.first_seen_at, s.product, s.size_slug, s.quantity,
       sum(EXTRACT(EPOCH FROM s.ended_at - s.started_at))::bigint, min(s.started_at)
  FROM billing_usage_segments s
  JOIN cloud_resources r ON r.id = s.resource_id
 WHERE s.period_start = %s
 GROUP BY s.resource_id, r.provider_id, r.first_seen_at, s.product, s.size_slug, s.quantity
"""

Key = tuple[str, str]  # (DO product, DO resource id)


class NoProviderInvoice(NotFound):
    default_code = "no_provider_invoice"


def _money(value: Any) -> Decimal:
    try:
        return Decimal(str(value)) if value is not None else Decimal("0.00")
    except InvalidOperation:
        return Decimal("0.00")


def fetch_provider_invoice(client: Any, month: date) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """DO's invoice summary for the month and all its items. NoProviderInvoice when DO
    has not issued it yet (it does on the 1st of the next month)."""
    period = month_text(month)
    summary = next((i for i in client.iter_invoices() if i.get("invoice_period") == period), None)
    if summary is None:
        raise NoProviderInvoice(
            f"DO has no invoice for {period} yet (it issues one on the 1st of the next month)."
        )
    items = list(client.iter_invoice_items(str(summary["invoice_uuid"])))
    return summary, items


def _store(month: date, summary: dict[str, Any], items: list[dict[str, Any]], now: datetime):
    provider_invoice, _ = ProviderInvoice.objects.update_or_create(
        provider=PROVIDER_DO,
        invoice_uuid=str(summary["invoice_uuid"]),
        defaults={
            "invoice_id": str(summary.get("invoice_id") or ""),
            "invoice_period": month_text(month),
            "period_start": month,
            "amount": _money(summary.get("amount")),
            "currency": DEFAULT_CURRENCY,
            "raw": _jsonable(summary),
            "fetched_at": now,
        },
    )
    provider_invoice.items.all().delete()
    ProviderInvoiceItem.objects.bulk_create(
        ProviderInvoiceItem(
            provider_invoice=provider_invoice,
            product=str(item.get("product") or ""),
            resource_id=str(item.get("resource_id") or ""),
            resource_uuid=str(item.get("resource_uuid") or ""),
            description=str(item.get("description") or ""),
            project_name=str(item.get("project_name") or ""),
            amount=_money(item.get("amount")),
            duration=str(item.get("duration") or ""),
            duration_unit=str(item.get("duration_unit") or ""),
            start_time=parse_instant(item.get("start_time")),
            end_time=parse_instant(item.get("end_time")),
            raw=_jsonable(item),
        )
        for item in items
    )
    return provider_invoice


def _jsonable(value: Any) -> Any:
    """DO's JSON as parsed (numbers as Decimal) back to JSON-safe values; amounts as text."""
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    return value


def _our_costs(month: date, book: PriceBook) -> dict[Key, Ours]:
    """(DO product, provider_id) -> our cost of the month, before markup, every owner
    together, with what `explain` needs (price keys, billed hours, first seen). Each
    segment's product is named as DO's invoice names it (`billing.products`)."""
    costs = Costs(pricing.rule_for(month))
    ours: dict[Key, Ours] = {}
    with connection.cursor() as cursor:
        cursor.execute(_OUR_USAGE_SQL, [month])
        for row in cursor:
            resource_id, provider_id, first_seen, product, size, quantity, seconds, started = row
            price = book.prices[(size, DEFAULT_CURRENCY)]
            used = costs(price, int(seconds), quantity=quantity, product=product)
            key = (products.provider_product(product), provider_id)
            entry = ours.setdefault(key, Ours(resource_id, first_seen, started))
            entry.cost += pricing.round_cents(used.cost)
            entry.hours[size] = entry.hours.get(size, Decimal(0)) + used.hours
            entry.started_at = min(entry.started_at, started)
    return ours


def _their_item(item: dict[str, Any]) -> TheirItem:
    return TheirItem(
        amount=_money(item.get("amount")),
        description=str(item.get("description") or ""),
        duration=str(item.get("duration") or ""),
        duration_unit=str(item.get("duration_unit") or ""),
        start=parse_instant(item.get("start_time")),
        end=parse_instant(item.get("end_time")),
    )


def _known(items: list[dict[str, Any]]) -> dict[Key, Known]:
    """(DO product, id) -> the inventory's resource, for every id DO's items carry."""
    ids = {
        str(item.get(field))
        for item in items
        for field in ("resource_id", "resource_uuid")
        if item.get(field)
    }
    known: dict[Key, Known] = {}
    rows = CloudResource.objects.filter(provider=PROVIDER_DO, provider_id__in=ids).values_list(
        "pk", "kind", "provider_id", "first_seen_at"
    )
    for pk, kind, provider_id, first_seen in rows:
        for product, kinds in products.PRODUCT_KINDS.items():
            if kind in kinds:
                known[(product, provider_id)] = Known(pk, first_seen)
    return known


def _their_key(item: dict[str, Any], product: str, matches: set[Key]) -> Key | None:
    """The (product, id) an item bills: the id of ours or of the inventory it names
    (`resource_id`, else `resource_uuid`), else the first it carries; None without one."""
    candidates = [str(item.get(f)) for f in ("resource_id", "resource_uuid") if item.get(f)]
    for candidate in candidates:
        if (product, candidate) in matches:
            return (product, candidate)
    return (product, candidates[0]) if candidates else None


def reconcile(
    month: date,
    *,
    client: Any,
    tolerance: Decimal = DEFAULT_TOLERANCE,
    actor: str,
    now: datetime | None = None,
) -> Reconciliation:
    """Compares the month's metered costs with DO's invoice; returns the new row."""
    now = now or timezone.now()
    refuse_future(month, now=now)
    tolerance = Decimal(tolerance)
    if not tolerance.is_finite() or tolerance < 0:
        raise InvalidInput("The tolerance is an amount of at least 0.", field="tolerance")
    summary, items = fetch_provider_invoice(client, month)
    refresh_prices(client, now=now)
    rule = pricing.rule_for(month)
    with transaction.atomic():
        # Every metered size, in USD: reconciliation compares costs before markup.
        book = prepare_month(
            month, prices_needed=lambda usage: {(size, DEFAULT_CURRENCY) for _, size in usage}
        ).book
        provider_invoice = _store(month, summary, items, now)
        ours = _our_costs(month, book)
        known = _known(items)

        theirs: dict[Key, Theirs] = defaultdict(Theirs)
        unkeyed: dict[Key, Theirs] = defaultdict(Theirs)
        for item in items:
            product = products.canonical(str(item.get("product") or ""))
            key = _their_key(item, product, ours.keys() | known.keys())
            if key is None:
                key = (product, str(item.get("description") or "(no id)"))
                unkeyed[key].add(_their_item(item))
            else:
                theirs[key].add(_their_item(item))

        lines: list[ReconciliationLine] = []
        for key in sorted(ours.keys() | theirs.keys(), key=_natural):
            mine, do = ours.get(key), theirs.get(key)
            lines.append(_line(key, mine, do, known.get(key), tolerance, rule))
        for key in sorted(unkeyed, key=_natural):
            lines.append(_line(key, None, unkeyed[key], None, tolerance, rule))

        our_total = sum((m.cost for m in ours.values()), Decimal("0.00"))
        provider_total = sum((_money(i.get("amount")) for i in items), Decimal("0.00"))
        reconciliation = Reconciliation.objects.create(
            period_start=month,
            provider_invoice=provider_invoice,
            currency=DEFAULT_CURRENCY,
            our_total=our_total,
            provider_total=provider_total,
            difference=our_total - provider_total,
            tolerance=tolerance,
            actor=actor,
        )
        for line in lines:
            line.reconciliation = reconciliation
        ReconciliationLine.objects.bulk_create(lines)
        announce_mismatches(reconciliation, lines)  # webhooks, sent after the commit
    return reconciliation


def _natural(key: Key) -> tuple[str, int, int | str]:
    product, provider_id = key
    if provider_id.isdecimal():
        return (product, 0, int(provider_id))
    return (product, 1, provider_id)


def _line(
    key: Key,
    mine: Ours | None,
    do: Theirs | None,
    known: Known | None,
    tolerance: Decimal,
    rule: str,
) -> ReconciliationLine:
    product, provider_id = key
    resource = mine or known
    reason: str
    if do is None:
        status, reason = ReconciliationStatus.ONLY_OURS, ReconciliationReason.NOT_ON_DO_INVOICE
    elif mine is None and (resource is None or not products.is_metered(product)):
        status = ReconciliationStatus.ONLY_PROVIDER
        reason = (
            ReconciliationReason.NOT_METERED
            if not products.is_metered(product)
            else ReconciliationReason.MISSING_FROM_INVENTORY
        )
    else:
        cost = mine.cost if mine else Decimal("0.00")
        if abs(cost - do.amount) <= tolerance:
            status, reason = ReconciliationStatus.MATCHED, ""
        else:
            assert resource is not None
            status = ReconciliationStatus.AMOUNT_MISMATCH
            reason = explain(mine, do, first_seen=resource.first_seen_at, rule=rule)
    our_cost = mine.cost if mine else Decimal("0.00")
    provider_amount = do.amount if do else Decimal("0.00")
    return ReconciliationLine(
        resource_id=resource.resource_id if resource else None,
        product=product[:255],
        provider_resource_id=provider_id[:255],
        description="; ".join(do.descriptions) if do else "",
        our_cost=our_cost,
        provider_amount=provider_amount,
        difference=our_cost - provider_amount,
        status=status,
        reason=reason,
    )


def status_counts(reconciliation: Reconciliation) -> dict[str, int]:
    """Lines per status, every status present (zero when none)."""
    counts = dict.fromkeys(ReconciliationStatus.values, 0)
    rows = reconciliation.lines.values_list("status").annotate(n=Count("id")).order_by()
    counts.update(dict(rows))
    return counts


def reason_counts(reconciliation: Reconciliation) -> dict[str, int]:
    """Non-matched lines per reason, reasons present only."""
    rows = (
        reconciliation.lines.exclude(reason="")
        .values_list("reason")
        .annotate(n=Count("id"))
        .order_by("reason")
    )
    return dict(rows)
