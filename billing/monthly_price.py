"""What a resource costs a month, for the cost of drift (DESIGN.md, "Cost of drift").

Drift asks: what does the live resource cost a month, and what would it cost as its spec
has it? `MonthlyPrices` answers with billing's own rules (`billing.meters`: a state of a
kind's priced fields -> charges) and price book (`PriceBook`: the prices a month is
invoiced with), through the invoices' own cost function (`billing.services.usage.Costs`,
`charge_cost` over every second of the month, capped at the monthly price). So the number
in the drift inbox is what a whole month of each state adds to an invoice, before markup.

- A resource is given as billing sees it (`ResourceState`: its `size_slug` and `attrs`),
  or None when it does not exist: a tombstoned resource costs nothing.
- Only the charges that differ between the two states are priced: renaming, retagging,
  moving region (the book has no regional prices) or editing firewall rules is 0 even on
  a size the book does not know.
- A charge with no price makes the difference None (unpriced), never a guess. So does a
  kind no rule prices (NFS, GenAI, ...) when its size or attrs differ; the free kinds
  (firewalls, domains, VPCs, certificates) are always 0.
- Kubernetes worker nodes are Droplets (their own inventory rows, invoiced as Droplets),
  so a node pool's size or count changes what those Droplets cost: here a cluster's pools
  are priced as Droplets (count x size) beside the HA control plane. Invoices do not use
  this: they bill the node Droplets themselves.

`MonthlyPrices.load()` reads the book once (one query); pricing thousands of drifts then
reads nothing more. Billing registers it with drift at startup (`billing.apps`), as drift
may not import billing (STYLE.md, "Layers").
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.utils import timezone

from billing.meters import METERS, Charge, Product, Unit
from billing.meters.base import quantity_text, whole
from billing.models import DEFAULT_CURRENCY
from billing.periods import month_bounds, month_of
from billing.pricing import round_cents, rule_for
from billing.services.prices import PriceBook
from billing.services.usage import Costs
from drift.services.impact import ResourceState
from inventory.models import Kind

# Kinds DO does not charge for: any drift on them costs nothing.
FREE_KINDS: frozenset[str] = frozenset({Kind.FIREWALL, Kind.DOMAIN, Kind.VPC, Kind.CERTIFICATE})


def node_pool_charges(attrs: Mapping[str, Any]) -> list[Charge]:
    """A cluster's worker nodes as the Droplets they bill as: one charge per pool size,
    its node count the quantity."""
    pools = attrs.get("node_pools")
    counts: dict[str, Decimal] = {}
    if isinstance(pools, Mapping):
        for pool in pools.values():
            if not isinstance(pool, Mapping) or not pool.get("size"):
                continue
            count = whole(pool.get("count"))
            if count is not None:
                size = str(pool["size"])
                counts[size] = counts.get(size, Decimal(0)) + count
    return [
        Charge(Product.DROPLET, size, count, Unit.HOURS, f"{size} x {quantity_text(count)}")
        for size, count in sorted(counts.items())
    ]


def state_charges(kind: str, state: ResourceState | None) -> list[Charge] | None:
    """What `state` of a `kind` is charged, as its metering rule says; [] for a resource
    that does not exist or a free kind, None for a kind no rule prices."""
    if state is None or kind in FREE_KINDS:
        return []
    rule = METERS.get(kind)
    if rule is None:
        return None
    priced = {"size_slug": state.size_slug, **{f: state.attrs.get(f) for f in rule.fields}}
    charges = rule.charges(priced)
    if kind == Kind.KUBERNETES_CLUSTER:
        charges = [*charges, *node_pool_charges(state.attrs)]
    return charges


@dataclass
class MonthlyPrices:
    """The price book of one month, and what a whole month of a charge costs in it."""

    month: date
    book: PriceBook
    currency: str = DEFAULT_CURRENCY
    _costs: Costs = field(init=False)
    _seconds: int = field(init=False)
    _monthly: dict[Charge, Decimal | None] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        start, end = month_bounds(self.month)
        self._seconds = int((end - start).total_seconds())
        self._costs = Costs(rule_for(self.month))

    @classmethod
    def load(cls, month: date | None = None) -> MonthlyPrices:
        """The book of `month` (default: this UTC month), read in one query."""
        month = month or month_of(timezone.now())
        return cls(month, PriceBook.load(month))

    def charge_monthly(self, charge: Charge) -> Decimal | None:
        """A whole month of `charge`, unrounded; None when the book has no price for it."""
        if charge not in self._monthly:
            price = self.book.get(charge.price_key, self.currency)
            self._monthly[charge] = (
                None
                if price is None
                else self._costs(
                    price, self._seconds, quantity=charge.quantity, product=charge.product
                ).cost
            )
        return self._monthly[charge]

    def difference(
        self, kind: str, live: ResourceState | None, desired: ResourceState | None
    ) -> Decimal | None:
        """`live`'s monthly cost minus `desired`'s, at the cent (positive: live costs
        more); None when a charge that differs has no price. See the module docstring."""
        if live == desired:
            return Decimal("0.00")
        live_charges, desired_charges = state_charges(kind, live), state_charges(kind, desired)
        if live_charges is None or desired_charges is None:
            return None
        live_count, desired_count = Counter(live_charges), Counter(desired_charges)
        total = Decimal(0)
        for charges, sign in ((live_count - desired_count, 1), (desired_count - live_count, -1)):
            for charge, times in charges.items():
                cost = self.charge_monthly(charge)
                if cost is None:
                    return None
                total += sign * times * cost
        return round_cents(total)
