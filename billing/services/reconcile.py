"""Reconciliation with DO's bill (DESIGN.md, "Reconciliation").

`reconcile(month)` fetches DO's invoice whose `invoice_period` is the month (the list,
then its items, paginated, with the `billing` token), stores it, and compares per DO
`resource_id` our cost before markup (every tenant and unallocated time together) with the
sum of DO's items for that id:
- `matched` when |ours - DO's| <= tolerance (default $0.01), else `amount_mismatch`;
- `only_ours` when DO has no item for a resource we metered;
- `only_provider` for a DO item without an id, or with an id we do not know (keyed by
  `resource_uuid`, else the description). Other kinds than droplets land here for now.
Our cost of a resource is the sum of its (resource, size) costs, each rounded half-up to
the cent, as DO rounds each of its items. Every run is a new row.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone

from arcadia.errors import InvalidInput, NotFound
from billing import pricing
from billing.metering import parse_instant
from billing.models import (
    DEFAULT_CURRENCY,
    ProviderInvoice,
    ProviderInvoiceItem,
    Reconciliation,
    ReconciliationLine,
    ReconciliationStatus,
)
from billing.periods import month_text, refuse_future
from billing.services.month import prepare_month
from billing.services.prices import PriceBook, refresh_prices
from billing.services.usage import Costs
from inventory.models import PROVIDER_DO, CloudResource, Kind

DEFAULT_TOLERANCE = Decimal("0.01")

_OUR_USAGE_SQL = """
SELECT s.resource_id, r.provider_id, s.size_slug,
       sum(EXTRACT(EPOCH FROM s.ended_at - s.started_at))::bigint
  FROM billing_usage_segments s
  JOIN cloud_resources r ON r.id = s.resource_id
 WHERE s.period_start = %s
 GROUP BY s.resource_id, r.provider_id, s.size_slug
"""


class NoProviderInvoice(NotFound):
    default_code = "no_provider_invoice"


@dataclass
class _Ours:
    resource_id: int
    cost: Decimal = Decimal("0.00")


@dataclass
class _Theirs:
    amount: Decimal = Decimal("0.00")
    descriptions: list[str] = field(default_factory=list)


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


def _our_costs(month: date, book: PriceBook) -> dict[str, _Ours]:
    """provider_id -> our cost of the month, before markup, every owner together."""
    costs = Costs(pricing.rule_for(month))
    ours: dict[str, _Ours] = {}
    with connection.cursor() as cursor:
        cursor.execute(_OUR_USAGE_SQL, [month])
        for resource_id, provider_id, size, seconds in cursor:
            price = book.prices[(size, DEFAULT_CURRENCY)]
            entry = ours.setdefault(provider_id, _Ours(resource_id))
            entry.cost += pricing.round_cents(costs(price, int(seconds)).cost)
    return ours


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
    with transaction.atomic():
        # Every metered size, in USD: reconciliation compares costs before markup.
        book = prepare_month(
            month, prices_needed=lambda usage: {(size, DEFAULT_CURRENCY) for _, size in usage}
        ).book
        provider_invoice = _store(month, summary, items, now)
        ours = _our_costs(month, book)

        theirs: dict[str, _Theirs] = defaultdict(_Theirs)
        unkeyed: dict[str, _Theirs] = defaultdict(_Theirs)
        for item in items:
            rid = str(item.get("resource_id") or "")
            target = theirs[rid] if rid else unkeyed[_key_without_id(item)]
            target.amount += _money(item.get("amount"))
            target.descriptions.append(str(item.get("description") or ""))

        # DO ids we have in the inventory but did not meter this month: ours is 0.
        unknown = [rid for rid in theirs if rid not in ours]
        known = dict(
            CloudResource.objects.filter(
                provider=PROVIDER_DO, kind=Kind.DROPLET, provider_id__in=unknown
            ).values_list("provider_id", "pk")
        )

        lines: list[ReconciliationLine] = []
        for rid in sorted(ours.keys() | theirs.keys(), key=_natural):
            mine, do = ours.get(rid), theirs.get(rid)
            description = "; ".join(do.descriptions) if do else ""
            if do is None:
                assert mine is not None
                lines.append(_line(rid, mine.resource_id, mine.cost, None, "", tolerance))
            elif mine is None and rid not in known:
                lines.append(_line(rid, None, None, do.amount, description, tolerance))
            else:
                resource_id = mine.resource_id if mine else known[rid]
                cost = mine.cost if mine else Decimal("0.00")
                lines.append(_line(rid, resource_id, cost, do.amount, description, tolerance))
        for key in sorted(unkeyed):
            do = unkeyed[key]
            lines.append(_line(key, None, None, do.amount, "; ".join(do.descriptions), tolerance))

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
    return reconciliation


def _key_without_id(item: dict[str, Any]) -> str:
    return str(item.get("resource_uuid") or item.get("description") or "(no id)")


def _natural(provider_id: str) -> tuple[int, int | str]:
    return (0, int(provider_id)) if provider_id.isdecimal() else (1, provider_id)


def _line(
    key: str,
    resource_id: int | None,
    ours: Decimal | None,
    theirs: Decimal | None,
    description: str,
    tolerance: Decimal,
) -> ReconciliationLine:
    if theirs is None:
        status = ReconciliationStatus.ONLY_OURS
    elif ours is None:
        status = ReconciliationStatus.ONLY_PROVIDER
    elif abs(ours - theirs) <= tolerance:
        status = ReconciliationStatus.MATCHED
    else:
        status = ReconciliationStatus.AMOUNT_MISMATCH
    mine, do = ours or Decimal("0.00"), theirs or Decimal("0.00")
    return ReconciliationLine(
        resource_id=resource_id,
        provider_resource_id=key[:255],
        description=description,
        our_cost=mine,
        provider_amount=do,
        difference=mine - do,
        status=status,
    )


def status_counts(reconciliation: Reconciliation) -> dict[str, int]:
    """Lines per status, every status present (zero when none)."""
    counts = dict.fromkeys(ReconciliationStatus.values, 0)
    rows = reconciliation.lines.values_list("status").annotate(n=Count("id")).order_by()
    counts.update(dict(rows))
    return counts
