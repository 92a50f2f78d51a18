"""The DO calls the revert sagas use, with DO's validation and timing."""

from __future__ import annotations

import time
from typing import Any

import httpx

from do_simulator.testing import SimulatorHandle


def _until(client: httpx.Client, url: str, key: str, done: Any, timeout: float = 5.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        body = client.get(url).json()[key]
        if done(body) or time.monotonic() > deadline:
            return body
        time.sleep(0.02)


def _unattached_volume(client: httpx.Client) -> dict[str, Any]:
    return client.get("/v2/volumes", params={"per_page": 200}).json()["volumes"][0]


def test_volume_grows_through_an_action_and_never_shrinks(
    sim: SimulatorHandle, client: httpx.Client
) -> None:
    sim.state.action_seconds = 0.5  # long enough to see the action in progress
    volume = _unattached_volume(client)
    url = f"/v2/volumes/{volume['id']}/actions"
    region = volume["region"]["slug"]
    shrink = client.post(url, json={"type": "resize", "size_gigabytes": 1, "region": region})
    assert shrink.status_code == 422
    assert shrink.json()["id"] == "unprocessable_entity"
    missing = client.post(url, json={"type": "resize", "region": region})
    assert missing.status_code == 422
    size = volume["size_gigabytes"] + 50
    posted = client.post(url, json={"type": "resize", "size_gigabytes": size, "region": region})
    assert posted.status_code == 202
    action = posted.json()["action"]
    assert action["status"] == "in-progress" and action["type"] == "resize"
    assert client.get(f"/v2/volumes/{volume['id']}").json()["volume"]["size_gigabytes"] != size
    done = _until(client, f"{url}/{action['id']}", "action", lambda a: a["status"] != "in-progress")
    assert done["status"] == "completed"
    assert client.get(f"/v2/volumes/{volume['id']}").json()["volume"]["size_gigabytes"] == size
    assert [a["id"] for a in client.get(url).json()["actions"]] == [action["id"]]


def test_volume_action_errors_when_faults_say_so(
    sim: SimulatorHandle, client: httpx.Client
) -> None:
    volume = _unattached_volume(client)
    sim.state.set_faults(action_errors=True)
    body = {"type": "resize", "size_gigabytes": volume["size_gigabytes"] + 1}
    action = client.post(f"/v2/volumes/{volume['id']}/actions", json=body).json()["action"]
    url = f"/v2/volumes/{volume['id']}/actions/{action['id']}"
    assert (
        _until(client, url, "action", lambda a: a["status"] != "in-progress")["status"] == "errored"
    )
    assert (
        client.get(f"/v2/volumes/{volume['id']}").json()["volume"]["size_gigabytes"]
        == (volume["size_gigabytes"])
    )


def test_database_resize_goes_resizing_then_online(
    sim: SimulatorHandle, client: httpx.Client
) -> None:
    sim.state.action_seconds = 0.5  # long enough to see `resizing`
    db = client.get("/v2/databases").json()["databases"][0]
    url = f"/v2/databases/{db['id']}"
    bad = client.put(f"{url}/resize", json={"size": "db-s-99vcpu", "num_nodes": 2})
    assert bad.status_code == 422
    assert client.put(f"{url}/resize", json={"size": "db-s-2vcpu-4gb"}).status_code == 400
    resized = client.put(f"{url}/resize", json={"size": "db-s-4vcpu-8gb", "num_nodes": 3})
    assert resized.status_code == 202 and resized.content == b""
    during = client.get(url).json()["database"]
    assert during["status"] == "resizing"
    after = _until(client, url, "database", lambda d: d["status"] == "online")
    assert (after["status"], after["size"], after["num_nodes"]) == ("online", "db-s-4vcpu-8gb", 3)


def test_node_pool_count_changes_and_size_needs_a_new_pool(
    sim: SimulatorHandle, client: httpx.Client
) -> None:
    cluster = client.get("/v2/kubernetes/clusters").json()["kubernetes_clusters"][0]
    base = f"/v2/kubernetes/clusters/{cluster['id']}/node_pools"
    pool = client.get(f"{base}/{cluster['node_pools'][0]['id']}").json()["node_pool"]
    tagged = client.get("/v2/droplets", params={"tag_name": f"k8s:{cluster['id']}"}).json()
    node_droplets = {int(n["droplet_id"]) for n in pool["nodes"] if n["droplet_id"]}
    assert node_droplets <= {d["id"] for d in tagged["droplets"]}

    assert client.put(f"{base}/{pool['id']}", json={"name": pool["name"]}).status_code == 422
    body = {"name": pool["name"], "count": pool["count"] + 2, "size": "s-8vcpu-16gb"}
    updated = client.put(f"{base}/{pool['id']}", json=body)
    assert updated.status_code == 202
    grown = updated.json()["node_pool"]
    assert grown["count"] == len(grown["nodes"]) == pool["count"] + 2
    assert grown["size"] == pool["size"]  # DO cannot change an existing pool's size
    for node in grown["nodes"]:
        assert sim.state.droplet(int(node["droplet_id"]))["size_slug"] == pool["size"]

    bad = client.post(base, json={"name": "new", "size": "nope", "count": 2})
    assert bad.status_code == 422
    created = client.post(base, json={"name": "worker-big", "size": "s-8vcpu-16gb", "count": 2})
    assert created.status_code == 201
    new_pool = created.json()["node_pool"]
    assert (new_pool["size"], new_pool["count"], len(new_pool["nodes"])) == ("s-8vcpu-16gb", 2, 2)
    gone = [int(n["droplet_id"]) for n in grown["nodes"]]
    assert client.delete(f"{base}/{pool['id']}").status_code == 204
    assert client.get(f"{base}/{pool['id']}").status_code == 404
    assert all(client.get(f"/v2/droplets/{i}").status_code == 404 for i in gone)
    names = [p["name"] for p in client.get(base).json()["node_pools"]]
    assert "worker-big" in names and pool["name"] not in names


def test_firewall_put_replaces_the_rules(client: httpx.Client) -> None:
    firewall = client.get("/v2/firewalls").json()["firewalls"][0]
    url = f"/v2/firewalls/{firewall['id']}"
    rules = [{"protocol": "tcp", "ports": "8443", "sources": {"addresses": ["10.0.0.0/8"]}}]
    body = {
        "name": firewall["name"],
        "inbound_rules": rules,
        "outbound_rules": [],
        "droplet_ids": [],
        "tags": ["role:web"],
    }
    answer = client.put(url, json=body)
    assert answer.status_code == 200
    assert answer.json()["firewall"]["inbound_rules"] == rules
    assert client.get(url).json()["firewall"]["tags"] == ["role:web"]
    assert client.put(url, json={**body, "name": ""}).status_code == 422
    bad_rule = [{"protocol": "tcp", "sources": {"addresses": ["0.0.0.0/0"]}}]
    assert client.put(url, json={**body, "inbound_rules": bad_rule}).status_code == 422
    assert client.put(url, json={**body, "droplet_ids": [1]}).status_code == 422


def test_reserved_ip_assign_and_unassign_are_actions(client: httpx.Client) -> None:
    ips = client.get("/v2/reserved_ips").json()["reserved_ips"]
    held = next(ip for ip in ips if ip["droplet"])
    url = f"/v2/reserved_ips/{held['ip']}"
    posted = client.post(f"{url}/actions", json={"type": "unassign"})
    assert posted.status_code == 201
    action = posted.json()["action"]
    assert action["type"] == "unassign_ip" and action["resource_type"] == "reserved_ip"
    _until(
        client, f"{url}/actions/{action['id']}", "action", lambda a: a["status"] != "in-progress"
    )
    assert client.get(url).json()["reserved_ip"]["droplet"] is None
    assert client.post(f"{url}/actions", json={"type": "assign"}).status_code == 422
    same_region = client.get("/v2/droplets", params={"per_page": 200}).json()["droplets"]
    target = next(d for d in same_region if d["region"]["slug"] == held["region"]["slug"])
    other = next(d for d in same_region if d["region"]["slug"] != held["region"]["slug"])
    refused = client.post(f"{url}/actions", json={"type": "assign", "droplet_id": other["id"]})
    assert refused.status_code == 422
    assigned = client.post(f"{url}/actions", json={"type": "assign", "droplet_id": target["id"]})
    assert assigned.status_code == 201
    action_id = assigned.json()["action"]["id"]
    _until(client, f"{url}/actions/{action_id}", "action", lambda a: a["status"] != "in-progress")
    assert client.get(url).json()["reserved_ip"]["droplet"]["id"] == target["id"]


def test_load_balancer_put_changes_size_and_rules(client: httpx.Client) -> None:
    lb = client.get("/v2/load_balancers").json()["load_balancers"][0]
    url = f"/v2/load_balancers/{lb['id']}"
    rules = [
        {"entry_protocol": "http", "entry_port": 8080, "target_protocol": "http", "target_port": 80}
    ]
    body = {
        "name": lb["name"],
        "region": lb["region"]["slug"],
        "size": "lb-medium",
        "forwarding_rules": rules,
        "droplet_ids": lb["droplet_ids"],
    }
    answer = client.put(url, json=body)
    assert answer.status_code == 200
    got = client.get(url).json()["load_balancer"]
    assert got["size"] == "lb-medium" and "size_unit" not in got
    assert got["forwarding_rules"] == rules and got["ip"] == lb["ip"]
    assert client.put(url, json={**body, "size": "lb-huge"}).status_code == 422
    assert client.put(url, json={**body, "forwarding_rules": []}).status_code == 422
    assert client.put(url, json={**body, "region": "nowhere"}).status_code == 422
    no_region = {k: v for k, v in body.items() if k != "region"}
    assert client.put(url, json=no_region).status_code == 422
