"""The price book (DESIGN.md, "Prices"): DO's sizes and registry tiers, versioned.

`refresh_prices` reads `GET /v2/sizes` and `GET /v2/registries/options` and writes a new
row only for a price that changed (closing the old row at the same instant) or that was
never captured. It runs before every generation and reconciliation, and after every
inventory sync.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from arcadia.errors import InvalidInput
from arcadia.locks import xact_lock
from billing.meters.compute import BACKUP_KEY_SEP, BACKUP_PERCENT, backup_key
from billing.meters.platform import registry_hourly, registry_key
from billing.meters.published import PUBLISHED_PRICES
from billing.models import DEFAULT_CURRENCY, Price
from billing.periods import month_bounds
from do_client import DONotFound
from inventory.models import PROVIDER_DO, Kind

log = logging.getLogger(__name__)

PRICES_LOCK = "billing:prices"


@dataclass
class PriceRefresh:
    seen: int = 0
    added: int = 0
    changed: int = 0
    unchanged: int = 0
    drift_repricing_queued: bool = False  # drift.reprice, once the change commits


def _price(value: Any) -> Decimal | None:
    # The client parses JSON numbers as Decimal from their text; an int (`4`) is exact too.
    if isinstance(value, bool) or value is None:
        return None
    try:
        price = value if isinstance(value, Decimal) else Decimal(str(value))
    except InvalidOperation:
        return None
    return price if price.is_finite() and price >= 0 else None


def _as_stored(price: Decimal, column: str) -> Decimal:
    """`price` at its column's precision, rounded as Postgres rounds a numeric (half away
    from zero; prices are never negative). DO sends float artefacts longer than the column:
    its own OpenAPI example `price_hourly: 0.00743999984115362`
    (https://github.com/digitalocean/openapi, specification/resources/droplets/responses/
    examples.yml) is stored as 0.0074399998, and compared unrounded it would differ from
    the stored row at every refresh. The column keeps 10 places, twice what DO's prices
    carry, so rounding there loses nothing DO means."""
    stored = Price._meta.get_field(column)
    assert isinstance(stored, models.DecimalField)
    places = stored.decimal_places
    return price.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


Quote = tuple[Decimal, Decimal]  # (price_hourly, price_monthly) at the stored precision

# DO's tier list (https://github.com/digitalocean/openapi, specification/resources/registry/
# registries_get_options.yml; `/v2/registry/options` is its deprecated twin).
REGISTRY_OPTIONS_PATH = "/v2/registries/options"


def _stored(hourly: Decimal, monthly: Decimal) -> Quote:
    return _as_stored(hourly, "price_hourly"), _as_stored(monthly, "price_monthly")


def _size_quotes(client: Any) -> dict[str, Quote]:
    sizes: dict[str, Quote] = {}
    for raw in client.list_sizes():
        slug = raw.get("slug")
        hourly, monthly = _price(raw.get("price_hourly")), _price(raw.get("price_monthly"))
        if not slug or hourly is None or monthly is None:
            log.warning("size %r has no usable price; skipped", slug)
            continue
        sizes[str(slug)] = _stored(hourly, monthly)
    return sizes


def _registry_quotes(client: Any) -> dict[str, Quote]:
    """The registry's subscription tiers by price key, monthly = `monthly_price_in_cents`
    / 100. A 404 (an account or simulator without the endpoint) is no tiers: the seeded
    prices stay; any other failure propagates as the sizes' read does."""
    try:
        body = client.request("GET", REGISTRY_OPTIONS_PATH)
    except DONotFound:
        log.info("%s answered 404; registry prices stay the book's", REGISTRY_OPTIONS_PATH)
        return {}
    options = body.get("options") if isinstance(body, dict) else None
    tiers = options.get("subscription_tiers") if isinstance(options, dict) else None
    quotes: dict[str, Quote] = {}
    for raw in tiers if isinstance(tiers, list) else []:
        slug = raw.get("slug") if isinstance(raw, dict) else None
        cents = _price(raw.get("monthly_price_in_cents")) if slug else None
        if not slug or cents is None:
            log.warning("registry tier %r has no usable price; skipped", slug)
            continue
        monthly = cents / 100
        quotes[registry_key(str(slug))] = _stored(registry_hourly(monthly), monthly)
    return quotes


def _write_changes(
    kind: str, quotes: dict[str, Quote], now: datetime, outcome: PriceRefresh
) -> None:
    """Versions `kind`'s keys to `quotes` (inside the caller's transaction and lock): a
    new row for a key never captured or whose price changed (its old row closed at
    `now`); an unchanged key writes nothing. Keys the quotes omit are left alone."""
    current = {
        p.size_slug: p
        for p in Price.objects.filter(
            provider=PROVIDER_DO, kind=kind, currency=DEFAULT_CURRENCY, valid_to__isnull=True
        )
    }
    close: list[int] = []
    new: list[Price] = []
    for key, (hourly, monthly) in sorted(quotes.items()):
        row = current.get(key)
        if row is not None and (row.price_hourly, row.price_monthly) == (hourly, monthly):
            outcome.unchanged += 1
            continue
        if row is None:
            outcome.added += 1
        else:
            outcome.changed += 1
            close.append(row.pk)
        new.append(_do_price(kind, key, hourly, monthly, valid_from=now))
    if close:
        Price.objects.filter(pk__in=close).update(valid_to=now)
    if new:
        Price.objects.bulk_create(new)


def refresh_prices(client: Any, *, now: datetime | None = None) -> PriceRefresh:
    """Captures DO's droplet sizes and registry tiers into `billing_prices`; an unchanged
    price writes nothing.

    `client` is a `DOClient` for purpose `billing` (`list_sizes()` and `request()`)."""
    # HTTP before the transaction, never inside it.
    sizes = _size_quotes(client)
    tiers = _registry_quotes(client)
    now = now or timezone.now()
    outcome = PriceRefresh(seen=len(sizes) + len(tiers))
    with transaction.atomic():
        xact_lock(PRICES_LOCK)
        _write_changes(Kind.DROPLET, sizes, now, outcome)
        _write_changes(Kind.CONTAINER_REGISTRY, tiers, now, outcome)
    if outcome.added or outcome.changed:
        _reprice_drift()
        outcome.drift_repricing_queued = True
    return outcome


def _reprice_drift() -> None:
    """After the book changed: unresolved drift is priced when it opens or its value
    changes, so without this the inbox's $/month would stay on the old prices until then.
    Queued once the change commits (never inside the caller's transaction: an admin
    request, a price refresh), on drift's queue: 100,000 open drifts are a hundred
    batches of their own. A broker that cannot take it is logged (`robust`); the new
    prices stand, and `manage.py price_drift` redoes it."""
    transaction.on_commit(_queue_repricing, robust=True)


def _queue_repricing() -> None:
    from drift.tasks import reprice  # a task module: imported when it is used

    reprice.delay()


@dataclass
class PriceBook:
    """The prices of one month: per (size, currency), the row in effect at the month's
    start, else (a size first captured later) its first row."""

    month: date
    prices: dict[tuple[str, str], Price] = field(default_factory=dict)

    @classmethod
    def load(cls, month: date, *, kind: str | None = None) -> PriceBook:
        """Every product's prices (or one kind's). Price keys are unique across products
        (`billing.meters`); backup plans are derived from their droplet size's row."""
        start, _ = month_bounds(month)
        book = cls(month)
        rows = Price.objects.filter(provider=PROVIDER_DO)
        if kind is not None:
            rows = rows.filter(kind=kind)
        for row in rows.order_by("size_slug", "currency", "valid_from"):
            key = (row.size_slug, row.currency)
            held = book.prices.get(key)
            # Rows come oldest first: keep the first, then any that began by the start.
            if held is None or row.valid_from <= start:
                book.prices[key] = row
        book._derive_backups()
        return book

    def _derive_backups(self) -> None:
        """A backup plan on a size costs DO's percentage of the size's price, hourly and
        monthly alike (billing.meters.compute)."""
        for (slug, currency), row in list(self.prices.items()):
            if row.kind != Kind.DROPLET or BACKUP_KEY_SEP in slug:
                continue
            for plan, percent in BACKUP_PERCENT.items():
                self.prices[(backup_key(slug, plan), currency)] = Price(
                    provider=row.provider,
                    kind=row.kind,
                    size_slug=backup_key(slug, plan),
                    price_hourly=row.price_hourly * percent,
                    price_monthly=row.price_monthly * percent,
                    currency=currency,
                    valid_from=row.valid_from,
                    valid_to=row.valid_to,
                )

    def get(self, size_slug: str, currency: str) -> Price | None:
        return self.prices.get((size_slug, currency))

    def require(self, needed: set[tuple[str, str]]) -> None:
        """InvalidInput naming every (size, currency) with no price: the generation that
        needed it writes nothing."""
        missing = sorted(k for k in needed if k not in self.prices)
        if missing:
            names = ", ".join(f"{size} ({currency})" for size, currency in missing)
            raise InvalidInput(
                f"No price for {names}: refresh the price book (GET /v2/sizes) "
                "or add it to the price book first.",
                code="price_missing",
            )


SEED_FROM = datetime(2020, 1, 1, tzinfo=UTC)


def seed_published_prices(*, now: datetime | None = None) -> int:
    """Writes DO's published price of every product the API does not price
    (`billing.meters.published`) that the book has no row for; a key the book already
    holds (an operator's version included) is left alone. Returns the rows written.

    A seeded row is in effect from `SEED_FROM`, as a size's first capture covers the
    months before it."""
    with transaction.atomic():
        xact_lock(PRICES_LOCK)
        have = set(
            Price.objects.filter(provider=PROVIDER_DO, currency=DEFAULT_CURRENCY).values_list(
                "size_slug", flat=True
            )
        )
        rows = [
            _do_price(kind, key, hourly, monthly, valid_from=SEED_FROM)
            for kind, key, hourly, monthly, _source in PUBLISHED_PRICES
            if key not in have
        ]
        Price.objects.bulk_create(rows)
    if rows:
        _reprice_drift()
    return len(rows)


def set_price(
    *,
    kind: str,
    size_slug: str,
    price_hourly: Decimal,
    price_monthly: Decimal,
    valid_from: datetime,
    actor: str,
    currency: str = DEFAULT_CURRENCY,
) -> Price:
    """An operator's new version of one price-book row, effective from `valid_from`: the
    version in effect then is closed at that instant (DESIGN.md, "Prices"). Refused
    (InvalidInput naming the field, nothing written) for an unknown kind, a negative
    price, or a `valid_from` not after the current version's start. `set_by` records who."""
    if kind not in Kind.values:
        raise InvalidInput(f"Unknown kind {kind!r}.", field="kind")
    if not size_slug:
        raise InvalidInput("A price key is required.", field="size_slug")
    for name, value in (("price_hourly", price_hourly), ("price_monthly", price_monthly)):
        if not Decimal(value).is_finite() or Decimal(value) < 0:
            raise InvalidInput("A price is an amount of at least 0.", field=name)
    with transaction.atomic():
        xact_lock(PRICES_LOCK)
        current = (
            Price.objects.select_for_update()
            .filter(provider=PROVIDER_DO, size_slug=size_slug, currency=currency)
            .filter(valid_to__isnull=True)
            .first()
        )
        if current is not None:
            if current.kind != kind:
                raise InvalidInput(
                    f"{size_slug} is a {current.kind} price, not a {kind} one.", field="kind"
                )
            if valid_from <= current.valid_from:
                since = f"{current.valid_from:%Y-%m-%d %H:%M}Z"
                raise InvalidInput(
                    f"The current version of {size_slug} starts {since}: a new one must "
                    "start after it.",
                    field="valid_from",
                )
            closed = Price.objects.filter(pk=current.pk, valid_to__isnull=True).update(
                valid_to=valid_from
            )
            if closed != 1:
                raise InvalidInput(f"{size_slug} changed meanwhile: retry.", field="size_slug")
        price = Price.objects.create(
            provider=PROVIDER_DO,
            kind=kind,
            size_slug=size_slug,
            price_hourly=price_hourly,
            price_monthly=price_monthly,
            currency=currency,
            valid_from=valid_from,
            set_by=actor,
        )
    _reprice_drift()
    return price


def _do_price(
    kind: str, key: str, hourly: Decimal, monthly: Decimal, *, valid_from: datetime
) -> Price:
    """A new version of one DO price (USD: the only currency DO prices in)."""
    return Price(
        provider=PROVIDER_DO,
        kind=kind,
        size_slug=key,
        price_hourly=hourly,
        price_monthly=monthly,
        currency=DEFAULT_CURRENCY,
        valid_from=valid_from,
    )
