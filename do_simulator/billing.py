"""DO's bill, computed from the droplets' size history (DESIGN.md, Billing, "Cost").

A (droplet, size) in a UTC calendar month costs min(hours x price_hourly, price_monthly):
- before 2026-01, hours are the seconds at that size in the month rounded up to whole hours;
- from 2026-01, hours are seconds / 3600 exactly, with a minimum of 60 seconds, and the
  cost is at least $0.01.
Each item's amount is rounded half-up to the cent; an invoice's amount is their sum.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Iterable
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from typing import NamedTuple

from .catalog import SIZES
from .models import Droplet

PER_SECOND_FROM = (2026, 1)
CENT = Decimal("0.01")
Period = tuple[int, int]  # (year, month)


class Item(NamedTuple):
    droplet_id: int
    size: str
    seconds: int
    hours: Decimal
    amount: Decimal
    start: int
    end: int


@lru_cache(maxsize=1024)
def month_start(period: Period) -> int:
    year, month = period
    return int(datetime(year, month, 1, tzinfo=UTC).timestamp())


def next_period(period: Period) -> Period:
    year, month = period
    return (year + 1, 1) if month == 12 else (year, month + 1)


def period_of(ts: int) -> Period:
    moment = datetime.fromtimestamp(ts, UTC)
    return (moment.year, moment.month)


def period_text(period: Period) -> str:
    return f"{period[0]:04d}-{period[1]:02d}"


def cost(size: str, seconds: int, period: Period) -> tuple[Decimal, Decimal]:
    """(billed hours, amount rounded to the cent) for `seconds` at `size` in `period`."""
    price = SIZES[size]
    if period < PER_SECOND_FROM:
        hours = Decimal(math.ceil(seconds / 3600))
        raw = min(hours * price.price_hourly, price.price_monthly)
    else:
        hours = Decimal(max(seconds, 60)) / Decimal(3600)
        raw = max(min(hours * price.price_hourly, price.price_monthly), CENT)
    return hours, raw.quantize(CENT, rounding=ROUND_HALF_UP)


def _months(since: Period, until: int) -> tuple[list[Period], list[int]]:
    """The periods from `since` through the one holding `until`, and their bounds."""
    periods = [since]
    while month_start(next_period(periods[-1])) < until:
        periods.append(next_period(periods[-1]))
    bounds = [month_start(p) for p in periods] + [month_start(next_period(periods[-1]))]
    return periods, bounds


def _usage(droplet: Droplet, bounds: list[int], until: int) -> dict[tuple[int, str], list[int]]:
    """(month index, size) -> [seconds, first start, last end] for one droplet."""
    usage: dict[tuple[int, str], list[int]] = {}
    for seg in droplet.history:
        start = max(seg.start, bounds[0])
        end = min(seg.end if seg.end is not None else until, until, bounds[-1])
        index = bisect_right(bounds, start) - 1
        while start < end:
            cut = min(end, bounds[index + 1])
            acc = usage.get((index, seg.size))
            if acc is None:
                usage[(index, seg.size)] = [cut - start, start, cut]
            else:
                acc[0] += cut - start
                acc[2] = cut
            start = cut
            index += 1
    return usage


class _Prices:
    """`cost` memoized per (size, seconds, rule): most items are whole months."""

    def __init__(self) -> None:
        self._memo: dict[tuple[str, int, bool], tuple[Decimal, Decimal]] = {}

    def __call__(self, size: str, seconds: int, period: Period) -> tuple[Decimal, Decimal]:
        key = (size, seconds, period >= PER_SECOND_FROM)
        priced = self._memo.get(key)
        if priced is None:
            priced = self._memo[key] = cost(size, seconds, period)
        return priced


def month_totals(
    droplets: Iterable[Droplet], *, since: Period, until: int
) -> dict[Period, Decimal]:
    """Each month's invoice amount (the sum of its rounded items), months with usage only.

    Droplet by droplet, keeping nothing per item, so 100,000 droplets x many months stay
    cheap in memory.
    """
    periods, bounds = _months(since, until)
    totals: dict[int, Decimal] = {}
    prices = _Prices()
    for droplet in droplets:
        for (index, size), (seconds, _, _) in _usage(droplet, bounds, until).items():
            amount = prices(size, seconds, periods[index])[1]
            totals[index] = totals.get(index, Decimal("0.00")) + amount
    return {periods[i]: totals[i] for i in sorted(totals)}


def month_items(droplets: Iterable[Droplet], period: Period, *, until: int) -> list[Item]:
    """One month's items, ordered by droplet then start when droplets come in id order."""
    _, bounds = _months(period, min(until, month_start(next_period(period))))
    prices = _Prices()
    items = []
    for droplet in droplets:
        for (index, size), (seconds, start, end) in _usage(droplet, bounds, until).items():
            if index == 0:
                hours, amount = prices(size, seconds, period)
                items.append(Item(droplet.id, size, seconds, hours, amount, start, end))
    return items


def duration_text(hours: Decimal) -> str:
    if hours == hours.to_integral_value():
        return str(int(hours))
    return str(hours.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP))
