"""The month's set-up, shared by invoice generation and reconciliation (DESIGN.md, "The
month", "Segments", "Money").

Inside the caller's transaction: the month's lock (its segments are shared by every
tenant and by reconciliation), its segments planned from the inventory, the price book
loaded and every price the caller needs checked; only then are the segments written. A
missing price raises `InvalidInput` naming it, and nothing has been written.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from arcadia.locks import xact_lock
from billing.services.prices import PriceBook
from billing.services.segments import SegmentPlan, month_lock_name, plan_segments

# (tenant id or None, size) of the month's usage -> the (size, currency) prices it needs.
PricesNeeded = Callable[[set[tuple[int | None, str]]], set[tuple[str, str]]]


@dataclass(frozen=True)
class PreparedMonth:
    """The month's segments as written (the plan, for its counts) and its price book."""

    plan: SegmentPlan
    book: PriceBook


def prepare_month(month: date, *, prices_needed: PricesNeeded) -> PreparedMonth:
    """Locks the month, rebuilds its segments and loads its prices; see the module
    docstring. The caller's transaction holds the lock until it ends."""
    xact_lock(month_lock_name(month))
    plan = plan_segments(month)
    try:
        book = PriceBook.load(month)
        book.require(prices_needed(plan.usage))
    except BaseException:
        plan.discard()
        raise
    plan.apply()
    return PreparedMonth(plan, book)
