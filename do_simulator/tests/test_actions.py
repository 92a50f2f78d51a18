"""Droplet creation and actions progress over time, with DO's refusals."""

from __future__ import annotations

import time

import httpx

from do_simulator.testing import SimulatorHandle

from .conftest import wait_for_action

CREATE = {"name": "api-01", "region": "fra1", "size": "s-2vcpu-2gb", "image": "debian-12-x64"}


def active_droplet(sim: SimulatorHandle) -> int:
    return next(i for i in sim.state.droplet_ids() if sim.state.droplet(i)["status"] == "active")


def act(client: httpx.Client, droplet_id: int, **body: object) -> httpx.Response:
    return client.post(f"/v2/droplets/{droplet_id}/actions", json=body)


def test_created_droplet_is_new_then_active(client: httpx.Client) -> None:
    response = client.post("/v2/droplets", json={**CREATE, "tags": ["team:api"]})
    assert response.status_code == 202
    droplet = response.json()["droplet"]
    assert droplet["status"] == "new"
    assert droplet["tags"] == ["team:api"]
    (link,) = response.json()["links"]["actions"]
    assert link["rel"] == "create"
    assert link["href"].endswith(f"/v2/actions/{link['id']}")
    assert wait_for_action(client, link["id"])["status"] == "completed"
    assert client.get(f"/v2/droplets/{droplet['id']}").json()["droplet"]["status"] == "active"


def test_new_droplet_lands_in_the_default_project(
    sim: SimulatorHandle, client: httpx.Client
) -> None:
    droplet_id = client.post("/v2/droplets", json=CREATE).json()["droplet"]["id"]
    resources = client.get("/v2/projects/default/resources", params={"per_page": 200}).json()
    assert f"do:droplet:{droplet_id}" in [r["urn"] for r in resources["resources"]]


def test_create_validates_name_region_size_and_image(client: httpx.Client) -> None:
    for field, bad in [("name", "bad name!"), ("region", "mars1"), ("size", "huge"), ("image", 1)]:
        response = client.post("/v2/droplets", json={**CREATE, field: bad})
        assert response.status_code == 422, field
        assert response.json()["id"] == "unprocessable_entity"
    missing = {k: v for k, v in CREATE.items() if k != "region"}
    assert client.post("/v2/droplets", json=missing).status_code == 422
    bad_json = client.post(
        "/v2/droplets", content=b"{", headers={"Content-Type": "application/json"}
    )
    assert bad_json.status_code == 400


def test_power_off_turns_droplet_off_when_action_completes(
    sim: SimulatorHandle, client: httpx.Client
) -> None:
    droplet_id = active_droplet(sim)
    action = act(client, droplet_id, type="power_off").json()["action"]
    assert action["status"] == "in-progress"
    assert action["completed_at"] is None
    assert wait_for_action(client, action["id"])["status"] == "completed"
    assert sim.state.droplet(droplet_id)["status"] == "off"
    act(client, droplet_id, type="power_on")
    time.sleep(0.1)
    assert sim.state.droplet(droplet_id)["status"] == "active"


def test_resize_is_refused_unless_droplet_is_off(
    sim: SimulatorHandle, client: httpx.Client
) -> None:
    droplet_id = active_droplet(sim)
    refused = act(client, droplet_id, type="resize", size="s-8vcpu-16gb")
    assert refused.status_code == 422
    assert refused.json()["id"] == "unprocessable_entity"


def test_resize_changes_size_on_completion_and_disk_only_when_asked(
    sim: SimulatorHandle, client: httpx.Client
) -> None:
    droplet_id = sim.state.oob_add_droplets(1, size="s-1vcpu-1gb")[0]
    sim.state.oob_power(droplet_id, on=False)
    action = act(client, droplet_id, type="resize", size="s-2vcpu-4gb").json()["action"]
    assert sim.state.droplet(droplet_id)["size_slug"] == "s-1vcpu-1gb"  # not before completion
    wait_for_action(client, action["id"])
    after = sim.state.droplet(droplet_id)
    assert (after["size_slug"], after["memory"], after["vcpus"]) == ("s-2vcpu-4gb", 4096, 2)
    assert after["disk"] == 25  # CPU and RAM only: the disk keeps its size
    action = act(client, droplet_id, type="resize", size="s-4vcpu-8gb", disk=True).json()
    wait_for_action(client, action["action"]["id"])
    assert sim.state.droplet(droplet_id)["disk"] == 160


def test_resize_never_shrinks_a_disk(sim: SimulatorHandle, client: httpx.Client) -> None:
    droplet_id = sim.state.oob_add_droplets(1, size="s-4vcpu-8gb")[0]
    sim.state.oob_power(droplet_id, on=False)
    refused = act(client, droplet_id, type="resize", size="s-1vcpu-1gb")
    assert refused.status_code == 422


def test_second_action_while_one_is_pending_is_refused(
    sim: SimulatorHandle, client: httpx.Client
) -> None:
    sim.state.action_seconds = 5
    droplet_id = active_droplet(sim)
    assert act(client, droplet_id, type="power_off").status_code == 201
    refused = act(client, droplet_id, type="power_on")
    assert refused.status_code == 422
    assert refused.json()["message"] == "Droplet already has a pending event."


def test_rename_applies_on_completion(sim: SimulatorHandle, client: httpx.Client) -> None:
    droplet_id = active_droplet(sim)
    action = act(client, droplet_id, type="rename", name="renamed-7").json()["action"]
    wait_for_action(client, action["id"])
    assert sim.state.droplet(droplet_id)["name"] == "renamed-7"


def test_fail_next_action_makes_it_errored_without_effect(
    sim: SimulatorHandle, client: httpx.Client
) -> None:
    droplet_id = active_droplet(sim)
    sim.state.fail_next_action(droplet_id)
    action = act(client, droplet_id, type="power_off").json()["action"]
    assert wait_for_action(client, action["id"])["status"] == "errored"
    assert sim.state.droplet(droplet_id)["status"] == "active"
    again = act(client, droplet_id, type="power_off").json()["action"]
    assert wait_for_action(client, again["id"])["status"] == "completed"


def test_action_errors_fault_errors_every_action(
    sim: SimulatorHandle, client: httpx.Client
) -> None:
    sim.state.set_faults(action_errors=True)
    action_id = client.post("/v2/droplets", json=CREATE).json()["links"]["actions"][0]["id"]
    assert wait_for_action(client, action_id)["status"] == "errored"


def test_actions_are_listed_per_droplet_and_account(
    sim: SimulatorHandle, client: httpx.Client
) -> None:
    droplet_id = active_droplet(sim)
    action_id = act(client, droplet_id, type="reboot").json()["action"]["id"]
    listed = client.get(f"/v2/droplets/{droplet_id}/actions").json()
    assert [a["id"] for a in listed["actions"]] == [action_id]
    assert client.get(f"/v2/droplets/{droplet_id}/actions/{action_id}").status_code == 200
    other = next(i for i in sim.state.droplet_ids() if i != droplet_id)
    assert client.get(f"/v2/droplets/{other}/actions/{action_id}").status_code == 404
    assert action_id in [a["id"] for a in client.get("/v2/actions").json()["actions"]]


def test_delete_is_204_then_404(sim: SimulatorHandle, client: httpx.Client) -> None:
    droplet_id = active_droplet(sim)
    assert client.delete(f"/v2/droplets/{droplet_id}").status_code == 204
    assert client.get(f"/v2/droplets/{droplet_id}").status_code == 404
    assert droplet_id not in sim.state.droplet_ids()
