"""A simulator started on its state file is the account it was (persist.py)."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from do_simulator import persist
from do_simulator.state import SimState
from do_simulator.testing import running_simulator

from .conftest import wait_for_action

CREATE = {"name": "kept-01", "region": "nyc3", "size": "s-1vcpu-1gb", "image": "ubuntu-24-04-x64"}


def _account(sim_url: str, headers: dict[str, str]) -> dict[str, Any]:
    """What a client can see: every droplet, action, project, tag and ended invoice."""
    with httpx.Client(base_url=sim_url, headers=headers) as client:

        def get(path: str, **params: Any) -> Any:
            return client.get(path, params={"per_page": 200, **params}).json()

        invoices = get("/v2/customers/my/invoices")
        seen = {
            "droplets": _no_window(get("/v2/droplets")["droplets"]),
            "gpus": _no_window(get("/v2/droplets", type="gpus")["droplets"]),
            "actions": get("/v2/actions")["actions"],
            "projects": get("/v2/projects")["projects"],
            "tags": get("/v2/tags")["tags"],
            "invoices": invoices["invoices"],  # ended months; the preview runs with the clock
        }
    # Links name the server's port, which a restart changes.
    return json.loads(json.dumps(seen).replace(sim_url, "BASE"))  # type: ignore[no-any-return]


def _no_window(droplets: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in d.items() if k != "next_backup_window"} for d in droplets]


def test_state_survives_a_restart_on_the_same_file(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    with running_simulator(droplets=30, seed=3, gpu_droplets=2, state_file=path) as sim:
        client = httpx.Client(base_url=sim.base_url, headers=sim.auth_headers)
        created = client.post("/v2/droplets", json={**CREATE, "tags": ["kept"]}).json()
        wait_for_action(client, created["links"]["actions"][0]["id"])
        victim = sim.state.droplet_ids()[0]
        power_off = client.post(f"/v2/droplets/{victim}/actions", json={"type": "power_off"})
        # Done before the snapshot: an action still running when the state is saved would
        # finish, or not, during the restart, and the two reads would race it.
        wait_for_action(client, power_off.json()["action"]["id"])
        sim.state.oob_resize(sim.state.droplet_ids()[1], "s-8vcpu-16gb")  # a console change
        client.patch("/v2/projects/default", json={"description": "renamed by a test"})
        before = _account(sim.base_url, sim.auth_headers)
        client.close()
    assert path.exists()

    with running_simulator(droplets=30, seed=3, gpu_droplets=2, state_file=path) as again:
        after = _account(again.base_url, again.auth_headers)
        new_id = created["droplet"]["id"]
        assert again.state.droplet(new_id)["name"] == "kept-01"
        assert again.state.droplet(new_id)["created_at"] == created["droplet"]["created_at"]

    assert after == before
    assert len(before["gpus"]) == 2
    assert before["projects"][0]["description"] == "renamed by a test"


def test_an_action_running_at_shutdown_completes_after_the_restart(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    with running_simulator(droplets=5, seed=3, state_file=path, action_seconds=0.5) as sim:
        droplet_id = sim.state.droplet_ids()[0]
        with httpx.Client(base_url=sim.base_url, headers=sim.auth_headers) as client:
            posted = client.post(f"/v2/droplets/{droplet_id}/actions", json={"type": "power_off"})
        action_id = posted.json()["action"]["id"]

    with running_simulator(droplets=5, seed=3, state_file=path) as again:
        with httpx.Client(base_url=again.base_url, headers=again.auth_headers) as client:
            action = wait_for_action(client, action_id)
        assert action["status"] == "completed"
        assert again.state.droplet(droplet_id)["status"] == "off"


def test_a_fresh_start_without_the_file_is_the_seed(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    with running_simulator(droplets=10, seed=3, state_file=path) as sim:
        sim.state.oob_delete(sim.state.droplet_ids()[0])
        sim.state.oob_add_droplets(2)
    path.unlink()

    seed = SimState(droplets=10, seed=3)
    with running_simulator(droplets=10, seed=3, state_file=path) as fresh:
        assert fresh.state.droplet_ids() == seed.droplet_ids()


def test_mutating_requests_save_the_file_while_running(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    with running_simulator(droplets=5, seed=3, state_file=path) as sim:
        with httpx.Client(base_url=sim.base_url, headers=sim.auth_headers) as client:
            client.post("/v2/tags", json={"name": "saved-live"})
        deadline = time.monotonic() + 5  # the debounced writer saves within a second
        while time.monotonic() < deadline and not _saved_tag(path, "saved-live"):
            time.sleep(0.05)
        assert _saved_tag(path, "saved-live")  # before the shutdown's save


def _saved_tag(path: Path, name: str) -> bool:
    return path.exists() and name in json.loads(path.read_text())["tags"]["tags"]


def test_snapshot_round_trips_through_restore() -> None:
    state = SimState(droplets=20, gpu_droplets=2, seed=9)
    state.oob_resize(state.droplet_ids()[2], "s-4vcpu-8gb", at=state.now() - 3600)
    snapshot = json.loads(json.dumps(state.snapshot()))

    other = SimState(droplets=3, seed=1)
    other.restore(snapshot)

    assert other.snapshot() | {"saved_at": 0} == snapshot | {"saved_at": 0}
    assert other.invoice_summaries() == state.invoice_summaries()


def test_a_file_of_another_format_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    path.write_text(json.dumps({"format": 99}))
    with pytest.raises(ValueError, match="not a do_simulator state file"):
        persist.load(path)


def test_write_replaces_the_file_atomically(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    persist.write(path, {"format": persist.FORMAT, "n": 1})
    persist.write(path, {"format": persist.FORMAT, "n": 2})
    assert json.loads(path.read_text())["n"] == 2
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]  # no temporary left behind
