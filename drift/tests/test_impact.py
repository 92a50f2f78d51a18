"""The cost of drift (DESIGN.md, "Cost of drift"): what a drift costs a month, priced
with billing's rules and price book, one rule per test."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from billing.models import Price
from billing.monthly_price import MonthlyPrices
from drift.services import impact
from drift.services.impact import drift_impact, load_prices
from tests.factories import PriceFactory

pytestmark = pytest.mark.django_db

MONTH = date(2026, 11, 1)

# DO's prices (GET /v2/sizes, and the seeded book for the rest).
BOOK: tuple[tuple[str, str, str, str], ...] = (
    ("droplet", "s-1vcpu-1gb", "0.00893", "6.00"),
    ("droplet", "s-2vcpu-4gb", "0.03571", "24.00"),
    ("droplet", "s-4vcpu-8gb", "0.07143", "48.00"),
    ("volume", "volume-gib", "0.000149", "0.10"),
    ("database", "db-s-1vcpu-1gb", "0.02232", "15.00"),
    ("database", "db-storage-gib", "0.0003125", "0.21"),
    ("load_balancer", "lb-node", "0.01786", "12.00"),
    ("reserved_ip", "reserved-ipv4", "0.00744", "5.00"),
    ("kubernetes_cluster", "doks-ha-control-plane", "0.05952", "40.00"),
    ("app", "apps-s-1vcpu-1gb", "0.01786", "12.00"),
    ("container_registry", "registry-basic", "0.00744", "5.00"),
    ("container_registry", "registry-professional", "0.02976", "20.00"),
)


@pytest.fixture
def book() -> None:
    for kind, key, hourly, monthly in BOOK:
        PriceFactory(
            kind=kind, size_slug=key, price_hourly=Decimal(hourly), price_monthly=Decimal(monthly)
        )


def priced(
    kind: str,
    field: str,
    *,
    expected: Any,
    actual: Any,
    size_slug: str = "",
    attrs: dict[str, Any] | None = None,
) -> Decimal | None:
    return drift_impact(
        MonthlyPrices.load(MONTH),
        kind=kind,
        columns={"size_slug": size_slug},
        attrs=attrs or {},
        field=field,
        expected=expected,
        actual=actual,
    )


def test_a_droplet_resized_up_costs_the_difference_of_its_sizes(book):
    amount = priced(
        "droplet",
        "size_slug",
        expected="s-1vcpu-1gb",
        actual="s-4vcpu-8gb",
        size_slug="s-4vcpu-8gb",
    )

    assert amount == Decimal("42.00")


def test_a_droplet_smaller_than_its_spec_saves_money(book):
    amount = priced(
        "droplet",
        "size_slug",
        expected="s-4vcpu-8gb",
        actual="s-1vcpu-1gb",
        size_slug="s-1vcpu-1gb",
    )

    assert amount == Decimal("-42.00")


def test_a_volume_grown_by_100_gib_costs_100_gib_months(book):
    amount = priced(
        "volume", "size_gigabytes", expected=100, actual=200, attrs={"size_gigabytes": 200}
    )

    assert amount == Decimal("10.00")


def test_a_name_change_costs_nothing_even_on_a_size_the_book_does_not_know():
    amount = priced(
        "droplet", "name", expected="web-1", actual="web-renamed", size_slug="no-such-size"
    )

    assert amount == Decimal("0.00")


@pytest.mark.parametrize(
    ("field", "expected", "actual"),
    [
        ("tags", ["web"], ["web", "extra"]),
        ("region", "nyc3", "ams3"),
        ("status", "active", "off"),  # power state never counts
        ("image.slug", "ubuntu-22-04-x64", "ubuntu-24-04-x64"),
    ],
)
def test_a_field_with_no_price_effect_costs_nothing(book, field, expected, actual):
    attrs = {"image": {"slug": "ubuntu-24-04-x64"}}

    amount = priced(
        "droplet", field, expected=expected, actual=actual, size_slug="s-1vcpu-1gb", attrs=attrs
    )

    assert amount == Decimal("0.00")


def test_firewall_rules_cost_nothing():
    amount = priced(
        "firewall",
        "inbound_rules",
        expected=[{"protocol": "tcp", "ports": "22"}],
        actual=[{"protocol": "tcp", "ports": "22"}, {"protocol": "tcp", "ports": "3306"}],
    )

    assert amount == Decimal("0.00")


def test_a_size_the_book_does_not_know_is_unpriced(book):
    amount = priced(
        "droplet",
        "size_slug",
        expected="s-1vcpu-1gb",
        actual="s-64vcpu-unknown",
        size_slug="s-64vcpu-unknown",
    )

    assert amount is None


def test_a_kind_no_rule_prices_is_unpriced_when_its_size_differs():
    amount = priced("nfs_share", "size_gib", expected=50, actual=100, attrs={"size_gib": 100})

    assert amount is None


def test_a_tombstoned_droplet_saves_its_monthly_price(book):
    amount = priced(
        "droplet",
        "deleted_at",
        expected=None,
        actual="2026-11-03T10:00:00+00:00",
        size_slug="s-1vcpu-1gb",
    )

    assert amount == Decimal("-6.00")


def test_backups_enabled_against_the_spec_cost_their_share_of_the_droplet(book):
    attrs = {"backup_policy": {"enabled": True, "plan": "weekly"}}

    amount = priced(
        "droplet",
        "backup_policy.enabled",
        expected=False,
        actual=True,
        size_slug="s-4vcpu-8gb",
        attrs=attrs,
    )

    assert amount == Decimal("9.60")  # 20 % of $48


def test_a_database_node_added_costs_one_node(book):
    attrs = {"num_nodes": 3, "storage_size_mib": 10240}

    amount = priced(
        "database", "num_nodes", expected=2, actual=3, size_slug="db-s-1vcpu-1gb", attrs=attrs
    )

    assert amount == Decimal("15.00")


def test_database_storage_beyond_the_included_disk_costs_per_gib(book):
    # db-s-1vcpu-1gb includes 10 GiB: 30 GiB live is 20 GiB extra, at $0.21.
    attrs = {"num_nodes": 1, "storage_size_mib": 30 * 1024}

    amount = priced(
        "database",
        "storage_size_mib",
        expected=10 * 1024,
        actual=30 * 1024,
        size_slug="db-s-1vcpu-1gb",
        attrs=attrs,
    )

    assert amount == Decimal("4.20")


def test_a_load_balancer_node_added_costs_a_node(book):
    amount = priced("load_balancer", "size_unit", expected=2, actual=3, attrs={"size_unit": 3})

    assert amount == Decimal("12.00")


def test_an_unassigned_reserved_ip_costs_its_monthly_price(book):
    amount = priced(
        "reserved_ip",
        "droplet_id",
        expected=123,
        actual=None,
        attrs={"droplet_id": None, "ip_version": 4},
    )

    assert amount == Decimal("5.00")


def test_kubernetes_ha_costs_the_control_plane(book):
    amount = priced("kubernetes_cluster", "ha", expected=False, actual=True, attrs={"ha": True})

    assert amount == Decimal("40.00")


def test_a_node_pool_scaled_up_costs_its_extra_droplets(book):
    attrs = {"ha": False, "node_pools": {"worker": {"size": "s-2vcpu-4gb", "count": 5}}}

    amount = priced(
        "kubernetes_cluster", "node_pools.worker.count", expected=3, actual=5, attrs=attrs
    )

    assert amount == Decimal("48.00")


def test_an_app_component_with_more_instances_costs_them(book):
    spec = {"services": [{"name": "web", "instance_size_slug": "apps-s-1vcpu-1gb"}]}
    spec["services"][0]["instance_count"] = 3

    amount = priced(
        "app", "spec.services.0.instance_count", expected=1, actual=3, attrs={"spec": spec}
    )

    assert amount == Decimal("24.00")


def test_a_registry_tier_above_the_spec_costs_the_difference(book):
    amount = priced(
        "container_registry",
        "subscription_tier",
        expected="basic",
        actual="professional",
        attrs={"subscription_tier": "professional"},
    )

    assert amount == Decimal("15.00")


def test_a_path_the_spec_value_cannot_be_placed_at_is_unpriced(book):
    spec = {"services": []}

    amount = priced(
        "app", "spec.services.0.instance_count", expected=2, actual=None, attrs={"spec": spec}
    )

    assert amount is None


def test_the_month_is_priced_with_the_book_in_effect_at_its_start(book):
    # DO's price changes mid-November: November keeps the old one, December the new.
    change = datetime(2026, 11, 15, tzinfo=UTC)
    Price.objects.filter(size_slug="s-4vcpu-8gb").update(valid_to=change)
    PriceFactory(
        size_slug="s-4vcpu-8gb",
        price_hourly=Decimal("0.08929"),
        price_monthly=Decimal("60.00"),
        valid_from=change,
    )
    args: dict[str, Any] = {
        "kind": "droplet",
        "columns": {"size_slug": "s-4vcpu-8gb"},
        "attrs": {},
        "field": "size_slug",
        "expected": "s-1vcpu-1gb",
        "actual": "s-4vcpu-8gb",
    }

    november = drift_impact(MonthlyPrices.load(date(2026, 11, 1)), **args)
    december = drift_impact(MonthlyPrices.load(date(2026, 12, 1)), **args)

    assert (november, december) == (Decimal("42.00"), Decimal("54.00"))


def test_billing_registers_the_price_book_with_drift(book):
    prices = load_prices()

    assert isinstance(prices, MonthlyPrices)
    assert prices.currency == "USD"


def test_without_a_registered_price_book_every_drift_is_unpriced(monkeypatch):
    monkeypatch.setattr(impact, "_loader", None)

    amount = drift_impact(
        load_prices(),
        kind="droplet",
        columns={"size_slug": "s-1vcpu-1gb"},
        attrs={},
        field="name",
        expected="a",
        actual="b",
    )

    assert amount is None


@pytest.mark.parametrize("drifts", [3, 300])
def test_pricing_a_batch_reads_the_book_once_whatever_its_size(book, drifts):
    with CaptureQueriesContext(connection) as captured:
        prices = MonthlyPrices.load(MONTH)
        amounts = [
            drift_impact(
                prices,
                kind="droplet",
                columns={"size_slug": "s-4vcpu-8gb"},
                attrs={},
                field="size_slug",
                expected="s-1vcpu-1gb" if n % 2 else "s-2vcpu-4gb",
                actual="s-4vcpu-8gb",
            )
            for n in range(drifts)
        ]

    assert len(captured.captured_queries) == 1
    assert set(amounts) == {Decimal("42.00"), Decimal("24.00")}
