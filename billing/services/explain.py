"""Why a (product, resource) of a reconciliation does not match DO's bill (DESIGN.md,
"Every product": every non-matched line has a reason). Pure functions, no database.

For an `amount_mismatch`, in this order:
1. `rounding`: the difference is at most a cent per line (DO rounds each item, we each
   (resource, size));
2. `changed_before_first_seen`: DO's items show the resource changing (a new item starts,
   or an item of a size we never metered for it runs) before Arcadia first saw it, while
   metering assumes its history before that was as first seen;
3. `first_seen_late`: DO bills from before Arcadia first saw the resource and before the
   time we bill from (no `created_at`, or first seen after the month);
4. `price_differs`: DO billed the same hours per size as we metered (within an hour per
   item under the hourly rule, a minute under per-second), so the money differs by price;
5. `usage_differs`: anything else: DO billed other hours than we metered, typically a
   change between two syncs that we dated at the second one.

DO's item carries no size field; its description does, as "name (size-slug)" in the
simulator and in DO's invoices for droplets (our reading, not documented by DO: when no
size can be read, step 2 relies on the items' times alone and step 4 on total hours).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

from billing.models import ReconciliationReason, Rule

CENT = Decimal("0.01")
# Our segments start at whole seconds; DO's at its own clock: a minute is the same instant.
SAME_INSTANT = timedelta(seconds=60)
_SIZE_IN_DESCRIPTION = re.compile(r"\(([a-z0-9][a-z0-9.-]*)\)\s*$")


@dataclass
class Ours:
    resource_id: int
    first_seen_at: datetime
    started_at: datetime  # our first segment's start in the month
    cost: Decimal = Decimal("0.00")
    hours: dict[str, Decimal] = field(default_factory=dict)  # billed hours per size


@dataclass(frozen=True)
class Known:
    """A resource the inventory knows but that has no cost of ours this month."""

    resource_id: int
    first_seen_at: datetime


@dataclass(frozen=True)
class TheirItem:
    amount: Decimal
    description: str
    duration: str
    duration_unit: str
    start: datetime | None
    end: datetime | None

    @property
    def size(self) -> str:
        found = _SIZE_IN_DESCRIPTION.search(self.description)
        return found.group(1) if found else ""

    @property
    def hours(self) -> Decimal | None:
        if not self.duration_unit.casefold().startswith("hour"):
            return None
        try:
            value = Decimal(self.duration)
        except InvalidOperation:
            return None
        return value if value.is_finite() else None


@dataclass
class Theirs:
    amount: Decimal = Decimal("0.00")
    descriptions: list[str] = field(default_factory=list)
    items: list[TheirItem] = field(default_factory=list)

    def add(self, item: TheirItem) -> None:
        self.amount += item.amount
        self.descriptions.append(item.description)
        self.items.append(item)


def explain(
    ours: Ours | None, theirs: Theirs, *, first_seen: datetime, rule: str
) -> ReconciliationReason:
    """The reason of an `amount_mismatch` (see the module docstring)."""
    mine = ours.cost if ours else Decimal("0.00")
    lines = max(len(theirs.items), len(ours.hours) if ours else 0, 1)
    if abs(mine - theirs.amount) <= CENT * lines:
        return ReconciliationReason.ROUNDING
    if _changed_before(ours, theirs, first_seen):
        return ReconciliationReason.CHANGED_BEFORE_FIRST_SEEN
    starts = [i.start for i in theirs.items if i.start is not None]
    if (
        starts
        and min(starts) < first_seen
        and (ours is None or ours.started_at - min(starts) > SAME_INSTANT)
    ):
        return ReconciliationReason.FIRST_SEEN_LATE
    if ours is not None and _same_hours(ours, theirs, rule):
        return ReconciliationReason.PRICE_DIFFERS
    return ReconciliationReason.USAGE_DIFFERS


def _changed_before(ours: Ours | None, theirs: Theirs, first_seen: datetime) -> bool:
    """DO's items change (a boundary between two of them, or a size we never metered)
    before Arcadia first saw the resource."""
    starts = sorted(i.start for i in theirs.items if i.start is not None)
    ends = sorted(i.end for i in theirs.items if i.end is not None)
    boundaries = starts[1:] + ends[:-1]
    if any(b < first_seen - SAME_INSTANT for b in boundaries):
        return True
    sizes = set(ours.hours) if ours else set()
    return bool(sizes) and any(
        i.size and i.size not in sizes and i.start is not None and i.start < first_seen
        for i in theirs.items
    )


def _same_hours(ours: Ours, theirs: Theirs, rule: str) -> bool:
    hours = [i.hours for i in theirs.items]
    if not hours or any(h is None for h in hours):
        return False
    slack = Decimal(1) if rule == Rule.HOURLY else Decimal(1) / 60
    if all(i.size for i in theirs.items):
        per_size: dict[str, Decimal] = {}
        for item in theirs.items:
            per_size[item.size] = per_size.get(item.size, Decimal(0)) + (item.hours or 0)
        if per_size.keys() != ours.hours.keys():
            return False
        return all(abs(per_size[s] - ours.hours[s]) <= slack for s in per_size)
    total = sum((h for h in hours if h is not None), Decimal(0))
    return abs(total - sum(ours.hours.values(), Decimal(0))) <= slack * len(hours)
