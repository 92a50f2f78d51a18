"""The month's usage, priced: what invoices and reconciliation read from the segments.

One query aggregates the month's segments per (owner, resource, charge), where a charge is
a product at a price key and quantity (`billing.meters`) and the owner is a tenant or
`None` (unallocated), with each (resource, charge)'s seconds across all owners beside
it: the cost, the cap and the minimums are decided on that total and then shared by
seconds (DESIGN.md, "Cost"). Rows stream from a server-side cursor, owner by owner.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from billing import pricing
from billing.meters import Product, bills_per_second
from billing.models import Price, Rule
from billing.pricing import UsageCost
from billing.services import bulk

MEMO_SIZE = 512

_USAGE_SQL = """
SELECT x.tenant_id, x.resource_id, x.provider_id, x.urn, x.size_slug, x.project_name,
       x.seconds, x.total_seconds, x.usage_start, x.usage_end, x.product, x.quantity, x.unit,
       x.name
  FROM (
    SELECT g.tenant_id, g.resource_id, r.provider_id, r.urn, g.size_slug,
           COALESCE(p.name, '') AS project_name, g.seconds, g.usage_start, g.usage_end,
           sum(g.seconds) OVER (
               PARTITION BY g.resource_id, g.product, g.size_slug, g.quantity
           ) AS total_seconds,
           g.product, g.quantity, g.unit, r.name
      FROM (
        SELECT tenant_id, resource_id, product, size_slug, quantity, unit,
               sum(EXTRACT(EPOCH FROM ended_at - started_at))::bigint AS seconds,
               min(started_at) AS usage_start, max(ended_at) AS usage_end,
               (array_agg(project_id ORDER BY started_at DESC))[1] AS project_id
          FROM billing_usage_segments
         WHERE period_start = %(month)s
         GROUP BY tenant_id, resource_id, product, size_slug, quantity, unit
      ) g
      JOIN cloud_resources r ON r.id = g.resource_id
      LEFT JOIN cloud_projects p ON p.id = g.project_id
  ) x
 WHERE %(every_owner)s OR x.tenant_id IS NULL OR x.tenant_id = ANY(%(tenants)s)
 ORDER BY x.tenant_id NULLS LAST, x.resource_id, x.usage_start, x.product, x.size_slug,
          x.quantity
"""


@dataclass(frozen=True, slots=True)
class Usage:
    """One owner's use of one (resource, charge) in the month."""

    tenant_id: int | None
    resource_id: int
    provider_id: str
    urn: str
    size_slug: str
    project_name: str
    seconds: int  # this owner's
    total_seconds: int  # every owner's: what the cost is decided on
    usage_start: datetime
    usage_end: datetime
    product: str = "droplet"
    quantity: Decimal = Decimal(1)  # of the charge: nodes, components, GiB
    unit: str = "hours"
    name: str = ""  # the resource's


def month_usage(month: date, *, tenant_ids: list[int] | None = None) -> Iterator[Usage]:
    """The month's usage rows ordered by owner (tenants, then unallocated), resource,
    start. `tenant_ids` narrows the tenants (unallocated rows always come)."""
    params: dict[str, Any] = {
        "month": month,
        "every_owner": tenant_ids is None,
        "tenants": list(tenant_ids or []),
    }
    for row in bulk.stream(_USAGE_SQL, params):
        tenant, rid, pid, urn, size, project, secs, total, start, end, *rest = row
        product, quantity, unit, name = rest
        yield Usage(
            tenant,
            rid,
            pid,
            urn,
            size,
            project,
            int(secs),
            int(total),
            start,
            end,
            product,
            quantity,
            unit,
            name or "",
        )


class Costs:
    """`charge_cost` memoized per (price key, currency, seconds, quantity, rule): most
    usage is whole months. `rule` is the month's; a product DO does not bill per second
    stays `hourly` (`billing.meters.bills_per_second`)."""

    def __init__(self, rule: Rule) -> None:
        self.rule = rule
        self._memo: dict[tuple[str, str, int, Decimal, str], UsageCost] = {}

    def rule_of(self, product: str) -> Rule:
        if self.rule == Rule.PER_SECOND and not bills_per_second(product):
            return Rule.HOURLY
        return self.rule

    def __call__(
        self,
        price: Price,
        seconds: int,
        *,
        quantity: Decimal = Decimal(1),
        product: str = Product.DROPLET,
    ) -> UsageCost:
        rule = self.rule_of(product)
        key = (price.size_slug, price.currency, seconds, quantity, rule)
        found = self._memo.get(key)
        if found is None:
            if len(self._memo) >= MEMO_SIZE:  # bounded: mid-month lives rarely repeat
                self._memo.clear()
            found = self._memo[key] = pricing.charge_cost(
                seconds,
                quantity=quantity,
                price_hourly=price.price_hourly,
                price_monthly=price.price_monthly,
                rule=rule,
            )
        return found


def usage_total(costs: Costs, price: Price, usage: Usage) -> UsageCost:
    """The (resource, charge)'s cost in the month, every owner together."""
    return costs(price, usage.total_seconds, quantity=usage.quantity, product=usage.product)


def owner_share(costs: Costs, price: Price, usage: Usage) -> pricing.Share:
    total = usage_total(costs, price, usage)
    return pricing.share(total, usage.seconds, usage.total_seconds)


def zero() -> Decimal:
    return Decimal("0.00")
