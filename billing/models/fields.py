"""Shared column types and constraint helpers of billing's tables."""

from __future__ import annotations

from typing import Any

from django.contrib.postgres.fields import DateTimeRangeField
from django.db import models
from django.db.models import Func, Q

DEFAULT_CURRENCY = "USD"

# Storage precision. Prices keep DO's JSON text exactly (10 places > DO's 5); a line's
# cost is kept unrounded to 12 places, and only its amount is rounded (to the cent).
COST_PLACES = 12
QUANTITY_PLACES = 6


def money_field(**options: Any) -> models.DecimalField:
    return models.DecimalField(max_digits=14, decimal_places=2, **options)


def hourly_price_field(**options: Any) -> models.DecimalField:
    return models.DecimalField(max_digits=20, decimal_places=10, **options)


def monthly_price_field(**options: Any) -> models.DecimalField:
    return models.DecimalField(max_digits=16, decimal_places=6, **options)


def percent_field(**options: Any) -> models.DecimalField:
    return models.DecimalField(max_digits=7, decimal_places=3, **options)


class TsTzRange(Func):
    function = "TSTZRANGE"
    output_field = DateTimeRangeField()


def currency_check(name: str) -> models.CheckConstraint:
    return models.CheckConstraint(condition=Q(currency__regex=r"^[A-Z]{3}$"), name=name)
