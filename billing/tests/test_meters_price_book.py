"""The price book for what DO's API does not price: seeded with DO's published prices,
then versioned and effective-dated by operators (billing.services.prices)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from arcadia.errors import InvalidInput
from billing.meters.published import PUBLISHED_PRICES
from billing.models import Price
from billing.services.prices import PriceBook, seed_published_prices, set_price
from billing.tests.conftest import at, month
from tests.factories import PlatformAdminFactory, PriceFactory

pytestmark = pytest.mark.django_db


def test_seed_writes_every_published_price_once():
    assert seed_published_prices() == len(PUBLISHED_PRICES)
    assert seed_published_prices() == 0
    assert Price.objects.get(size_slug="volume-gib").price_monthly == Decimal("0.10")


def test_seed_leaves_an_operators_version_alone():
    set_price(
        kind="volume",
        size_slug="volume-gib",
        price_hourly=Decimal("0.0002"),
        price_monthly=Decimal("0.12"),
        valid_from=at("2026-01-01 00:00"),
        actor="ops",
    )
    seed_published_prices()
    assert Price.objects.filter(size_slug="volume-gib").count() == 1


def test_a_new_version_closes_the_one_in_effect_and_prices_later_months():
    seed_published_prices()
    new = set_price(
        kind="volume",
        size_slug="volume-gib",
        price_hourly=Decimal("0.0002"),
        price_monthly=Decimal("0.12"),
        valid_from=at("2026-05-01 00:00"),
        actor="console:ops",
    )
    old = Price.objects.get(size_slug="volume-gib", valid_to__isnull=False)
    assert old.valid_to == new.valid_from and new.set_by == "console:ops"
    assert PriceBook.load(month("2026-04")).get("volume-gib", "USD").price_monthly == Decimal(
        "0.10"
    )
    assert PriceBook.load(month("2026-05")).get("volume-gib", "USD").price_monthly == Decimal(
        "0.12"
    )


@pytest.mark.parametrize(
    ("field", "changes"),
    [
        ("valid_from", {"valid_from": at("2019-01-01 00:00")}),
        ("price_monthly", {"price_monthly": Decimal("-1")}),
        ("kind", {"kind": "teapot"}),
        ("kind", {"kind": "database"}),
    ],
)
def test_a_bad_version_is_refused_naming_the_field_and_writes_nothing(field, changes):
    seed_published_prices()
    before = list(Price.objects.order_by("id").values_list("id", "valid_to"))
    args = {
        "kind": "volume",
        "size_slug": "volume-gib",
        "price_hourly": Decimal("0.0002"),
        "price_monthly": Decimal("0.12"),
        "valid_from": at("2026-05-01 00:00"),
        "actor": "ops",
        **changes,
    }
    with pytest.raises(InvalidInput) as refused:
        set_price(**args)
    assert refused.value.field == field
    assert list(Price.objects.order_by("id").values_list("id", "valid_to")) == before


def test_backup_prices_follow_their_droplet_size():
    PriceFactory()  # s-1vcpu-1gb $0.00893 / $6.00
    book = PriceBook.load(month("2026-03"))
    daily = book.get("s-1vcpu-1gb+backups-daily", "USD")
    assert daily is not None
    assert (daily.price_hourly, daily.price_monthly) == (
        Decimal("0.00893") * Decimal("0.30"),
        Decimal("6.00") * Decimal("0.30"),
    )


def test_an_operator_adds_a_version_in_the_console(client):
    seed_published_prices()
    admin = PlatformAdminFactory()
    client.force_login(admin)
    answer = client.post(
        "/admin/billing/price/add/",
        {
            "kind": "load_balancer",
            "size_slug": "lb-node",
            "price_hourly": "0.02",
            "price_monthly": "13.00",
            "currency": "USD",
            "valid_from_0": "2026-06-01",
            "valid_from_1": "00:00:00",
        },
    )
    assert answer.status_code == 302, answer.content.decode()[:2000]
    current = Price.objects.get(size_slug="lb-node", valid_to__isnull=True)
    assert (current.price_monthly, current.set_by) == (
        Decimal("13.00"),
        f"console:{admin.username}",
    )
    assert Price.objects.filter(size_slug="lb-node").count() == 2
