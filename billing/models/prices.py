"""The price book and a tenant's billing terms (DESIGN.md, "Prices", "Money")."""

from __future__ import annotations

from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import RangeBoundary, RangeOperators
from django.db import models
from django.db.models import F, Q

from billing.models.fields import (
    DEFAULT_CURRENCY,
    TsTzRange,
    currency_check,
    hourly_price_field,
    monthly_price_field,
    percent_field,
)
from inventory.models import PROVIDER_DO, Kind
from tenants.models import Tenant


class Price(models.Model):
    """A price-book row, versioned: a droplet size's from `GET /v2/sizes` (a new row only
    when DO's changes), or another product's (`billing.meters`: `size_slug` is its price
    key) seeded with DO's published price and then kept by operators (`set_price`).

    A month is priced with the row in effect at its start; a size's first row also covers
    the months before it was captured (`billing.selectors.price_book`)."""

    provider = models.CharField(max_length=32, default=PROVIDER_DO)
    kind = models.CharField(max_length=32, choices=Kind.choices, default=Kind.DROPLET)
    size_slug = models.CharField(max_length=64)
    price_hourly = hourly_price_field()
    price_monthly = monthly_price_field()
    currency = models.CharField(max_length=3, default=DEFAULT_CURRENCY)
    valid_from = models.DateTimeField()
    valid_to = models.DateTimeField(null=True, blank=True)
    set_by = models.CharField(
        max_length=255,
        blank=True,
        default="",
        help_text="Who wrote this version: an operator, or empty for DO's API and the seed.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "billing_prices"
        ordering = ["kind", "size_slug", "valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "kind", "size_slug", "currency"],
                condition=Q(valid_to__isnull=True),
                name="billing_prices_one_current",
            ),
            ExclusionConstraint(
                name="billing_prices_no_overlap",
                expressions=[
                    ("provider", RangeOperators.EQUAL),
                    ("kind", RangeOperators.EQUAL),
                    ("size_slug", RangeOperators.EQUAL),
                    ("currency", RangeOperators.EQUAL),
                    (
                        TsTzRange("valid_from", "valid_to", RangeBoundary()),
                        RangeOperators.OVERLAPS,
                    ),
                ],
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gt=F("valid_from")),
                name="billing_prices_valid_range",
            ),
            models.CheckConstraint(
                condition=Q(price_hourly__gte=0) & Q(price_monthly__gte=0),
                name="billing_prices_not_negative",
            ),
            currency_check("billing_prices_currency"),
        ]

    def __str__(self) -> str:
        return f"{self.size_slug} {self.price_hourly}/h {self.price_monthly}/mo {self.currency}"


class Account(models.Model):
    """A tenant's billing terms. No row means 0 % markup, USD."""

    tenant = models.OneToOneField(Tenant, on_delete=models.PROTECT, related_name="billing_account")
    markup_percent = percent_field(default=0)
    currency = models.CharField(max_length=3, default=DEFAULT_CURRENCY)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "billing_accounts"
        ordering = ["tenant__name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(markup_percent__gte=0) & Q(markup_percent__lte=1000),
                name="billing_accounts_markup_range",
            ),
            currency_check("billing_accounts_currency"),
        ]

    def __str__(self) -> str:
        return f"{self.tenant}: +{self.markup_percent}% {self.currency}"
