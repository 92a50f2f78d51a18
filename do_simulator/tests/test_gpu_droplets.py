"""GPU droplets, backups and addresses, as DO's spec shows them (resources/droplets/...)."""

from __future__ import annotations

import httpx

from do_simulator.catalog import GPU_SIZES
from do_simulator.fleet import build_fleet
from do_simulator.testing import SimulatorHandle, running_simulator

from .conftest import wait_for_action

GPU_CREATE = {
    "name": "train-01",
    "region": "tor1",
    "size": "gpu-h100x1-80gb",
    "image": "gpu-h100x1-base",
}


def _ids(client: httpx.Client, **params: str) -> list[int]:
    body = client.get("/v2/droplets", params={"per_page": 200, **params}).json()
    return [d["id"] for d in body["droplets"]]


def test_default_listing_has_no_gpu_droplet_and_type_gpus_has_only_them(
    client: httpx.Client,
) -> None:
    cpu = client.get("/v2/droplets", params={"per_page": 200}).json()
    gpus = client.get("/v2/droplets", params={"per_page": 200, "type": "gpus"}).json()

    assert cpu["meta"]["total"] == 60
    assert all(d["size_slug"] not in GPU_SIZES for d in cpu["droplets"])
    assert gpus["meta"]["total"] == 3
    assert all(d["size_slug"] in GPU_SIZES for d in gpus["droplets"])
    assert _ids(client, type="droplets") == [d["id"] for d in cpu["droplets"]]


def test_gpu_droplet_renders_gpu_info_and_scratch_disk(client: httpx.Client) -> None:
    body = client.get("/v2/droplets", params={"type": "gpus"}).json()
    h100 = next(d for d in body["droplets"] if d["size_slug"] == "gpu-h100x1-80gb")

    assert h100["gpu_info"] == {
        "count": 1,
        "vram": {"amount": 80, "unit": "gib"},
        "model": "nvidia_h100",
    }
    assert h100["disk_info"] == [
        {"type": "local", "size": {"amount": 720, "unit": "gib"}},
        {"type": "scratch", "size": {"amount": 5120, "unit": "gib"}},
    ]
    assert h100["size"]["gpu_info"] == h100["gpu_info"]
    assert h100["image"]["slug"] == "gpu-h100x1-base"


def test_cpu_droplet_has_no_gpu_info(client: httpx.Client) -> None:
    droplet = client.get("/v2/droplets", params={"per_page": 1}).json()["droplets"][0]
    assert "gpu_info" not in droplet
    assert [d["type"] for d in droplet["disk_info"]] == ["local"]


def test_creating_with_a_gpu_size_makes_a_gpu_droplet(client: httpx.Client) -> None:
    created = client.post("/v2/droplets", json=GPU_CREATE)
    assert created.status_code == 202
    droplet_id = created.json()["droplet"]["id"]

    assert droplet_id in _ids(client, type="gpus")
    assert droplet_id not in _ids(client)


def test_gpu_size_is_refused_outside_its_regions(client: httpx.Client) -> None:
    response = client.post("/v2/droplets", json={**GPU_CREATE, "region": "fra1"})
    assert response.status_code == 422
    assert response.json()["id"] == "unprocessable_entity"


def test_gpu_droplet_count_is_a_fleet_parameter_and_deterministic() -> None:
    now = 1_780_000_000
    one = build_fleet(seed=3, droplets=20, gpu_droplets=5, now=now)
    again = build_fleet(seed=3, droplets=20, gpu_droplets=5, now=now)
    none = build_fleet(seed=3, droplets=20, gpu_droplets=0, now=now)

    gpus = [d for d in one.droplets if d.size in GPU_SIZES]
    assert len(gpus) == 5
    assert [(d.id, d.size, d.region, d.created_at) for d in gpus] == [
        (d.id, d.size, d.region, d.created_at) for d in again.droplets if d.size in GPU_SIZES
    ]
    assert not any(d.size in GPU_SIZES for d in none.droplets)
    # The CPU fleet of a seed does not depend on how many GPU droplets it has.
    assert [d.id for d in none.droplets] == [d.id for d in one.droplets if d.size not in GPU_SIZES]


def test_a_new_droplet_has_no_addresses_until_active(client: httpx.Client) -> None:
    create = {"name": "web-09", "region": "nyc3", "size": "s-1vcpu-1gb", "image": "debian-12-x64"}
    body = client.post("/v2/droplets", json=create).json()
    assert body["droplet"]["networks"] == {"v4": [], "v6": []}

    wait_for_action(client, body["links"]["actions"][0]["id"])
    active = client.get(f"/v2/droplets/{body['droplet']['id']}").json()["droplet"]
    assert active["status"] == "active"
    assert {n["type"] for n in active["networks"]["v4"]} == {"public", "private"}


def test_some_droplets_have_backups_and_their_policy(client: httpx.Client) -> None:
    droplets = client.get("/v2/droplets", params={"per_page": 200}).json()["droplets"]
    backed_up = [d for d in droplets if d["backup_ids"]]
    plain = [d for d in droplets if not d["backup_ids"]]
    assert backed_up and plain
    assert all("backups" in d["features"] and d["next_backup_window"] for d in backed_up)
    assert all("backups" not in d["features"] for d in plain)

    one = backed_up[0]
    policy = client.get(f"/v2/droplets/{one['id']}/backups/policy").json()["policy"]
    assert policy["droplet_id"] == one["id"]
    assert policy["backup_enabled"] is True
    assert policy["backup_policy"]["plan"] in ("daily", "weekly")
    assert policy["next_backup_window"] == one["next_backup_window"]


def test_backup_policies_list_every_droplet_keyed_by_id(client: httpx.Client) -> None:
    body = client.get("/v2/droplets/backups/policies", params={"per_page": 200}).json()
    policies = body["policies"]

    assert body["meta"]["total"] == 63  # 60 CPU droplets and 3 GPU ones
    assert all(policies[key]["droplet_id"] == int(key) for key in policies)
    assert {p["backup_enabled"] for p in policies.values()} == {True, False}


def test_enable_backups_action_turns_backups_on(client: httpx.Client) -> None:
    droplets = client.get("/v2/droplets", params={"per_page": 200}).json()["droplets"]
    plain = next(d for d in droplets if "backups" not in d["features"])
    posted = client.post(
        f"/v2/droplets/{plain['id']}/actions",
        json={
            "type": "enable_backups",
            "backup_policy": {"plan": "weekly", "weekday": "TUE", "hour": 8},
        },
    )
    assert posted.status_code == 201
    wait_for_action(client, posted.json()["action"]["id"])

    policy = client.get(f"/v2/droplets/{plain['id']}/backups/policy").json()["policy"]
    assert policy["backup_policy"]["weekday"] == "TUE"
    assert "backups" in client.get(f"/v2/droplets/{plain['id']}").json()["droplet"]["features"]


def test_actions_by_tag_act_on_every_tagged_droplet(
    sim: SimulatorHandle, client: httpx.Client
) -> None:
    tagged = _ids(client, tag_name="role:web") + _ids(client, tag_name="role:web", type="gpus")
    response = client.post(
        "/v2/droplets/actions", params={"tag_name": "role:web"}, json={"type": "power_off"}
    )
    assert response.status_code == 201
    actions = response.json()["actions"]
    assert sorted(a["resource_id"] for a in actions) == sorted(tagged)
    assert {a["type"] for a in actions} == {"power_off"}


def test_action_by_tag_refuses_resize() -> None:
    with (
        running_simulator(droplets=5, seed=2) as sim,
        httpx.Client(base_url=sim.base_url, headers=sim.auth_headers) as client,
    ):
        response = client.post(
            "/v2/droplets/actions", params={"tag_name": "env:prod"}, json={"type": "resize"}
        )
    assert response.status_code == 422
