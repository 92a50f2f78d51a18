"""The cost of drift (DESIGN.md, "Cost of drift"): what an open drift costs a month.

`monthly_impact` = the resource's monthly price with the drifted field as it is live
(the drift's `actual`) minus its price with the field as the spec has it (`expected`),
every other field as the resource has it now. Positive: the live resource costs more
than asked for. 0: the field has no price effect (a name, tags, a region, firewall
rules). None: a price it needs is unknown ("unpriced" in the inbox), never a wrong
number. A tombstone drift (`deleted_at`) prices the resource as gone on one side.

The prices are billing's (its metering rules and price book, so drift and invoices
agree), but drift sits below billing (STYLE.md, "Layers") and may not import it: billing
registers its `MonthlyPrices` loader here at startup (`register_prices`, from
`billing.apps`). Without one every drift is unpriced.

Batches: `load_prices()` reads the whole book once; pricing a drift then costs no query.
Detection loads it once per sweep, `reprice_open_drift` once per run.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol

from django.db import connection, transaction

from drift.equality import RESOURCE_COLUMNS
from drift.models import TOMBSTONE_FIELD

DEFAULT_CURRENCY = "USD"
REPRICE_BATCH_SIZE = 1000
# A batch of `reprice_open_drift`: one read of drifts and their resources, one update.
QUERIES_PER_REPRICE_BATCH = 2


@dataclass(frozen=True)
class ResourceState:
    """A resource as billing prices it: its size and its normalized attrs."""

    size_slug: str
    attrs: Mapping[str, Any]


class MonthlyPrices(Protocol):
    """What drift needs of the price book (billing.monthly_price.MonthlyPrices)."""

    currency: str

    def difference(
        self, kind: str, live: ResourceState | None, desired: ResourceState | None
    ) -> Decimal | None:
        """Monthly cost of `live` minus `desired` (None: does not exist), at the cent;
        None when a price it needs is unknown."""
        ...


class _Unpriced:
    """The prices when no price book is registered: nothing can be priced."""

    currency = DEFAULT_CURRENCY

    def difference(
        self, kind: str, live: ResourceState | None, desired: ResourceState | None
    ) -> Decimal | None:
        return None


_loader: Callable[[], MonthlyPrices] | None = None


def register_prices(loader: Callable[[], MonthlyPrices]) -> None:
    """Billing's hook: `loader()` returns this month's prices (one read of the book)."""
    global _loader
    _loader = loader


def load_prices() -> MonthlyPrices:
    return _loader() if _loader is not None else _Unpriced()


class SweepPrices:
    """The prices of one detection sweep, read on first use: a sweep that opens and
    refreshes nothing reads no price book, and one that does reads it once."""

    def __init__(self) -> None:
        self._prices: MonthlyPrices | None = None

    def get(self) -> MonthlyPrices:
        if self._prices is None:
            self._prices = load_prices()
        return self._prices


class _NoPath(Exception):
    """A value that has nowhere to go: a list index past the end, a path through a
    scalar."""


def _put(node: Any, parts: Sequence[str], value: Any) -> Any:
    """`node` with `value` at the path `parts`, copying only the containers on the path
    (the inverse of `drift.equality.resolve` for dotted paths); a missing object on the
    way is created."""
    if not parts:
        return value
    head, rest = parts[0], parts[1:]
    if node is None or isinstance(node, Mapping):
        out = dict(node or {})
        out[head] = _put(out.get(head), rest, value)
        return out
    if isinstance(node, list) and head.isdecimal() and int(head) < len(node):
        items = list(node)
        items[int(head)] = _put(items[int(head)], rest, value)
        return items
    raise _NoPath(head)


def state_with(
    columns: Mapping[str, Any], attrs: Mapping[str, Any], field: str, value: Any
) -> ResourceState | None:
    """The resource with `field` set to `value` (a column, an attr or a dotted path into
    the attrs, as detection resolves it); None when that makes it gone (a tombstone).
    Raises `_NoPath` when the value has nowhere to go."""
    size_slug = str(columns.get("size_slug") or "")
    if field == TOMBSTONE_FIELD:
        return None if value is not None else ResourceState(size_slug, attrs)
    if field in RESOURCE_COLUMNS:
        # Of the columns only the size is priced (the book has no regional prices).
        return ResourceState(str(value or "") if field == "size_slug" else size_slug, attrs)
    if field in attrs or "." not in field:
        return ResourceState(size_slug, {**attrs, field: value})
    return ResourceState(size_slug, _put(attrs, field.split("."), value))


def drift_impact(
    prices: MonthlyPrices,
    *,
    kind: str,
    columns: Mapping[str, Any],
    attrs: Mapping[str, Any],
    field: str,
    expected: Any,
    actual: Any,
) -> Decimal | None:
    """One drift's monthly impact: the resource with `field` at `actual` minus with it
    at `expected`. `columns` are the resource's (at least `size_slug`), `attrs` its
    normalized attrs. See the module docstring."""
    try:
        live = state_with(columns, attrs, field, actual)
        desired = state_with(columns, attrs, field, expected)
    except _NoPath:
        return None
    return prices.difference(kind, live, desired)


# --- repricing open drift (`manage.py price_drift`) ------------------------------------

# Unresolved drift: open, and suppressed (it reopens with the price of the day, not the
# price of the day it was suppressed).
_OPEN_SQL = """
SELECT d.id, d.field, d.expected::text AS expected, d.actual::text AS actual,
       r.kind, r.size_slug, r.attrs::text AS attrs, d.updated_at
  FROM cloud_drift d
  JOIN cloud_resources r ON r.id = d.resource_id
 WHERE d.status IN ('open', 'suppressed') AND d.id > %s {only_unpriced}
 ORDER BY d.id
 LIMIT %s
"""

# Writes only what changed, and only a drift as it was read: one resolved meanwhile keeps
# the impact it was resolved with, and one a sweep refreshed meanwhile (`updated_at`
# moved) keeps the impact the sweep gave its new values.
_UPDATE_SQL = """
UPDATE cloud_drift d
   SET monthly_impact = v.amount, impact_currency = v.currency, updated_at = now()
  FROM unnest(%s::bigint[], %s::numeric[], %s::text[], %s::timestamptz[])
       AS v(id, amount, currency, read_at)
 WHERE d.id = v.id AND d.status IN ('open', 'suppressed') AND d.updated_at = v.read_at
   AND (d.monthly_impact IS DISTINCT FROM v.amount OR d.impact_currency <> v.currency)
"""


@dataclass
class RepriceOutcome:
    seen: int = 0
    changed: int = 0
    unpriced: int = 0

    def __str__(self) -> str:
        return (
            f"priced {self.seen} unresolved drift: {self.changed} changed, "
            f"{self.unpriced} unpriced (a price they need is not in the book)"
        )


def reprice_open_drift(
    *, only_unpriced: bool = False, batch_size: int = REPRICE_BATCH_SIZE
) -> RepriceOutcome:
    """Sets `monthly_impact` on every open drift (or only those without one) from the
    price book in effect this month: for drift opened before the impact existed, and
    after the book changes (detection prices a drift only when it opens or changes).
    Walks open drift in pk order, `QUERIES_PER_REPRICE_BATCH` queries a batch, the book
    read once per run."""
    prices = load_prices()
    outcome = RepriceOutcome()
    sql = _OPEN_SQL.format(only_unpriced="AND d.monthly_impact IS NULL" if only_unpriced else "")
    last_id = 0
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [last_id, batch_size])
            rows = cursor.fetchall()
            if not rows:
                break
            ids: list[int] = []
            amounts: list[Decimal | None] = []
            read_at: list[datetime] = []
            for drift_id, field, expected, actual, kind, size_slug, attrs, updated in rows:
                amount = drift_impact(
                    prices,
                    kind=kind,
                    columns={"size_slug": size_slug},
                    attrs=_load(attrs) or {},
                    field=field,
                    expected=_load(expected),
                    actual=_load(actual),
                )
                ids.append(drift_id)
                amounts.append(amount)
                read_at.append(updated)
                outcome.unpriced += amount is None
            cursor.execute(_UPDATE_SQL, [ids, amounts, [prices.currency] * len(ids), read_at])
            outcome.changed += cursor.rowcount
        outcome.seen += len(rows)
        last_id = rows[-1][0]
        if len(rows) < batch_size:
            break
    return outcome


def _load(text: str | None) -> Any:
    return None if text is None else json.loads(text)
