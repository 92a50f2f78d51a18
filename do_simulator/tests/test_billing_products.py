"""DO's bill for every product besides Droplets' own usage (billing_products.py)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from do_simulator.backups import DropletExtras
from do_simulator.resource_kinds import DEFAULT_COUNTS
from do_simulator.testing import SimulatorHandle, running_simulator

from .test_billing import invoice, ts


@pytest.fixture
def empty() -> Iterator[SimulatorHandle]:
    with running_simulator(droplets=0, resources={kind: 0 for kind in DEFAULT_COUNTS}) as handle:
        yield handle


def add(sim: SimulatorHandle, kind: str, body: dict, created: str) -> dict:
    """A resource created at `created` (DO's create body, then its `created_at` set)."""
    record = sim.state.oob_resource_add(kind, body)
    rid = str(record.get("ip") or record["id"])
    sim.state.oob_resource_update(kind, rid, {"created_at": created})
    return record


def items_of(sim: SimulatorHandle, period: str) -> tuple[dict, list[dict]]:
    with httpx.Client(base_url=sim.base_url, headers=sim.auth_headers) as client:
        return invoice(client, period)


def test_volume_bills_per_gib_up_to_the_monthly_price(empty: SimulatorHandle) -> None:
    add(
        empty,
        "volume",
        {"name": "data", "size_gigabytes": 100, "region": "nyc3"},
        "2025-11-03T00:00:00Z",
    )
    summary, items = items_of(empty, "2025-11")
    # 672 h x $0.000149 > $0.10: the month's price, x 100 GiB.
    assert [(i["product"], i["amount"], i["duration"]) for i in items] == [
        ("Volumes", "10.00", "672")
    ]
    assert summary["amount"] == "10.00"


def test_reserved_ip_bills_only_while_unassigned(empty: SimulatorHandle) -> None:
    state = empty.state
    (droplet_id,) = state.oob_add_droplets(1, created_at=ts("2025-12-01T00:00:00"))
    add(empty, "reserved_ip", {"region": "nyc3"}, "2025-11-20T00:00:00Z")
    add(empty, "reserved_ip", {"droplet_id": droplet_id}, "2025-11-20T00:00:00Z")
    _, items = items_of(empty, "2025-11")
    # 11 days = 264 h x $0.00744 = 1.96416, for the unassigned address alone.
    assert [(i["product"], i["amount"]) for i in items] == [("Reserved IPs", "1.96")]


def test_database_bills_size_times_nodes_by_whole_hours(empty: SimulatorHandle) -> None:
    add(
        empty,
        "database",
        {"name": "pg", "engine": "pg", "num_nodes": 2, "size": "db-s-1vcpu-1gb", "region": "nyc3"},
        "2025-11-30T22:30:00Z",
    )
    _, items = items_of(empty, "2025-11")
    # 1.5 h -> 2 h x $0.02232 x 2 nodes = 0.08928.
    assert [(i["product"], i["amount"], i["duration"]) for i in items] == [
        ("Managed Databases", "0.09", "2")
    ]


def test_backups_bill_the_plans_share_of_the_droplet(empty: SimulatorHandle) -> None:
    state = empty.state
    (droplet_id,) = state.oob_add_droplets(
        1, size="s-1vcpu-1gb", created_at=ts("2026-02-20T00:00:00")
    )
    state.droplet_extras[droplet_id] = DropletExtras(plan="daily", hour=4)
    summary, items = items_of(empty, "2026-03")
    assert sorted((i["product"], i["amount"]) for i in items) == [
        ("Backups", "1.80"),  # 30 % of the capped $6.00
        ("Droplets", "6.00"),
    ]
    assert summary["amount"] == "7.80"


def test_a_change_mid_month_bills_each_state_for_its_time(empty: SimulatorHandle) -> None:
    state = empty.state
    clock = {"now": ts("2025-11-10T00:00:00")}
    state.clock = lambda: clock["now"]
    record = add(empty, "reserved_ip", {"region": "nyc3"}, "2025-11-10T00:00:00Z")
    (droplet_id,) = state.oob_add_droplets(1, created_at=ts("2025-11-01T00:00:00"))
    clock["now"] = ts("2025-11-15T00:00:00")
    state.oob_resource_update("reserved_ip", record["ip"], {"droplet_id": droplet_id})
    clock["now"] = ts("2025-12-03T00:00:00")
    _, items = items_of(empty, "2025-11")
    # Unassigned from the 10th to the 15th only: 120 h x $0.00744 = 0.8928.
    assert [
        (i["product"], i["amount"], i["duration"]) for i in items if i["product"] != "Droplets"
    ] == [("Reserved IPs", "0.89", "120")]


def test_every_item_carries_dos_group_description_and_project_name(
    empty: SimulatorHandle,
) -> None:
    # resources/billing/models/invoice_item.yml: both fields on every item.
    state = empty.state
    (droplet_id,) = state.oob_add_droplets(1, created_at=ts("2025-11-01T00:00:00"))
    state.droplet_extras[droplet_id] = DropletExtras(plan="weekly", hour=4)
    volume = add(
        empty,
        "volume",
        {"name": "data", "size_gigabytes": 10, "region": "nyc3"},
        "2025-11-03T00:00:00Z",
    )
    add(
        empty,
        "database",
        {"name": "pg", "engine": "pg", "num_nodes": 1, "size": "db-s-1vcpu-1gb", "region": "nyc3"},
        "2025-11-03T00:00:00Z",
    )
    with httpx.Client(base_url=empty.base_url, headers=empty.auth_headers) as client:
        web = client.post("/v2/projects", json={"name": "web", "purpose": "Web Application"})
        project_id = web.json()["project"]["id"]
        moved = client.post(
            f"/v2/projects/{project_id}/resources",
            json={"resources": [f"do:volume:{volume['id']}"]},
        )
        assert moved.json()["resources"][0]["status"] == "ok"
    _, items = items_of(empty, "2025-11")
    default = state.default_project().name
    assert sorted((i["product"], i["group_description"], i["project_name"]) for i in items) == [
        ("Backups", "", default),
        ("Droplets", "", default),
        ("Managed Databases", "pg", default),
        ("Volumes", "", "web"),
    ]
