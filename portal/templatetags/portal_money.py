"""Money on the portal's pages as the console writes it (`billing.money`): `1,234.50 USD`,
a unit price at its stored digits (`0.00893 USD/hour`)."""

from __future__ import annotations

from decimal import Decimal

from django import template

from billing.money import format_money, format_number, format_price

register = template.Library()


@register.filter
def money(amount: Decimal | None, currency: str) -> str:
    return format_money(amount, currency)


@register.filter
def price(amount: Decimal | None, currency: str) -> str:
    return format_price(amount, currency)


@register.filter
def number(value: Decimal) -> str:
    return format_number(value)
