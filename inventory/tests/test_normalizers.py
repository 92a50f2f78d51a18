"""The normalized attributes revert and drift depend on (the kinds contract), from
objects shaped like DO's spec examples, and the URNs project assignments match."""

from __future__ import annotations

import pytest

from inventory.kinds import BACKUP_POLICY_KEY, KINDS, normalize_droplet, urn_for
from inventory.kinds.networking import (
    normalize_firewall,
    normalize_load_balancer,
    normalize_reserved_ip,
)
from inventory.kinds.platform import normalize_database, normalize_kubernetes_cluster
from inventory.kinds.storage import normalize_volume
from inventory.models import Kind


@pytest.mark.parametrize(
    ("kind", "provider_id", "urn"),
    [
        (Kind.DROPLET, "3164444", "do:droplet:3164444"),
        (Kind.LOAD_BALANCER, "4de7ac8b", "do:loadbalancer:4de7ac8b"),
        (Kind.DATABASE, "9cc10173", "do:dbaas:9cc10173"),
        (Kind.KUBERNETES_CLUSTER, "bd5f5959", "do:kubernetes:bd5f5959"),
        (Kind.RESERVED_IP, "45.55.96.47", "do:floatingip:45.55.96.47"),
        (Kind.DOMAIN, "example.com", "do:domain:example.com"),
        (Kind.CONTAINER_REGISTRY, "example", "do:registry:example"),
        (Kind.CDN_ENDPOINT, "19f06b6a", "do:cdn:19f06b6a"),
        (Kind.VOLUME, "506f78a4", "do:volume:506f78a4"),
        (Kind.GENAI_AGENT, "1b418231", "do:genai_agent:1b418231"),
    ],
)
def test_urns_are_dos_own(kind, provider_id, urn):
    assert urn_for(kind, provider_id) == urn


def test_every_kind_has_a_spec():
    assert set(KINDS) == set(Kind.values)


def test_volume_attrs():
    # volumes/examples.yml volumes_all
    row = normalize_volume(
        {
            "id": "506f78a4-e098-11e5-ad9f-000f53306ae1",
            "region": {"slug": "nyc1", "sizes": ["s-1vcpu-1gb"]},
            "droplet_ids": [9, 10],
            "name": "example",
            "description": "Block store for examples",
            "size_gigabytes": 10,
            "created_at": "2016-03-02T17:00:49Z",
            "filesystem_type": "ext4",
            "tags": ["b", "a"],
        }
    )
    assert (row.region, row.size_slug, row.tags) == ("nyc1", "", ["a", "b"])
    assert row.attrs["size_gigabytes"] == 10 and row.attrs["droplet_ids"] == ["10", "9"]
    assert row.attrs["filesystem_type"] == "ext4"
    assert row.attrs["description"] == "Block store for examples"


def test_database_attrs_leave_out_connection_and_maintenance_window():
    raw = {
        "id": "9cc10173-e9ea-4176-9dbc-a4cee4c4ff30",
        "name": "backend",
        "engine": "pg",
        "version": "14",
        "num_nodes": 2,
        "size": "db-s-2vcpu-4gb",
        "region": "nyc3",
        "status": "online",
        "storage_size_mib": 61440,
        "connection": {"password": "a"},
        "maintenance_window": {"day": "tuesday", "pending": False},
    }
    row = normalize_database(raw)
    moved = normalize_database(
        {**raw, "connection": {"password": "b"}, "maintenance_window": {"pending": True}}
    )
    assert row.size_slug == "db-s-2vcpu-4gb"
    assert (row.attrs["engine"], row.attrs["version"], row.attrs["num_nodes"]) == ("pg", "14", 2)
    assert row.attrs["storage_size_mib"] == 61440
    assert row == moved


def test_kubernetes_node_pools_are_a_dict_by_name_and_status_message_is_volatile():
    raw = {
        "id": "bd5f5959-5e1e-4205-a714-a914373942af",
        "name": "prod",
        "region": "nyc1",
        "version": "1.31.1-do.4",
        "ha": True,
        "status": {"state": "running", "message": "Cluster is running"},
        "node_pools": [
            {
                "id": "cdda885e",
                "name": "worker",
                "size": "s-2vcpu-4gb",
                "count": 3,
                "auto_scale": False,
                "nodes": [{"name": "worker-1", "status": {"state": "running"}}],
            }
        ],
    }
    row = normalize_kubernetes_cluster(raw)
    assert row.status == "running" and row.size_slug == ""
    assert row.attrs["node_pools"] == {
        "worker": {
            "id": "cdda885e",
            "size": "s-2vcpu-4gb",
            "count": 3,
            "auto_scale": False,
            "min_nodes": 0,
            "max_nodes": 0,
        }
    }
    assert row.attrs["ha"] is True and row.attrs["version"] == "1.31.1-do.4"
    assert normalize_kubernetes_cluster({**raw, "status": {"state": "running"}}) == row


def test_load_balancer_rules_sorted_and_size():
    row = normalize_load_balancer(
        {
            "id": "4de7ac8b",
            "name": "lb",
            "size": "lb-small",
            "region": {"slug": "nyc3"},
            "forwarding_rules": [
                {"entry_protocol": "https", "entry_port": 443, "target_port": 80},
                {"entry_protocol": "http", "entry_port": 80, "target_port": 80},
            ],
            "health_check": {"port": 80},
            "droplet_ids": [3164445, 3164444],
            "tag": "",
        }
    )
    assert row.size_slug == "lb-small" and row.region == "nyc3"
    assert [r["entry_protocol"] for r in row.attrs["forwarding_rules"]] == ["http", "https"]
    assert row.attrs["droplet_ids"] == ["3164444", "3164445"]
    assert row.attrs["size_unit"] is None and row.attrs["health_check"] == {"port": 80}


def test_firewall_rules_are_canonical():
    one = {
        "id": "bb4b2611",
        "name": "fw",
        "tags": ["gateway"],
        "droplet_ids": [8043964],
        "inbound_rules": [
            {"protocol": "tcp", "ports": "80", "sources": {"addresses": ["b", "a"]}},
            {"protocol": "tcp", "ports": "22", "sources": {"tags": ["gateway"]}},
        ],
        "outbound_rules": [{"protocol": "tcp", "ports": "all", "destinations": {}}],
    }
    other = {**one, "inbound_rules": list(reversed(one["inbound_rules"]))}
    other["inbound_rules"][1] = {**other["inbound_rules"][1], "sources": {"addresses": ["a", "b"]}}
    row = normalize_firewall(one)
    assert row == normalize_firewall(other)
    assert [r["ports"] for r in row.attrs["inbound_rules"]] == ["22", "80"]
    assert row.tags == ["gateway"] and row.attrs["droplet_ids"] == ["8043964"]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ({"ip": "45.55.96.47", "region": {"slug": "nyc3"}, "droplet": {"id": 7}}, (7, 4, "nyc3")),
        ({"ip": "2604:a880::1", "region_slug": "nyc3", "droplet": None}, (None, 6, "nyc3")),
    ],
)
def test_reserved_ip_attrs(raw, expected):
    row = normalize_reserved_ip(raw)
    assert (row.attrs["droplet_id"], row.attrs["ip_version"], row.region) == expected
    assert row.provider_id == raw["ip"]


def test_gpu_droplet_attrs():
    # droplets/responses/examples.yml gpu_droplets
    row = normalize_droplet(
        {
            "id": 448543583,
            "name": "ml-ai-ubuntu-gpu-h100x1-80gb-tor1",
            "size_slug": "gpu-h100x1-80gb",
            "region": {"slug": "tor1"},
            "image": {"id": 1, "slug": "gpu-h100x1-base", "type": "base"},
            "kernel": None,
            "backup_ids": [9, 10],
            "snapshot_ids": [],
            "gpu_info": {"count": 1, "vram": {"amount": 80, "unit": "gib"}, "model": "nvidia_h100"},
            "disk_info": [
                {"type": "scratch", "size": {"amount": 5120, "unit": "gib"}},
                {"type": "local", "size": {"amount": 720, "unit": "gib"}},
            ],
            BACKUP_POLICY_KEY: {
                "backup_enabled": True,
                "backup_policy": {"plan": "weekly", "weekday": "SUN", "hour": 8},
                "next_backup_window": {"start": "2024-01-01T08:00:00Z"},
            },
        }
    )
    attrs = row.attrs
    assert attrs["gpu_info"] == {"model": "nvidia_h100", "count": 1, "vram_gb": 80}
    assert [d["type"] for d in attrs["disk_info"]] == ["local", "scratch"]
    assert attrs["backup_ids"] == ["10", "9"] and attrs["snapshot_ids"] == []
    assert attrs["kernel"] is None and attrs["image"]["type"] == "base"
    assert attrs["backup_policy"]["enabled"] is True
    assert attrs["backup_policy"]["plan"] == "weekly"
    assert "next_backup_window" not in attrs["backup_policy"]


def test_droplet_without_a_policy_record_has_none():
    assert normalize_droplet({"id": 1}).attrs["backup_policy"] is None
    assert normalize_droplet({"id": 1}).attrs["gpu_info"] is None
