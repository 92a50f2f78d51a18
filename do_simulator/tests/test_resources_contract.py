"""Every list and get of every non-droplet kind validates against DO's OpenAPI schemas."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from do_simulator.billing_products import PRICES
from do_simulator.resource_kinds import KINDS, Kind
from do_simulator.testing import SimulatorHandle

from .conftest import SPEC_PATH, Contract

LISTED = [k for k in KINDS.values() if not k.single]


def _lb_example() -> dict[str, Any]:
    """DO's load balancer example (resources/load_balancers/responses/examples.yml)."""
    import yaml

    path = SPEC_PATH.parent / "resources/load_balancers/responses/examples.yml"
    examples = yaml.safe_load(path.read_text())
    return dict(examples["load_balancer_basic_response"]["value"]["load_balancer"])


def check(contract: Contract, response: httpx.Response, kind: Kind) -> httpx.Response:
    """Validate against DO's schema; where openapi-core cannot resolve DO's schema (the
    load balancer's nested `attributes.yml` $refs), compare with the spec's example:
    every field of DO's example is there, with the same JSON type."""
    if kind.name != "load_balancer":
        return contract.check(response)
    # Not through openapi-core at all: a failed $ref lookup poisons its shared resolver,
    # and every later check in the session fails the same way.
    assert response.status_code < 300
    example = _lb_example()
    body = response.json()
    objects = body.get(kind.list_key) if kind.list_key in body else [body[kind.single_key]]
    for obj in objects:
        for field, value in example.items():
            if field == "size" and "size_unit" in obj:
                continue  # DO's load balancers carry `size` or (newer) `size_unit`
            assert field in obj, field
            assert type(obj[field]) is type(value) or value is None, field
    return response


@pytest.mark.parametrize("kind", LISTED, ids=[k.name for k in LISTED])
def test_list_and_get_fit_schema(
    sim: SimulatorHandle, client: httpx.Client, contract: Contract, kind: Kind
) -> None:
    listed = check(contract, client.get(kind.path, params={"per_page": 2}), kind)
    body = listed.json()
    items = body[kind.list_key]
    assert items, f"{kind.name}: the seeded account has none"
    if kind.paging == "do" and len(sim.state.resource_ids(kind.name)) > 2:
        assert body["links"]["pages"]["next"]
        check(contract, client.get(kind.path, params={"per_page": 2, "page": 2}), kind)
    for item in items:
        got = check(contract, client.get(f"{kind.path}/{item[kind.id_field]}"), kind)
        assert got.json()[kind.single_key] == item


def test_registry_fits_schema(client: httpx.Client, contract: Contract) -> None:
    registry = contract.check(client.get("/v2/registry")).json()["registry"]
    assert registry["subscription"]["tier"]["slug"] == "basic"


@pytest.mark.parametrize("path", ["/v2/registries/options", "/v2/registry/options"])
def test_registry_options_fit_schema_priced_as_billed(
    client: httpx.Client, contract: Contract, path: str
) -> None:
    options = contract.check(client.get(path)).json()["options"]
    cents = {t["slug"]: t["monthly_price_in_cents"] for t in options["subscription_tiers"]}
    # The tiers cost what the simulator's invoices bill a registry (billing_products.PRICES).
    assert cents == {"starter": 0, "basic": 500, "professional": 2000}
    assert PRICES["registry-basic"][1] * 100 == 500
    assert PRICES["registry-professional"][1] * 100 == 2000


def test_not_found_fits_schema(client: httpx.Client, contract: Contract) -> None:
    response = contract.check(client.get("/v2/volumes/506f78a4-e098-11e5-ad9f-000f53306ae1"))
    assert response.status_code == 404
    assert response.json()["id"] == "not_found"


def test_actions_and_node_pools_fit_schema(
    sim: SimulatorHandle, client: httpx.Client, contract: Contract
) -> None:
    volume = client.get("/v2/volumes").json()["volumes"][0]
    grow = {
        "type": "resize",
        "size_gigabytes": volume["size_gigabytes"] + 10,
        "region": volume["region"]["slug"],
    }
    posted = contract.check(client.post(f"/v2/volumes/{volume['id']}/actions", json=grow))
    assert posted.status_code == 202
    action_id = posted.json()["action"]["id"]
    contract.check(client.get(f"/v2/volumes/{volume['id']}/actions/{action_id}"))
    cluster = client.get("/v2/kubernetes/clusters").json()["kubernetes_clusters"][0]
    pool = cluster["node_pools"][0]
    base = f"/v2/kubernetes/clusters/{cluster['id']}/node_pools"
    contract.check(client.get(base))
    contract.check(client.get(f"{base}/{pool['id']}"))
    put = contract.check(
        client.put(f"{base}/{pool['id']}", json={"name": pool["name"], "count": 1})
    )
    assert put.status_code == 202
    new = {"name": "bigger", "size": "s-4vcpu-8gb", "count": 1}
    assert contract.check(client.post(base, json=new)).status_code == 201
    ip = client.get("/v2/reserved_ips").json()["reserved_ips"][0]["ip"]
    posted = contract.check(
        client.post(f"/v2/reserved_ips/{ip}/actions", json={"type": "unassign"})
    )
    assert posted.status_code in (201, 422)
    firewall = client.get("/v2/firewalls").json()["firewalls"][0]
    body = {
        k: firewall[k] for k in ("name", "inbound_rules", "outbound_rules", "droplet_ids", "tags")
    }
    contract.check(client.put(f"/v2/firewalls/{firewall['id']}", json=body))
    lb = client.get("/v2/load_balancers").json()["load_balancers"][0]
    body = {
        "name": lb["name"],
        "region": lb["region"]["slug"],
        "size_unit": 2,
        "forwarding_rules": lb["forwarding_rules"],
        "droplet_ids": lb["droplet_ids"],
    }
    put = client.put(f"/v2/load_balancers/{lb['id']}", json=body)
    assert check(contract, put, KINDS["load_balancer"]).json()["load_balancer"]["size_unit"] == 2
    db = client.get("/v2/databases").json()["databases"][0]
    resized = client.put(
        f"/v2/databases/{db['id']}/resize", json={"size": "db-s-4vcpu-8gb", "num_nodes": 2}
    )
    assert contract.check(resized).status_code == 202
    domain = client.get("/v2/domains").json()["domains"][0]["name"]
    records = contract.check(client.get(f"/v2/domains/{domain}/records")).json()["domain_records"]
    contract.check(client.get(f"/v2/domains/{domain}/records/{records[0]['id']}"))


def test_project_resources_hold_exactly_the_kinds_do_puts_in_projects(
    client: httpx.Client, contract: Contract
) -> None:
    urns: set[str] = set()
    for project in client.get("/v2/projects").json()["projects"]:
        response = client.get(f"/v2/projects/{project['id']}/resources", params={"per_page": 200})
        contract.check(response)  # every URN matches the spec's pattern
        urns.update(r["urn"] for r in response.json()["resources"])
    types = {urn.split(":")[1] for urn in urns}
    expected = {k.urn_prefix.split(":")[1] for k in KINDS.values() if k.in_projects}
    assert types - {"droplet"} == expected
    # A firewall, snapshot, app or certificate has a URN but no project at DO.
    assert not types & {"firewall", "snapshot", "app", "certificate", "registry", "cdn"}
