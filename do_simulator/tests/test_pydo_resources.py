"""pydo (DO's official client) lists and gets every other kind, and runs the revert calls.

Operation names and the paths they call: pydo/operations/_operations.py (pydo 0.44).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import pydo
import pytest
from azure.core.exceptions import HttpResponseError
from azure.core.pipeline import policies

from do_simulator.testing import SimulatorHandle


@pytest.fixture
def do(sim: SimulatorHandle) -> Iterator[pydo.Client]:
    # azure-core refuses a bearer token over plain http; the simulator is loopback http,
    # so the header goes on as a plain header policy instead.
    auth = policies.HeadersPolicy({"Authorization": f"Bearer {sim.token}"})
    client = pydo.Client(token=sim.token, endpoint=sim.base_url, authentication_policy=auth)
    yield client
    client.close()


def _until(read: Callable[[], dict[str, Any]], done: Callable[[dict[str, Any]], bool]) -> Any:
    deadline = time.monotonic() + 5
    while True:
        value = read()
        if done(value) or time.monotonic() > deadline:
            return value
        time.sleep(0.02)


# (list call, list key, get call, id field, single key, store kind)
def _cases(do: pydo.Client) -> list[tuple[Any, str, Any, str, str, str]]:
    return [
        (do.volumes.list, "volumes", do.volumes.get, "id", "volume", "volume"),
        (do.snapshots.list, "snapshots", do.snapshots.get, "id", "snapshot", "snapshot"),
        (
            do.load_balancers.list,
            "load_balancers",
            do.load_balancers.get,
            "id",
            "load_balancer",
            "load_balancer",
        ),
        (
            do.databases.list_clusters,
            "databases",
            do.databases.get_cluster,
            "id",
            "database",
            "database",
        ),
        (
            do.kubernetes.list_clusters,
            "kubernetes_clusters",
            do.kubernetes.get_cluster,
            "id",
            "kubernetes_cluster",
            "kubernetes_cluster",
        ),
        (
            do.reserved_ips.list,
            "reserved_ips",
            do.reserved_ips.get,
            "ip",
            "reserved_ip",
            "reserved_ip",
        ),
        (
            do.reserved_ipv6.list,
            "reserved_ipv6s",
            do.reserved_ipv6.get,
            "ip",
            "reserved_ipv6",
            "reserved_ipv6",
        ),
        (do.firewalls.list, "firewalls", do.firewalls.get, "id", "firewall", "firewall"),
        (do.domains.list, "domains", do.domains.get, "name", "domain", "domain"),
        (do.vpcs.list, "vpcs", do.vpcs.get, "id", "vpc", "vpc"),
        (do.apps.list, "apps", do.apps.get, "id", "app", "app"),
        (do.cdn.list_endpoints, "endpoints", do.cdn.get_endpoint, "id", "endpoint", "cdn_endpoint"),
        (
            do.certificates.list,
            "certificates",
            do.certificates.get,
            "id",
            "certificate",
            "certificate",
        ),
        (do.nfs.list, "shares", do.nfs.get, "id", "share", "nfs_share"),
        (
            do.dedicated_inferences.list,
            "dedicated_inferences",
            do.dedicated_inferences.get,
            "id",
            "dedicated_inference",
            "dedicated_inference",
        ),
        (do.genai.list_agents, "agents", do.genai.get_agent, "uuid", "agent", "genai_agent"),
        (
            do.genai.list_knowledge_bases,
            "knowledge_bases",
            do.genai.get_knowledge_base,
            "uuid",
            "knowledge_base",
            "knowledge_base",
        ),
        (
            do.vector_databases.list,
            "vector_dbs",
            do.vector_databases.get,
            "id",
            "vector_db",
            "vector_database",
        ),
        (
            do.autoscalepools.list,
            "autoscale_pools",
            do.autoscalepools.get,
            "id",
            "autoscale_pool",
            "autoscale_pool",
        ),
    ]


def test_pydo_lists_and_gets_every_kind(sim: SimulatorHandle, do: pydo.Client) -> None:
    for list_call, list_key, get_call, id_field, single_key, kind in _cases(do):
        listed = list_call()[list_key]
        expected = sim.state.resource_ids(kind)
        if kind not in ("database", "nfs_share"):  # the others page (20 by default)
            expected = expected[:20]
        assert [str(item[id_field]) for item in listed] == expected, kind
        first = listed[0]
        assert get_call(first[id_field])[single_key] == first, kind
    registry = do.registry.get()["registry"]
    assert registry == sim.state.resource("container_registry")
    # pydo hands back DO's error body for the 404 its spec documents, rather than raising.
    missing = do.volumes.get("00000000-0000-4000-8000-000000000000")
    assert missing["id"] == "not_found" and missing["request_id"]


def test_pydo_runs_the_revert_calls(sim: SimulatorHandle, do: pydo.Client) -> None:
    sim.state.action_seconds = 0.3  # long enough to see `resizing`
    volume = do.volumes.list()["volumes"][0]
    size = volume["size_gigabytes"] + 20
    action = do.volume_actions.post_by_id(
        volume["id"], {"type": "resize", "size_gigabytes": size, "region": volume["region"]["slug"]}
    )["action"]
    done = _until(
        lambda: do.volume_actions.get(volume["id"], action["id"])["action"],
        lambda a: a["status"] != "in-progress",
    )
    assert done["status"] == "completed"
    assert do.volumes.get(volume["id"])["volume"]["size_gigabytes"] == size
    with pytest.raises(HttpResponseError) as shrink:
        do.volume_actions.post_by_id(volume["id"], {"type": "resize", "size_gigabytes": 1})
    assert shrink.value.status_code == 422

    db = do.databases.list_clusters()["databases"][0]
    do.databases.update_cluster_size(db["id"], {"size": "db-s-4vcpu-8gb", "num_nodes": 2})
    assert do.databases.get_cluster(db["id"])["database"]["status"] == "resizing"
    online = _until(
        lambda: do.databases.get_cluster(db["id"])["database"], lambda d: d["status"] == "online"
    )
    assert (online["size"], online["num_nodes"]) == ("db-s-4vcpu-8gb", 2)

    cluster = do.kubernetes.list_clusters()["kubernetes_clusters"][0]
    pool = do.kubernetes.get_node_pool(cluster["id"], cluster["node_pools"][0]["id"])["node_pool"]
    updated = do.kubernetes.update_node_pool(
        cluster["id"], pool["id"], {"name": pool["name"], "count": pool["count"] + 1}
    )["node_pool"]
    assert updated["count"] == pool["count"] + 1
    added = do.kubernetes.add_node_pool(
        cluster["id"], {"name": "bigger", "size": "s-8vcpu-16gb", "count": 1}
    )["node_pool"]
    do.kubernetes.delete_node_pool(cluster["id"], pool["id"])
    pools = do.kubernetes.list_node_pools(cluster["id"])["node_pools"]
    assert added["id"] in {p["id"] for p in pools} and pool["id"] not in {p["id"] for p in pools}

    firewall = do.firewalls.list()["firewalls"][0]
    rules = [{"protocol": "tcp", "ports": "22", "sources": {"addresses": ["10.0.0.0/8"]}}]
    body = {
        "name": firewall["name"],
        "inbound_rules": rules,
        "outbound_rules": [],
        "droplet_ids": firewall["droplet_ids"],
        "tags": firewall["tags"],
    }
    assert do.firewalls.update(firewall["id"], body)["firewall"]["inbound_rules"] == rules

    lb = do.load_balancers.list()["load_balancers"][0]
    body = {
        "name": lb["name"],
        "region": lb["region"]["slug"],
        "size_unit": 3,
        "forwarding_rules": lb["forwarding_rules"],
        "droplet_ids": lb["droplet_ids"],
    }
    assert do.load_balancers.update(lb["id"], body)["load_balancer"]["size_unit"] == 3

    held = next(ip for ip in do.reserved_ips.list()["reserved_ips"] if ip["droplet"])
    action = do.reserved_ips_actions.post(held["ip"], {"type": "unassign"})["action"]
    done = _until(
        lambda: do.reserved_ips_actions.get(held["ip"], action["id"])["action"],
        lambda a: a["status"] != "in-progress",
    )
    assert done["status"] == "completed"
    assert do.reserved_ips.get(held["ip"])["reserved_ip"]["droplet"] is None
    action = do.reserved_ips_actions.post(
        held["ip"], {"type": "assign", "droplet_id": held["droplet"]["id"]}
    )["action"]
    _until(
        lambda: do.reserved_ips_actions.get(held["ip"], action["id"])["action"],
        lambda a: a["status"] != "in-progress",
    )
    assert do.reserved_ips.get(held["ip"])["reserved_ip"]["droplet"]["id"] == held["droplet"]["id"]
