"""Every product metered from the inventory's history and invoiced with its own rule
(DESIGN.md, "Every product"; billing.meters): segments, costs and invoice lines."""

from __future__ import annotations

from decimal import Decimal

import pytest

from billing.exports import COLUMNS, invoice_csv
from billing.models import Invoice, InvoiceLine, UsageSegment
from billing.tests.conftest import at, generate
from billing.tests.meters import Resource, d, seed_published_prices
from inventory.models import Kind
from tests.factories import PriceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _prices() -> None:
    seed_published_prices()
    PriceFactory()  # s-1vcpu-1gb: $0.00893 an hour, $6.00 a month


def lines(project) -> list[InvoiceLine]:
    invoice = Invoice.objects.get(tenant=project.tenant)
    return list(invoice.lines.order_by("id"))


def test_volume_resize_mid_month_splits_segments_billed_per_gib_month(project):
    volume = Resource(
        Kind.VOLUME,
        project=project,
        attrs={"size_gigabytes": 100},
        created=at("2026-02-01 00:00"),
        seen_until=at("2026-04-02 00:00"),
        name="data",
    )
    volume.change(at("2026-03-16 00:00"), size_gigabytes=200)
    generate("2026-03")

    assert [(s.size_slug, s.quantity, s.started_at) for s in UsageSegment.objects.all()] == [
        ("volume-gib", d("100"), at("2026-03-01 00:00")),
        ("volume-gib", d("200"), at("2026-03-16 00:00")),
    ]
    first, second = lines(project)
    # 360 h x $0.000149 x 100 GiB, then 384 h x $0.000149 x 200 GiB: hourly, as DO's
    # per-second note names Droplets only.
    assert (first.product, first.unit, first.unit_price) == ("volume", "GiB-months", d("0.10"))
    assert (first.cost, first.amount, first.quantity) == (d("5.364"), d("5.36"), d("53.64"))
    assert (second.cost, second.amount, second.quantity) == (d("11.4432"), d("11.44"), d("114.432"))
    assert first.description == "Volume data (100 GiB)"
    assert second.description == "Volume data (200 GiB)"


def test_volume_whole_month_is_capped_at_the_monthly_price_per_gib(project):
    Resource(
        Kind.VOLUME,
        project=project,
        attrs={"size_gigabytes": 50},
        created=at("2026-02-01 00:00"),
        seen_until=at("2026-04-02 00:00"),
    )
    generate("2026-03")
    (line,) = lines(project)
    assert (line.cost, line.capped, line.quantity) == (d("5.00"), True, d("50"))


def test_unassigned_reserved_ip_is_charged_only_while_unassigned(project):
    ip = Resource(
        Kind.RESERVED_IP,
        project=project,
        attrs={"droplet_id": 5, "ip_version": 4},
        created=at("2026-03-01 00:00"),
        seen_until=at("2026-03-21 00:00"),
        name="203.0.113.9",
    )
    ip.change(at("2026-03-11 00:00"), droplet_id=None)
    generate("2026-03")
    (line,) = lines(project)
    assert (line.product, line.usage_start, line.usage_end) == (
        "reserved_ip",
        at("2026-03-11 00:00"),
        at("2026-03-21 00:00"),
    )
    # 240 h x $0.00744.
    assert (line.quantity, line.unit, line.unit_price) == (d("240"), "hours", d("0.00744"))
    assert (line.cost, line.amount) == (d("1.7856"), d("1.79"))
    assert line.description == "Reserved IP 203.0.113.9 (unassigned)"


def test_assigned_reserved_ip_is_free(project):
    Resource(
        Kind.RESERVED_IP,
        project=project,
        attrs={"droplet_id": 5, "ip_version": 4},
        created=at("2026-03-01 00:00"),
        seen_until=at("2026-03-21 00:00"),
    )
    generation = generate("2026-03")
    assert generation.invoices == []
    assert not UsageSegment.objects.exists()


def test_backup_policy_from_weekly_to_daily_mid_month_prices_each_plan(project):
    droplet = Resource(
        Kind.DROPLET,
        project=project,
        size="s-1vcpu-1gb",
        attrs={"backup_policy": {"enabled": True, "plan": "weekly", "hour": 4}},
        created=at("2026-02-20 00:00"),
        seen_until=at("2026-04-02 00:00"),
        name="web",
    )
    droplet.change(
        at("2026-03-16 00:00"), backup_policy={"enabled": True, "plan": "daily", "hour": 4}
    )
    generate("2026-03")
    by_product = {}
    for line in lines(project):
        by_product.setdefault(line.product, []).append(line)
    (droplet_line,) = by_product["droplet"]
    assert (droplet_line.cost, droplet_line.capped) == (d("6.00"), True)
    weekly, daily = by_product["droplet_backup"]
    # Per second from 2026-01 like the Droplet: 360 h x $0.00893 x 20 %, 384 h x 30 %.
    assert (weekly.size_slug, weekly.cost) == ("s-1vcpu-1gb+backups-weekly", d("0.64296"))
    assert (daily.size_slug, daily.cost) == ("s-1vcpu-1gb+backups-daily", d("1.028736"))
    assert weekly.unit_price == d("0.00893") * d("0.20")
    assert weekly.description == "Droplet backups web (s-1vcpu-1gb, weekly)"


def test_backup_hour_change_alone_keeps_one_backup_segment(project):
    droplet = Resource(
        Kind.DROPLET,
        project=project,
        size="s-1vcpu-1gb",
        attrs={"backup_policy": {"enabled": True, "plan": "weekly", "hour": 4}},
        created=at("2026-02-20 00:00"),
        seen_until=at("2026-04-02 00:00"),
    )
    droplet.change(
        at("2026-03-16 00:00"), backup_policy={"enabled": True, "plan": "weekly", "hour": 8}
    )
    generate("2026-03")
    assert UsageSegment.objects.filter(product="droplet_backup").count() == 1


def test_database_partial_hours_round_up_before_2026_per_node(project):
    Resource(
        Kind.DATABASE,
        project=project,
        size="db-s-1vcpu-1gb",
        attrs={"num_nodes": 2, "storage_size_mib": 10240},
        created=at("2025-11-10 10:30"),
        seen_until=at("2025-11-10 12:10"),
        name="pg",
    )
    generate("2025-11")
    (line,) = lines(project)
    # 1 h 40 min -> 2 whole hours, x 2 nodes x $0.02232.
    assert (line.quantity, line.cost, line.amount) == (d("4"), d("0.08928"), d("0.09"))
    assert line.description == "Database cluster pg (db-s-1vcpu-1gb x 2 nodes)"


def test_database_whole_month_is_capped_per_node_with_extra_storage(project):
    Resource(
        Kind.DATABASE,
        project=project,
        size="db-s-1vcpu-1gb",
        attrs={"num_nodes": 3, "storage_size_mib": 20 * 1024},
        created=at("2026-02-01 00:00"),
        seen_until=at("2026-04-02 00:00"),
    )
    generate("2026-03")
    nodes, storage = lines(project)
    assert (nodes.product, nodes.cost, nodes.capped) == ("database", d("45.00"), True)
    # 10 GiB beyond the 10 included, a whole month at $0.21.
    assert (storage.product, storage.unit, storage.cost) == (
        "database_storage",
        "GiB-months",
        d("2.10"),
    )


def test_load_balancer_nodes_change_splits_and_stays_hourly_in_2026(project):
    lb = Resource(
        Kind.LOAD_BALANCER,
        project=project,
        attrs={"size_unit": 1},
        created=at("2026-03-01 00:00"),
        seen_until=at("2026-03-02 00:30"),
    )
    lb.change(at("2026-03-02 00:00"), size_unit=3)
    generate("2026-03")
    one, three = lines(project)
    assert (one.quantity, one.cost) == (d("24"), d("0.42864"))  # 24 h x $0.01786
    # 30 minutes round up to one hour (hourly: not a Droplet), x 3 nodes.
    assert (three.quantity, three.cost) == (d("3"), d("0.05358"))


def test_kubernetes_ha_control_plane_and_registry_tier_bill_by_the_hour(project):
    Resource(
        Kind.KUBERNETES_CLUSTER,
        project=project,
        attrs={"ha": True},
        created=at("2026-02-01 00:00"),
        seen_until=at("2026-04-02 00:00"),
    )
    Resource(
        Kind.CONTAINER_REGISTRY,
        project=project,
        attrs={"subscription_tier": "basic"},
        created=at("2026-03-31 00:00"),
        seen_until=at("2026-04-02 00:00"),
    )
    generate("2026-03")
    k8s, registry = lines(project)
    assert (k8s.product, k8s.cost, k8s.capped) == ("kubernetes_ha", d("40.00"), True)
    assert (registry.product, registry.quantity, registry.cost) == (
        "container_registry",
        d("24"),
        d("0.17856"),
    )


def test_app_components_bill_size_times_count(project):
    Resource(
        Kind.APP,
        project=project,
        attrs={
            "spec": {"services": [{"instance_size_slug": "apps-s-1vcpu-1gb", "instance_count": 2}]}
        },
        created=at("2026-03-01 00:00"),
        seen_until=at("2026-03-01 10:00"),
        name="shop",
    )
    generate("2026-03")
    (line,) = lines(project)
    assert (line.product, line.quantity, line.cost) == ("app", d("20"), d("0.3572"))
    assert line.description == "App Platform shop (apps-s-1vcpu-1gb x 2)"


def test_gpu_droplet_bills_per_second_from_2026(project):
    PriceFactory(size_slug="gpu-h100x1-80gb", price_hourly=d("3.39"), price_monthly=d("2278.08"))
    Resource(
        Kind.DROPLET,
        project=project,
        size="gpu-h100x1-80gb",
        attrs={"gpu_info": {"model": "H100", "count": 1}},
        created=at("2026-03-01 00:00"),
        seen_until=at("2026-03-01 00:30"),
    )
    generate("2026-03")
    (line,) = lines(project)
    assert (line.product, line.quantity, line.cost) == ("gpu_droplet", d("0.5"), d("1.695"))


def test_lines_carry_product_description_quantity_unit_and_unit_price_in_csv(project):
    Resource(
        Kind.SNAPSHOT,
        project=project,
        attrs={"size_gigabytes": 2.5},
        created=at("2026-02-01 00:00"),
        seen_until=at("2026-04-02 00:00"),
        name="nightly",
    )
    generate("2026-03")
    invoice = Invoice.objects.get(tenant=project.tenant)
    for column in ("product", "description", "quantity", "unit", "unit_price", "amount"):
        assert column in COLUMNS
    header, row, *_ = invoice_csv(invoice).splitlines()
    values = dict(zip(header.split(","), row.split(","), strict=False))
    assert values["product"] == "snapshot"
    assert values["description"] == "Snapshot nightly (2.5 GiB)"
    assert (values["unit"], Decimal(values["unit_price"])) == ("GiB-months", d("0.06"))
    assert Decimal(values["quantity"]) == d("2.5")
    assert Decimal(values["amount"]) == d("0.15")
