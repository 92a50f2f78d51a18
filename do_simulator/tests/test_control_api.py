"""Out-of-band changes and faults through the `/_sim/` control API, seen from the DO API."""

from __future__ import annotations

import httpx

from do_simulator.testing import SimulatorHandle


def control(sim: SimulatorHandle, path: str, body: object = None) -> httpx.Response:
    return httpx.post(f"{sim.base_url}/_sim{path}", json=body)


def some_droplet(client: httpx.Client) -> dict:
    return client.get("/v2/droplets", params={"per_page": 1}).json()["droplets"][0]


def test_oob_resize_changes_size_at_once(sim: SimulatorHandle, client: httpx.Client) -> None:
    droplet = some_droplet(client)
    size = "s-8vcpu-16gb" if droplet["size_slug"] != "s-8vcpu-16gb" else "g-4vcpu-16gb"
    response = control(sim, f"/droplets/{droplet['id']}/oob", {"op": "resize", "size": size})
    assert response.status_code == 200
    seen = client.get(f"/v2/droplets/{droplet['id']}").json()["droplet"]
    assert seen["size_slug"] == size
    assert seen["size"]["slug"] == size


def test_oob_retag_rename_move_and_power(sim: SimulatorHandle, client: httpx.Client) -> None:
    droplet_id = some_droplet(client)["id"]
    project_id = client.get("/v2/projects").json()["projects"][2]["id"]
    ops = [
        {"op": "retag", "tags": ["env:prod", "oob"]},
        {"op": "rename", "name": "console-renamed"},
        {"op": "move", "project_id": project_id},
        {"op": "power_off"},
    ]
    for op in ops:
        assert control(sim, f"/droplets/{droplet_id}/oob", op).status_code == 200
    seen = client.get(f"/v2/droplets/{droplet_id}").json()["droplet"]
    assert (seen["tags"], seen["name"], seen["status"]) == (
        ["env:prod", "oob"],
        "console-renamed",
        "off",
    )
    resources = client.get(f"/v2/projects/{project_id}/resources", params={"per_page": 200})
    assert f"do:droplet:{droplet_id}" in [r["urn"] for r in resources.json()["resources"]]
    assert "oob" in [t["name"] for t in client.get("/v2/tags").json()["tags"]]


def test_oob_delete_removes_the_droplet(sim: SimulatorHandle, client: httpx.Client) -> None:
    droplet_id = some_droplet(client)["id"]
    assert control(sim, f"/droplets/{droplet_id}/oob", {"op": "delete"}).json() == {"deleted": True}
    assert client.get(f"/v2/droplets/{droplet_id}").status_code == 404


def test_add_droplets_appear_in_listing(sim: SimulatorHandle, client: httpx.Client) -> None:
    response = control(sim, "/droplets", {"count": 5, "tags": ["burst"]})
    assert response.status_code == 201
    ids = response.json()["ids"]
    listed = client.get("/v2/droplets", params={"tag_name": "burst"}).json()
    assert [d["id"] for d in listed["droplets"]] == ids
    assert listed["meta"]["total"] == 5


def test_faults_through_control_api(sim: SimulatorHandle, client: httpx.Client) -> None:
    assert control(sim, "/faults", {"every_nth_500": 2}).json()["every_nth_500"] == 2
    assert [client.get("/v2/sizes").status_code for _ in range(4)] == [200, 500, 200, 500]
    assert httpx.get(f"{sim.base_url}/_sim/faults").json()["every_nth_500"] == 2
    control(sim, "/reset_faults")
    assert client.get("/v2/sizes").status_code == 200
    assert control(sim, "/faults", {"nonsense": 1}).status_code == 400
    assert control(sim, "/faults", {"every_nth_429": "often"}).status_code == 400


def test_fail_next_action_through_control_api(sim: SimulatorHandle, client: httpx.Client) -> None:
    droplet_id = some_droplet(client)["id"]
    assert control(sim, f"/droplets/{droplet_id}/fail_next_action").status_code == 200
    assert sim.state.fail_next_action_ids == {droplet_id}


def test_state_summary(sim: SimulatorHandle) -> None:
    summary = httpx.get(f"{sim.base_url}/_sim/state").json()
    assert summary["droplets"] == 60
    assert "first-project" in summary["projects"]
    assert "skyai-internal" not in summary["projects"]  # Arcadia's bootstrap creates it


def test_control_api_needs_no_token_and_does_not_count(sim: SimulatorHandle) -> None:
    sim.state.set_faults(every_nth_500=1)
    assert httpx.get(f"{sim.base_url}/_sim/state").status_code == 200
    assert sim.state.response_count == 0


def test_unknown_op_is_400(sim: SimulatorHandle, client: httpx.Client) -> None:
    droplet_id = some_droplet(client)["id"]
    assert control(sim, f"/droplets/{droplet_id}/oob", {"op": "explode"}).status_code == 400
    assert control(sim, "/droplets/1/oob", {"op": "delete"}).status_code == 404
