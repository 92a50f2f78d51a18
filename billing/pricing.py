"""Pricing: seconds at a size in a month -> money (DESIGN.md, "Rule version", "Cost",
"Money"). Pure functions over `Decimal`, never float.

- `hourly` for months before 2026-01: the seconds at one size in the month, rounded up to
  whole hours;
- `per_second` from 2026-01: seconds / 3600 exactly, with a minimum of 60 seconds and a
  minimum cost of $0.01;
- a (resource, size) in a month costs min(hours x price_hourly, price_monthly): the cap is
  `price_monthly` itself;
- usage spread over several tenants (or unallocated time) shares that one cost in
  proportion to seconds;
- a line's amount is cost x (1 + markup / 100), rounded once, half-up, to the cent.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal
from typing import TypeVar

from billing.models import COST_PLACES, QUANTITY_PLACES, Rule

PER_SECOND_FROM = date(2026, 1, 1)
CENT = Decimal("0.01")
MIN_SECONDS = 60
MIN_COST = CENT
SECONDS_PER_HOUR = Decimal(3600)
# A line's unrounded cost and its hours are stored at these precisions.
COST_EXP = Decimal(1).scaleb(-COST_PLACES)
QUANTITY_EXP = Decimal(1).scaleb(-QUANTITY_PLACES)

K = TypeVar("K")


def rule_for(month: date) -> Rule:
    return Rule.PER_SECOND if month >= PER_SECOND_FROM else Rule.HOURLY


@dataclass(frozen=True, slots=True)
class UsageCost:
    hours: Decimal  # billed hours (whole under `hourly`, exact under `per_second`)
    cost: Decimal  # before markup, unrounded
    capped: bool  # price_monthly applied


def usage_cost(
    seconds: int, *, price_hourly: Decimal, price_monthly: Decimal, rule: Rule | str
) -> UsageCost:
    """The cost of one (resource, size) in one month, all tenants together."""
    if seconds <= 0:
        return UsageCost(Decimal(0), Decimal(0), False)
    if rule == Rule.HOURLY:
        hours = (Decimal(seconds) / SECONDS_PER_HOUR).to_integral_value(rounding=ROUND_CEILING)
        raw = hours * price_hourly
        capped = raw > price_monthly
        return UsageCost(hours, min(raw, price_monthly), capped)
    billed = max(seconds, MIN_SECONDS)
    hours = Decimal(billed) / SECONDS_PER_HOUR
    # seconds x price / 3600 in that order: exact whenever the true cost is (a half cent
    # stays a half cent instead of 0.00499...).
    raw = Decimal(billed) * price_hourly / SECONDS_PER_HOUR
    capped = raw > price_monthly
    return UsageCost(hours, max(min(raw, price_monthly), MIN_COST), capped)


def charge_cost(
    seconds: int,
    *,
    quantity: Decimal,
    price_hourly: Decimal,
    price_monthly: Decimal,
    rule: Rule | str,
) -> UsageCost:
    """`usage_cost` of `quantity` units (nodes, components, GiB) of one price: each is
    capped at `price_monthly`, and the per-second minimum of $0.01 applies to the whole
    charge, not to each unit. `hours` stays the hours of one unit."""
    if quantity == 1:
        return usage_cost(
            seconds, price_hourly=price_hourly, price_monthly=price_monthly, rule=rule
        )
    one = usage_cost(
        seconds, price_hourly=price_hourly, price_monthly=price_monthly, rule=Rule.HOURLY
    )
    if seconds <= 0:
        return one
    if rule == Rule.HOURLY:
        return UsageCost(one.hours, one.cost * quantity, one.capped)
    billed = max(seconds, MIN_SECONDS)
    raw = Decimal(billed) * price_hourly / SECONDS_PER_HOUR
    capped = raw > price_monthly
    cost = max(min(raw, price_monthly) * quantity, MIN_COST)
    return UsageCost(Decimal(billed) / SECONDS_PER_HOUR, cost, capped)


@dataclass(frozen=True, slots=True)
class Share:
    hours: Decimal
    cost: Decimal


def share(total: UsageCost, seconds: int, all_seconds: int) -> Share:
    """One owner's share of `total`: its seconds over everyone's, at storage precision."""
    if all_seconds <= 0 or seconds <= 0:
        return Share(Decimal(0), Decimal(0))
    if seconds >= all_seconds:  # the common case, one owner: no division at all
        return Share(quantize_quantity(total.hours), quantize_cost(total.cost))
    return Share(
        quantize_quantity(total.hours * seconds / all_seconds),
        quantize_cost(total.cost * seconds / all_seconds),
    )


def split(total: UsageCost, seconds_by_owner: Mapping[K, int]) -> dict[K, Share]:
    """Every owner's (tenant's, or unallocated's) share of one cost, in proportion to its
    seconds. The shares add up to the cost within storage precision."""
    all_seconds = sum(seconds_by_owner.values())
    return {owner: share(total, s, all_seconds) for owner, s in seconds_by_owner.items()}


def quantize_cost(value: Decimal) -> Decimal:
    return value.quantize(COST_EXP, rounding=ROUND_HALF_UP)


def quantize_quantity(value: Decimal) -> Decimal:
    return value.quantize(QUANTITY_EXP, rounding=ROUND_HALF_UP)


def round_cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def line_amount(cost: Decimal, markup_percent: Decimal) -> Decimal:
    """cost x (1 + markup / 100), rounded once, half-up, to the cent."""
    return round_cents(cost * (1 + markup_percent / 100))
