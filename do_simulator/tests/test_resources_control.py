"""Out-of-band changes to every other kind: `/_sim/resources/...`, the Python API, the ctl."""

from __future__ import annotations

import json
from io import StringIO

import httpx
from django.core.management import call_command

from do_simulator.testing import SimulatorHandle


def test_update_with_dotted_paths_shows_in_the_api(
    sim: SimulatorHandle, client: httpx.Client
) -> None:
    cluster = client.get("/v2/kubernetes/clusters").json()["kubernetes_clusters"][0]
    pool = cluster["node_pools"][0]
    url = f"{sim.base_url}/_sim/resources/kubernetes_cluster/{cluster['id']}/oob"
    changes = {f"node_pools.{pool['name']}.count": pool["count"] + 1, "version": "1.30.5-do.0"}
    answer = httpx.post(url, json={"op": "update", "changes": changes})
    assert answer.status_code == 200
    got = client.get(f"/v2/kubernetes/clusters/{cluster['id']}").json()["kubernetes_cluster"]
    assert got["version"] == "1.30.5-do.0"
    assert got["node_pools"][0]["count"] == len(got["node_pools"][0]["nodes"]) == pool["count"] + 1
    bad = httpx.post(url, json={"op": "update", "changes": {"node_pools.nope.count": 1}})
    assert bad.status_code == 400 and bad.json()["id"] == "bad_request"
    assert httpx.post(url, json={"op": "update", "changes": {"id": "x"}}).status_code == 400
    assert httpx.post(url, json={"op": "grow"}).status_code == 400


def test_add_get_and_delete_out_of_band(sim: SimulatorHandle, client: httpx.Client) -> None:
    body = {"name": "vol-console", "size_gigabytes": 40, "region": "nyc3"}
    added = httpx.post(f"{sim.base_url}/_sim/resources/volume", json=body)
    assert added.status_code == 201
    volume_id = added.json()["volume"]["id"]
    assert client.get(f"/v2/volumes/{volume_id}").json()["volume"]["name"] == "vol-console"
    control = f"{sim.base_url}/_sim/resources/volume/{volume_id}"
    assert httpx.get(control).json()["volume"]["size_gigabytes"] == 40
    assert httpx.post(f"{control}/oob", json={"op": "delete"}).json() == {"deleted": True}
    assert client.get(f"/v2/volumes/{volume_id}").status_code == 404
    assert httpx.get(control).status_code == 404
    assert httpx.get(f"{sim.base_url}/_sim/resources/spaceship/1").status_code == 404
    refused = httpx.post(f"{sim.base_url}/_sim/resources/volume", json={"name": "v"})
    assert refused.status_code == 422


def test_python_api_and_summary(sim: SimulatorHandle) -> None:
    state = sim.state
    volume_id = state.resource_ids("volume")[0]
    changed = state.oob_resource_update("volume", volume_id, {"size_gigabytes": 777})
    assert changed["size_gigabytes"] == 777 == state.resource("volume", volume_id)["size_gigabytes"]
    state.oob_resource_update("container_registry", "ignored", {"subscription.tier.slug": "pro"})
    assert state.resource("container_registry")["subscription"]["tier"]["slug"] == "pro"
    counts = state.summary()["resources"]
    state.oob_resource_delete("domain", state.resource_ids("domain")[0])
    assert state.summary()["resources"]["domain"] == counts["domain"] - 1


def test_ctl_resource_subcommands(sim: SimulatorHandle) -> None:
    volume_id = sim.state.resource_ids("volume")[0]

    def ctl(*args: str) -> dict:
        out = StringIO()
        call_command("do_simulator_ctl", "--url", sim.base_url, *args, stdout=out)
        return json.loads(out.getvalue())  # type: ignore[no-any-return]

    updated = ctl(
        "resource",
        "volume",
        volume_id,
        "update",
        "--set",
        "size_gigabytes=321",
        "--set",
        "description=grown by hand",
    )
    assert updated["volume"]["size_gigabytes"] == 321
    assert updated["volume"]["description"] == "grown by hand"
    assert ctl("resource", "volume", volume_id, "get")["volume"]["size_gigabytes"] == 321
    created = ctl("add-resource", "domain", "--body", '{"name": "console.example"}')
    assert created["domain"]["name"] == "console.example"
    assert ctl("resource", "domain", "console.example", "delete") == {"deleted": True}
    assert "console.example" not in sim.state.resource_ids("domain")
