"""List, get, create and delete of the other kinds: DO's keys, paging, errors, projects."""

from __future__ import annotations

import json

import httpx
import pytest

from do_simulator.resource_kinds import KINDS
from do_simulator.state import SimState
from do_simulator.testing import running_simulator

from .conftest import walk


def test_every_list_pages_with_dos_links() -> None:
    with (
        running_simulator(droplets=40, seed=3, resources={"volume": 45}) as sim,
        httpx.Client(base_url=sim.base_url, headers=sim.auth_headers) as client,
    ):
        items, pages = walk(client, "/v2/volumes?per_page=20", "volumes")
        assert (len(items), pages) == (45, 3)
        assert len({v["id"] for v in items}) == 45
        first = client.get("/v2/volumes", params={"per_page": 20}).json()
        assert first["meta"] == {"total": 45} and "prev" not in first["links"]["pages"]
        region = items[0]["region"]["slug"]
        filtered = client.get("/v2/volumes", params={"region": region}).json()["volumes"]
        assert filtered and all(v["region"]["slug"] == region for v in filtered)


def test_genai_and_vector_databases_page_their_own_way(client: httpx.Client) -> None:
    agents = client.get("/v2/gen-ai/agents", params={"per_page": 1}).json()
    assert agents["meta"] == {"page": 1, "pages": 2, "total": 2}
    assert "page=2" in agents["links"]["pages"]["next"]
    vdbs = client.get("/v2/vector-databases").json()
    assert set(vdbs) == {"vector_dbs", "total"} and vdbs["total"] == 1
    assert set(client.get("/v2/databases").json()) == {"databases"}


def test_missing_resource_is_dos_404(client: httpx.Client) -> None:
    for kind in KINDS.values():
        if kind.single:
            continue
        response = client.get(f"{kind.path}/00000000-0000-4000-8000-000000000000")
        assert response.status_code == 404, kind.name
        body = response.json()
        assert body["id"] == "not_found" and body["request_id"] == response.headers["x-request-id"]


def test_create_and_delete(client: httpx.Client) -> None:
    created = client.post(
        "/v2/volumes", json={"name": "v-new", "size_gigabytes": 10, "region": "nyc3"}
    )
    assert created.status_code == 201
    volume = created.json()["volume"]
    assert volume["region"]["slug"] == "nyc3" and volume["droplet_ids"] == []
    bad = client.post(
        "/v2/volumes", json={"name": "v-bad", "size_gigabytes": 10, "region": "mars1"}
    )
    assert bad.status_code == 422 and bad.json()["id"] == "unprocessable_entity"
    assert client.post("/v2/volumes", json={"name": "v-bad"}).status_code == 422
    assert client.delete(f"/v2/volumes/{volume['id']}").status_code == 204
    assert client.get(f"/v2/volumes/{volume['id']}").status_code == 404
    app = client.get("/v2/apps").json()["apps"][0]
    assert client.delete(f"/v2/apps/{app['id']}").json() == {"id": app["id"]}
    assert client.delete("/v2/registry").status_code == 204
    assert client.get("/v2/registry").status_code == 404
    registry = client.post(
        "/v2/registry", json={"name": "again", "subscription_tier_slug": "basic"}
    )
    assert registry.status_code == 201 and registry.json()["registry"]["name"] == "again"
    record = client.post("/v2/domains", json={"name": "new.example"})
    assert record.status_code == 201
    added = client.post(
        "/v2/domains/new.example/records", json={"type": "A", "name": "www", "data": "1.2.3.4"}
    )
    assert added.status_code == 201
    record_id = added.json()["domain_record"]["id"]
    assert client.get(f"/v2/domains/new.example/records/{record_id}").status_code == 200
    assert client.delete(f"/v2/domains/new.example/records/{record_id}").status_code == 204


def test_project_resources_list_and_assign_every_kind(client: httpx.Client) -> None:
    projects = client.get("/v2/projects").json()["projects"]
    target = projects[1]["id"]
    volume = client.get("/v2/volumes").json()["volumes"][0]
    domain = client.get("/v2/domains").json()["domains"][0]["name"]
    ip = client.get("/v2/reserved_ips").json()["reserved_ips"][0]["ip"]
    urns = [
        f"do:volume:{volume['id']}",
        f"do:domain:{domain}",
        f"do:floatingip:{ip}",
        "do:volume:missing",
    ]
    answer = client.post(f"/v2/projects/{target}/resources", json={"resources": urns}).json()
    assert [r["status"] for r in answer["resources"]] == ["ok", "ok", "ok", "not_found"]
    listed, _ = walk(client, f"/v2/projects/{target}/resources?per_page=50", "resources")
    assert set(urns[:3]) <= {r["urn"] for r in listed}
    ip_in = client.get(f"/v2/reserved_ips/{ip}").json()["reserved_ip"]
    assert ip_in["project_id"] == target


def test_seed_is_stable_and_tags_node_droplets() -> None:
    one, two = SimState(droplets=80, seed=5), SimState(droplets=80, seed=5)
    assert one.snapshot_resources() == two.snapshot_resources()
    cluster = one.resource("kubernetes_cluster", one.resource_ids("kubernetes_cluster")[0])
    for pool in cluster["node_pools"]:
        for node in pool["nodes"]:
            if node["droplet_id"]:
                droplet = one.droplet(int(node["droplet_id"]))
                assert f"k8s:{cluster['id']}" in droplet["tags"]
                assert droplet["size_slug"] == pool["size"]
                assert droplet["region"]["slug"] == cluster["region"]
    plain = SimState(droplets=80, seed=5, resources={"kubernetes_cluster": 0})
    assert [d for d in plain.droplet_ids()] == one.droplet_ids()


def test_unknown_kind_in_counts_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown resource kinds"):
        SimState(droplets=5, resources={"spaceships": 3})


def test_snapshot_round_trips_with_a_pending_action() -> None:
    now = [1_780_000_000.0]
    state = SimState(droplets=30, seed=7, action_seconds=10, clock=lambda: now[0])
    volume_id = state.resource_ids("volume")[0]
    size = state.resource("volume", volume_id)["size_gigabytes"] + 5
    state.volume_action(volume_id, {"type": "resize", "size_gigabytes": size})  # in progress
    database = state.resource_ids("database")[0]
    state.oob_resource_update("database", database, {"num_nodes": 3})
    data = json.loads(json.dumps(state.snapshot_resources()))

    other = SimState(droplets=30, seed=7, clock=lambda: now[0], resources=dict.fromkeys(KINDS, 0))
    other.restore_resources(data)
    assert other.snapshot_resources() == data
    for name in KINDS:
        for rid in state.resource_ids(name):
            assert other.resource(name, rid) == state.resource(name, rid), name
    now[0] += 11  # the restored action completes on time
    assert other.resource("volume", volume_id)["size_gigabytes"] == size
    assert other.resource("database", database)["num_nodes"] == 3
    with pytest.raises(ValueError):
        other.restore_resources({"version": 99})


def test_memory_at_scale() -> None:
    """100,000 droplets with thousands of other records stay in reasonable memory."""
    import tracemalloc

    tracemalloc.start()
    state = SimState(
        droplets=20_000,
        resources={"volume": 5000, "snapshot": 2000, "reserved_ip": 1000, "domain": 500},
    )
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert state.summary()["resources"]["volume"] == 5000
    assert peak < 400 * 2**20
    page = state.list_resources("volume", {"per_page": "200", "page": "25"}, "http://x")
    assert len(page["volumes"]) == 200
