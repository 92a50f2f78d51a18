"""DO's official client, pydo, works against the simulator (paths: pydo/operations/_operations.py).

pydo is the reference for "DO's wire format as a real client sends and reads it": its
paths, its percent-encoding of path parameters (`env%3Aprod`), its bodies.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pydo
import pytest
from azure.core.pipeline.policies import HeadersPolicy, RetryPolicy
from azure.core.rest import HttpRequest

from do_simulator.catalog import GPU_SIZES
from do_simulator.testing import SimulatorHandle, running_simulator

CREATE = {"name": "pydo-01", "region": "nyc3", "size": "s-1vcpu-1gb", "image": "ubuntu-24-04-x64"}


@pytest.fixture
def simulator() -> Iterator[SimulatorHandle]:
    """The suite's simulator (conftest.py), with three GPU droplets."""
    with running_simulator(droplets=50, seed=7, gpu_droplets=3) as sim:
        yield sim


@pytest.fixture
def do(simulator: SimulatorHandle) -> Iterator[pydo.Client]:
    # pydo's bearer policy refuses plain http (azure-core's TLS rule), so the same header
    # goes in by a plain headers policy; no retries, so a failure shows at once.
    auth = HeadersPolicy({"Authorization": f"Bearer {simulator.token}"})
    client = pydo.Client(
        token=simulator.token,
        endpoint=simulator.base_url,
        authentication_policy=auth,
        retry_policy=RetryPolicy(retry_total=0),
    )
    yield client
    client.close()


def _wait(do: pydo.Client, action_id: int) -> dict[str, Any]:
    deadline = time.monotonic() + 5
    while True:
        action = do.actions.get(action_id)["action"]
        if action["status"] != "in-progress" or time.monotonic() > deadline:
            return action  # type: ignore[no-any-return]
        time.sleep(0.02)


def test_droplets_list_get_and_gpu_listing(do: pydo.Client) -> None:
    listed = do.droplets.list(per_page=200)
    gpus = do.droplets.list(type="gpus")

    assert listed["meta"]["total"] == 50
    assert gpus["droplets"] and all(d["size_slug"] in GPU_SIZES for d in gpus["droplets"])
    first = listed["droplets"][0]
    assert do.droplets.get(first["id"])["droplet"] == first


def test_droplet_create_action_and_delete(do: pydo.Client) -> None:
    created = do.droplets.create(body=CREATE)
    droplet_id = created["droplet"]["id"]
    assert _wait(do, created["links"]["actions"][0]["id"])["status"] == "completed"

    off = do.droplet_actions.post(droplet_id, body={"type": "power_off"})["action"]
    assert _wait(do, off["id"])["status"] == "completed"
    actions = do.droplet_actions.list(droplet_id)["actions"]
    assert [a["type"] for a in actions] == ["create", "power_off"]
    assert do.droplet_actions.get(droplet_id, off["id"])["action"]["id"] == off["id"]

    assert do.droplets.destroy(droplet_id) is None
    # pydo hands a 404 back as DO's error body rather than raising.
    assert do.droplets.get(droplet_id)["id"] == "not_found"


def test_actions_by_tag(do: pydo.Client) -> None:
    acted = do.droplet_actions.post_by_tag(tag_name="env:prod", body={"type": "power_on"})
    assert acted["actions"]
    assert {a["type"] for a in acted["actions"]} == {"power_on"}
    assert do.actions.list(per_page=200)["meta"]["total"] == len(acted["actions"])


def test_account_regions_images_sizes(do: pydo.Client) -> None:
    assert do.account.get()["account"]["status"] == "active"
    regions = do.regions.list()["regions"]
    assert "tor1" in {r["slug"] for r in regions}
    images = do.images.list()["images"]
    assert do.images.get(images[0]["id"])["image"] == images[0]
    sizes = do.sizes.list(per_page=200)["sizes"]
    assert {"s-1vcpu-1gb-amd", "gpu-h100x1-80gb"} <= {s["slug"] for s in sizes}


def test_projects_list_get_patch_and_resources(do: pydo.Client) -> None:
    projects = do.projects.list()["projects"]
    tenant = next(p for p in projects if not p["is_default"])
    assert do.projects.get(tenant["id"])["project"] == tenant

    patched = do.projects.patch(tenant["id"], body={"description": "patched by pydo"})
    assert patched["project"]["description"] == "patched by pydo"
    assert patched["project"]["name"] == tenant["name"]
    assert do.projects.get_default()["project"]["is_default"] is True

    resources = do.projects.list_resources(tenant["id"], per_page=5)
    assert resources["resources"] and resources["resources"][0]["urn"].startswith("do:droplet:")


def test_tags_with_a_colon_in_the_path(do: pydo.Client) -> None:
    tag = do.tags.get("env:prod")["tag"]  # pydo sends /v2/tags/env%3Aprod
    assert tag["name"] == "env:prod"
    assert tag["resources"]["count"] > 0

    do.tags.create(body={"name": "team:ml"})
    droplet_id = do.droplets.list(per_page=1)["droplets"][0]["id"]
    resources = {"resources": [{"resource_id": str(droplet_id), "resource_type": "droplet"}]}
    do.tags.assign_resources("team:ml", body=resources)
    assert "team:ml" in do.droplets.get(droplet_id)["droplet"]["tags"]
    do.tags.delete("team:ml")
    assert do.tags.get("team:ml")["id"] == "not_found"


def test_invoices_list_get_summary_csv_and_balance(do: pydo.Client) -> None:
    listed = do.invoices.list()
    invoice = listed["invoices"][0]
    uuid = invoice["invoice_uuid"]

    items = do.invoices.get_by_uuid(uuid, per_page=200)["invoice_items"]
    summary = do.invoices.get_summary_by_uuid(uuid)
    assert summary["amount"] == invoice["amount"]
    # One entry per product (invoice_summary.yml), every item counted once.
    charges = summary["product_charges"]["items"]
    assert sum(int(c["count"]) for c in charges) == len(items)
    assert {c["name"] for c in charges} == {i["product"] for i in items}

    # pydo 0.44's get_csv_by_uuid parses the CSV as JSON (and fails so against DO too);
    # its own send_request is the way to fetch the file.
    csv = do.send_request(HttpRequest("GET", f"/v2/customers/my/invoices/{uuid}/csv"))
    assert csv.status_code == 200
    assert len(csv.text().strip().splitlines()) == len(items) + 1

    balance = do.balance.get()
    assert balance["month_to_date_usage"] == listed["invoice_preview"]["amount"]
