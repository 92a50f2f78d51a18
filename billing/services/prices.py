"""The price book (DESIGN.md, "Prices"): DO's sizes, versioned.

`refresh_prices` reads `GET /v2/sizes` and writes a new row only for a size whose price
changed (closing the old row at the same instant) or that was never captured. It runs
before every generation and reconciliation, and after every inventory sync.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone

from arcadia.errors import InvalidInput
from arcadia.locks import xact_lock
from billing.models import DEFAULT_CURRENCY, Price
from billing.periods import month_bounds
from inventory.models import PROVIDER_DO, Kind

log = logging.getLogger(__name__)

PRICES_LOCK = "billing:prices"


@dataclass
class PriceRefresh:
    seen: int = 0
    added: int = 0
    changed: int = 0
    unchanged: int = 0


def _price(value: Any) -> Decimal | None:
    # The client parses JSON numbers as Decimal from their text; an int (`4`) is exact too.
    if isinstance(value, bool) or value is None:
        return None
    try:
        price = value if isinstance(value, Decimal) else Decimal(str(value))
    except InvalidOperation:
        return None
    return price if price.is_finite() and price >= 0 else None


def refresh_prices(client: Any, *, now: datetime | None = None) -> PriceRefresh:
    """Captures DO's droplet sizes into `billing_prices`; an unchanged size writes nothing.

    `client` is anything with `list_sizes()` (a `DOClient` for purpose `billing`)."""
    sizes: dict[str, tuple[Decimal, Decimal]] = {}
    for raw in client.list_sizes():  # HTTP before the transaction, never inside it
        slug = raw.get("slug")
        hourly, monthly = _price(raw.get("price_hourly")), _price(raw.get("price_monthly"))
        if not slug or hourly is None or monthly is None:
            log.warning("size %r has no usable price; skipped", slug)
            continue
        sizes[str(slug)] = (hourly, monthly)
    now = now or timezone.now()
    outcome = PriceRefresh(seen=len(sizes))
    with transaction.atomic():
        xact_lock(PRICES_LOCK)
        current = {
            p.size_slug: p
            for p in Price.objects.filter(
                provider=PROVIDER_DO,
                kind=Kind.DROPLET,
                currency=DEFAULT_CURRENCY,
                valid_to__isnull=True,
            )
        }
        close: list[int] = []
        new: list[Price] = []
        for slug, (hourly, monthly) in sorted(sizes.items()):
            row = current.get(slug)
            if row is not None and (row.price_hourly, row.price_monthly) == (hourly, monthly):
                outcome.unchanged += 1
                continue
            if row is None:
                outcome.added += 1
            else:
                outcome.changed += 1
                close.append(row.pk)
            new.append(
                Price(
                    provider=PROVIDER_DO,
                    kind=Kind.DROPLET,
                    size_slug=slug,
                    price_hourly=hourly,
                    price_monthly=monthly,
                    currency=DEFAULT_CURRENCY,
                    valid_from=now,
                )
            )
        if close:
            Price.objects.filter(pk__in=close).update(valid_to=now)
        if new:
            Price.objects.bulk_create(new)
    return outcome


@dataclass
class PriceBook:
    """The prices of one month: per (size, currency), the row in effect at the month's
    start, else (a size first captured later) its first row."""

    month: date
    prices: dict[tuple[str, str], Price] = field(default_factory=dict)

    @classmethod
    def load(cls, month: date, *, kind: str = Kind.DROPLET) -> PriceBook:
        start, _ = month_bounds(month)
        book = cls(month)
        rows = Price.objects.filter(provider=PROVIDER_DO, kind=kind).order_by(
            "size_slug", "currency", "valid_from"
        )
        for row in rows:
            key = (row.size_slug, row.currency)
            held = book.prices.get(key)
            # Rows come oldest first: keep the first, then any that began by the start.
            if held is None or row.valid_from <= start:
                book.prices[key] = row
        return book

    def get(self, size_slug: str, currency: str) -> Price | None:
        return self.prices.get((size_slug, currency))

    def require(self, needed: set[tuple[str, str]]) -> None:
        """InvalidInput naming every (size, currency) with no price: the generation that
        needed it writes nothing."""
        missing = sorted(k for k in needed if k not in self.prices)
        if missing:
            names = ", ".join(f"{size} ({currency})" for size, currency in missing)
            raise InvalidInput(
                f"No price for {names}: refresh the price book (GET /v2/sizes) first.",
                code="price_missing",
            )
