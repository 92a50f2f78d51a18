"""Money as the console shows it: one formatter, and a factory of admin columns.

Amounts are stored at several precisions (cents on invoices, 12 places for a line's
unrounded cost, 10 for an hourly price). People read money at two decimals with its
currency, `1,234.50 USD`; a price keeps its stored digits (without trailing zeros), since
rounding `0.00893` to `0.01` would misstate it.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.contrib import admin

CENT = Decimal("0.01")


def format_money(amount: Decimal | int | None, currency: str) -> str:
    """`1234.5, "USD"` -> `1,234.50 USD` (half-up to the cent, thousands grouped); `-`
    for no amount (a sum over no rows)."""
    if amount is None:
        return "-"
    return f"{Decimal(amount).quantize(CENT, rounding=ROUND_HALF_UP):,.2f} {currency}"


def format_number(value: Decimal) -> str:
    """A quantity or a price at its stored precision, without trailing zeros
    (`0.0089300000` -> `0.00893`, `42.000000` -> `42`)."""
    return format(value.normalize(), "f")


def format_price(price: Decimal | None, currency: str, per: str = "") -> str:
    """`0.0089300000, "USD", "hour"` -> `0.00893 USD/hour`: every stored digit that
    matters, with its currency (and what it is per)."""
    if price is None:
        return "-"
    return f"{format_number(price)} {currency}" + (f"/{per}" if per else "")


def _own_currency(obj: Any) -> str:
    return str(obj.currency)


def money_column(
    field: str,
    description: str,
    *,
    currency: Callable[[Any], str] = _own_currency,
    ordering: str | None = None,
) -> Callable[[Any, Any], str]:
    """An admin display method (for `list_display` or `readonly_fields`) showing `field`
    with `format_money`, sortable by the field. `currency` reads the row's currency
    (its own `currency` unless said: a reconciliation line's is its reconciliation's).

        total_money = money_column("total", "Total")
    """

    @admin.display(description=description, ordering=ordering or field)
    def column(modeladmin: Any, obj: Any) -> str:
        return format_money(getattr(obj, field), currency(obj))

    column.__name__ = f"{field}_money"
    return column


def price_column(
    field: str, description: str, *, per: str = "", ordering: str | None = None
) -> Callable[[Any, Any], str]:
    """As `money_column`, for a price: its stored precision with its currency."""

    @admin.display(description=description, ordering=ordering or field)
    def column(modeladmin: Any, obj: Any) -> str:
        return format_price(getattr(obj, field), str(obj.currency), per)

    column.__name__ = f"{field}_price"
    return column
