"""Each product's rule as a pure function of a state (billing.meters)."""

from __future__ import annotations

from decimal import Decimal

from billing.meters import METERS, NOT_METERED_KINDS, Product, Unit
from billing.meters.compute import droplet_charges
from billing.meters.networking import load_balancer_charges, reserved_ip_charges
from billing.meters.platform import (
    app_charges,
    database_charges,
    kubernetes_charges,
    registry_charges,
)
from billing.meters.storage import volume_charges
from inventory.models import Kind


def products(charges):
    return [(c.product, c.price_key, c.quantity, c.unit) for c in charges]


def test_droplet_with_weekly_backups_is_two_charges():
    state = {"size_slug": "s-1vcpu-1gb", "backup_policy": {"enabled": True, "plan": "weekly"}}
    assert products(droplet_charges(state)) == [
        (Product.DROPLET, "s-1vcpu-1gb", 1, Unit.HOURS),
        (Product.DROPLET_BACKUP, "s-1vcpu-1gb+backups-weekly", 1, Unit.HOURS),
    ]


def test_disabled_backup_policy_charges_nothing_for_backups():
    state = {"size_slug": "s-1vcpu-1gb", "backup_policy": {"enabled": False, "plan": "daily"}}
    assert products(droplet_charges(state)) == [(Product.DROPLET, "s-1vcpu-1gb", 1, Unit.HOURS)]


def test_gpu_droplet_is_its_own_product():
    state = {"size_slug": "gpu-h100x1-80gb", "gpu_info": {"model": "H100", "count": 1}}
    assert droplet_charges(state)[0].product == Product.GPU_DROPLET


def test_database_is_size_times_nodes_plus_storage_beyond_the_included():
    state = {"size_slug": "db-s-1vcpu-1gb", "num_nodes": 3, "storage_size_mib": 30 * 1024}
    assert products(database_charges(state)) == [
        (Product.DATABASE, "db-s-1vcpu-1gb", 3, Unit.HOURS),
        (Product.DATABASE_STORAGE, "db-storage-gib", 20, Unit.GIB_MONTHS),
    ]


def test_database_at_its_included_storage_has_no_storage_charge():
    state = {"size_slug": "db-s-1vcpu-1gb", "num_nodes": 1, "storage_size_mib": 10 * 1024}
    assert [c.product for c in database_charges(state)] == [Product.DATABASE]


def test_load_balancer_by_size_unit_is_that_many_nodes_else_its_size():
    assert products(load_balancer_charges({"size_unit": 3})) == [
        (Product.LOAD_BALANCER, "lb-node", 3, Unit.HOURS)
    ]
    assert products(load_balancer_charges({"size_slug": "lb-medium", "size_unit": None})) == [
        (Product.LOAD_BALANCER, "lb-medium", 1, Unit.HOURS)
    ]


def test_reserved_ip_charges_only_while_unassigned():
    assert reserved_ip_charges({"droplet_id": 42, "ip_version": 4}) == []
    assert products(reserved_ip_charges({"droplet_id": None, "ip_version": 4})) == [
        (Product.RESERVED_IP, "reserved-ipv4", 1, Unit.HOURS)
    ]
    assert reserved_ip_charges({"droplet_id": None, "ip_version": 6}) == []


def test_app_components_of_one_size_add_their_counts():
    spec = {
        "services": [
            {"instance_size_slug": "apps-s-1vcpu-1gb", "instance_count": 2},
            {"instance_size_slug": "apps-s-1vcpu-0.5gb"},
        ],
        "workers": [{"instance_size_slug": "apps-s-1vcpu-1gb", "instance_count": 1}],
        "static_sites": [{"name": "docs"}],
    }
    assert products(app_charges({"spec": spec})) == [
        (Product.APP, "apps-s-1vcpu-0.5gb", 1, Unit.HOURS),
        (Product.APP, "apps-s-1vcpu-1gb", 3, Unit.HOURS),
    ]


def test_kubernetes_bills_only_the_ha_control_plane():
    assert kubernetes_charges({"ha": False}) == []
    assert [c.price_key for c in kubernetes_charges({"ha": True})] == ["doks-ha-control-plane"]


def test_registry_starter_tier_is_free():
    assert registry_charges({"subscription_tier": "starter"}) == []
    assert [c.price_key for c in registry_charges({"subscription_tier": "basic"})] == [
        "registry-basic"
    ]


def test_volume_is_its_gib():
    assert products(volume_charges({"size_gigabytes": 100})) == [
        (Product.VOLUME, "volume-gib", Decimal(100), Unit.GIB_MONTHS)
    ]


def test_every_kind_is_metered_or_named_as_not_metered():
    assert set(METERS) | NOT_METERED_KINDS == set(Kind.values)
    assert Kind.FIREWALL in NOT_METERED_KINDS
