"""Every body the simulator serves for these calls validates against DO's official schemas."""

from __future__ import annotations

import httpx
import pytest

from do_simulator.testing import SimulatorHandle

from .conftest import Contract, wait_for_action

CREATE = {"name": "web-01", "region": "nyc3", "size": "s-1vcpu-1gb", "image": "ubuntu-24-04-x64"}


def first_droplet(client: httpx.Client) -> dict:
    return client.get("/v2/droplets", params={"per_page": 1}).json()["droplets"][0]


def test_list_droplets_pages_fit_schema(client: httpx.Client, contract: Contract) -> None:
    for page in (1, 2, 3):
        contract.check(client.get("/v2/droplets", params={"per_page": 25, "page": page}))
    contract.check(client.get("/v2/droplets", params={"tag_name": "env:prod"}))


def test_get_droplet_fits_schema(client: httpx.Client, contract: Contract) -> None:
    droplet = first_droplet(client)
    contract.check(client.get(f"/v2/droplets/{droplet['id']}"))


def test_create_droplet_answers_202_fitting_schema(
    client: httpx.Client, contract: Contract
) -> None:
    response = contract.check(client.post("/v2/droplets", json={**CREATE, "tags": ["web"]}))
    assert response.status_code == 202
    multi = {**CREATE, "names": ["web-02", "web-03"]}
    del multi["name"]
    assert contract.check(client.post("/v2/droplets", json=multi)).status_code == 202


def test_droplet_actions_fit_schema(client: httpx.Client, contract: Contract) -> None:
    droplet_id = first_droplet(client)["id"]
    posted = contract.check(
        client.post(f"/v2/droplets/{droplet_id}/actions", json={"type": "power_off"})
    )
    assert posted.status_code == 201
    action_id = posted.json()["action"]["id"]
    wait_for_action(client, action_id)
    resize = {"type": "resize", "size": "s-8vcpu-16gb", "disk": True}
    contract.check(client.post(f"/v2/droplets/{droplet_id}/actions", json=resize))
    contract.check(client.get(f"/v2/droplets/{droplet_id}/actions"))
    contract.check(client.get(f"/v2/droplets/{droplet_id}/actions/{action_id}"))


def test_actions_fit_schema(client: httpx.Client, contract: Contract) -> None:
    droplet_id = first_droplet(client)["id"]
    rename = {"type": "rename", "name": "renamed-01"}
    action = client.post(f"/v2/droplets/{droplet_id}/actions", json=rename).json()["action"]
    contract.check(client.get(f"/v2/actions/{action['id']}"))
    wait_for_action(client, action["id"])
    contract.check(client.get(f"/v2/actions/{action['id']}"))
    contract.check(client.get("/v2/actions"))


def test_projects_fit_schema(client: httpx.Client, contract: Contract) -> None:
    contract.check(client.get("/v2/projects"))
    contract.check(client.get("/v2/projects/default"))
    created = contract.check(
        client.post(
            "/v2/projects",
            json={
                "name": "skyai-internal",
                "purpose": "Operational / Developer tooling",
                "description": "The platform's own resources",
                "environment": "Production",
            },
        )
    )
    assert created.status_code == 201
    contract.check(client.get(f"/v2/projects/{created.json()['project']['id']}"))


def test_project_resources_fit_schema(client: httpx.Client, contract: Contract) -> None:
    project_id = client.get("/v2/projects").json()["projects"][1]["id"]
    contract.check(client.get(f"/v2/projects/{project_id}/resources", params={"per_page": 5}))
    urns = [f"do:droplet:{first_droplet(client)['id']}", "do:volume:6d2c-missing"]
    contract.check(client.post(f"/v2/projects/{project_id}/resources", json={"resources": urns}))


def test_sizes_fit_schema(client: httpx.Client, contract: Contract) -> None:
    contract.check(client.get("/v2/sizes"))
    contract.check(client.get("/v2/sizes", params={"per_page": 5, "page": 2}))


def test_tags_fit_schema(client: httpx.Client, contract: Contract) -> None:
    contract.check(client.get("/v2/tags"))
    assert contract.check(client.post("/v2/tags", json={"name": "team:ml"})).status_code == 201
    contract.check(client.get("/v2/tags/team:ml"))
    resources = {
        "resources": [{"resource_id": str(first_droplet(client)["id"]), "resource_type": "droplet"}]
    }
    tagged = contract.check(client.post("/v2/tags/team:ml/resources", json=resources))
    assert tagged.status_code == 204
    untagged = contract.check(
        client.request("DELETE", "/v2/tags/team:ml/resources", json=resources)
    )
    assert untagged.status_code == 204


def test_invoices_fit_schema(client: httpx.Client, contract: Contract) -> None:
    listed = contract.check(client.get("/v2/customers/my/invoices"))
    invoice_uuid = listed.json()["invoices"][0]["invoice_uuid"]
    contract.check(client.get(f"/v2/customers/my/invoices/{invoice_uuid}", params={"per_page": 10}))
    preview_uuid = listed.json()["invoice_preview"]["invoice_uuid"]
    contract.check(client.get(f"/v2/customers/my/invoices/{preview_uuid}"))


@pytest.mark.parametrize(
    ("status", "error_id"),
    [
        (401, "unauthorized"),
        (404, "not_found"),
        (422, "unprocessable_entity"),
        (429, "too_many_requests"),
    ],
)
def test_error_bodies_fit_schema(
    sim: SimulatorHandle, client: httpx.Client, contract: Contract, status: int, error_id: str
) -> None:
    if status == 401:
        response = client.get("/v2/droplets", headers={"Authorization": "Bearer wrong"})
    elif status == 404:
        response = client.get("/v2/droplets/1")
    elif status == 422:
        response = client.post("/v2/droplets", json={**CREATE, "size": "s-99vcpu-1tb"})
    else:
        sim.state.set_faults(every_nth_429=1)
        response = client.get("/v2/droplets")
    contract.check(response)
    assert response.status_code == status
    body = response.json()
    assert body["id"] == error_id
    assert body["message"]
    assert body["request_id"] == response.headers["x-request-id"]


def test_contract_rejects_a_body_off_the_schema(client: httpx.Client, contract: Contract) -> None:
    """The harness itself: a droplet without its required fields must not pass."""
    real = client.get("/v2/droplets", params={"per_page": 1})
    forged = httpx.Response(
        200,
        json={"droplets": [{"id": 1, "name": "x"}], "links": {}, "meta": {"total": 1}},
        headers={"content-type": "application/json; charset=utf-8"},
        request=real.request,
    )
    from openapi_core.validation.response.exceptions import InvalidData

    with pytest.raises(InvalidData):
        contract.check(forged)


def test_gpu_droplets_fit_schema(client: httpx.Client, contract: Contract) -> None:
    listed = contract.check(client.get("/v2/droplets", params={"type": "gpus"}))
    assert listed.json()["droplets"]
    gpu_id = listed.json()["droplets"][0]["id"]
    contract.check(client.get(f"/v2/droplets/{gpu_id}"))
    gpu = {**CREATE, "region": "tor1", "size": "gpu-h100x1-80gb", "image": "gpu-h100x1-base"}
    assert contract.check(client.post("/v2/droplets", json=gpu)).status_code == 202


def test_backup_policies_fit_schema(client: httpx.Client, contract: Contract) -> None:
    contract.check(client.get("/v2/droplets/backups/policies", params={"per_page": 50}))
    contract.check(client.get("/v2/droplets/backups/supported_policies"))
    contract.check(client.get(f"/v2/droplets/{first_droplet(client)['id']}/backups/policy"))


def test_every_size_fits_schema(client: httpx.Client, contract: Contract) -> None:
    contract.check(client.get("/v2/sizes", params={"per_page": 200}))


def test_regions_images_and_account_fit_schema(client: httpx.Client, contract: Contract) -> None:
    contract.check(client.get("/v2/regions"))
    images = contract.check(client.get("/v2/images", params={"per_page": 200}))
    contract.check(client.get(f"/v2/images/{images.json()['images'][0]['id']}"))
    contract.check(client.get("/v2/images", params={"type": "distribution"}))
    contract.check(client.get("/v2/account"))
    contract.check(client.get("/v2/customers/my/balance"))


def test_tag_actions_and_project_patch_fit_schema(client: httpx.Client, contract: Contract) -> None:
    acted = contract.check(
        client.post(
            "/v2/droplets/actions", params={"tag_name": "env:prod"}, json={"type": "power_on"}
        )
    )
    assert acted.status_code == 201
    project_id = client.get("/v2/projects").json()["projects"][1]["id"]
    contract.check(client.patch(f"/v2/projects/{project_id}", json={"description": "patched"}))


def test_invoice_summary_fits_schema(client: httpx.Client, contract: Contract) -> None:
    invoice_uuid = client.get("/v2/customers/my/invoices").json()["invoices"][0]["invoice_uuid"]
    contract.check(client.get(f"/v2/customers/my/invoices/{invoice_uuid}/summary"))
    # openapi-core hands a text/csv body to its `type: string` schema as bytes and rejects
    # it, so the CSV's shape is checked here: DO's content type and header row.
    csv = client.get(f"/v2/customers/my/invoices/{invoice_uuid}/csv")
    assert csv.headers["content-type"].startswith("text/csv")
    assert csv.text.startswith("product,group_description,description,hours,start,end,USD")
