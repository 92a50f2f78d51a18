"""The client reads DO's own response examples from the official OpenAPI spec.

The spec lives next to the repo, at ../shared/do-openapi (in CI too). Each example is served
through MockTransport exactly as the spec writes it; the client must yield it unchanged (with
JSON floats as Decimal).
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from do_client import DONotFound

from .fakes import Replies

SPEC = (Path(__file__).resolve().parents[2] / ".." / "shared" / "do-openapi").resolve()
RESOURCES = SPEC / "specification" / "resources"
SHARED = SPEC / "specification" / "shared"

pytestmark = pytest.mark.skipif(
    not SPEC.is_dir(), reason=f"DO OpenAPI spec not found at {SPEC} (expected ../shared/do-openapi)"
)


def response_example(path: Path, name: str | None = None) -> Any:
    """The example body of a spec response file (``example:`` or a named ``examples:`` entry)."""
    content = yaml.safe_load(path.read_text())["content"]["application/json"]
    if "examples" in content:
        examples = content["examples"]
        entry = examples[name] if name else next(iter(examples.values()))
        if "$ref" in entry:
            file, _, anchor = entry["$ref"].partition("#/")
            entry = yaml.safe_load((path.parent / file).read_text())[anchor]
        return entry["value"]
    return content["example"] if "example" in content else content["schema"]["example"]


def serve(example: Any, status_code: int = 200) -> tuple[httpx.Response, Any]:
    """A response carrying ``example`` as JSON, and what the client should parse it into."""
    text = json.dumps(example, default=str)  # default=str: YAML may load bare dates
    return (
        httpx.Response(status_code, text=text, headers={"content-type": "application/json"}),
        json.loads(text, parse_float=Decimal),
    )


def test_list_droplets_example(make_client):
    response, expected = serve(
        response_example(RESOURCES / "droplets/responses/all_droplets.yml", "All Droplets")
    )
    handler = Replies(response)

    (page,) = make_client(handler).iter_droplet_pages()

    assert page.items == expected["droplets"]
    assert page.total == expected["meta"]["total"]
    assert page.has_next is False
    assert handler.calls[0].url.path == "/v2/droplets"
    assert isinstance(page.items[0]["size"]["price_hourly"], Decimal)


def test_list_droplets_by_tag_example(make_client):
    response, expected = serve(
        response_example(
            RESOURCES / "droplets/responses/all_droplets.yml", "Droplets Filtered By Tag"
        )
    )
    handler = Replies(response)

    droplets = list(make_client(handler).list_droplets(tag_name="env:prod"))

    assert droplets == expected["droplets"]
    assert handler.calls[0].url.params["tag_name"] == "env:prod"


def test_get_droplet_example(make_client):
    response, expected = serve(
        response_example(RESOURCES / "droplets/responses/existing_droplet.yml")
    )

    droplet = make_client(Replies(response)).get_droplet(expected["droplet"]["id"])

    assert droplet == expected["droplet"]


def test_create_droplet_example(make_client):
    response, expected = serve(
        response_example(
            RESOURCES / "droplets/responses/droplet_create.yml", "Single Droplet Create Response"
        ),
        status_code=202,
    )

    body = make_client(Replies(response)).create_droplet({"name": "example.com"})

    assert body == expected
    assert body["links"]["actions"][0]["rel"] == "create"


def test_list_sizes_example_follows_its_next_link(make_client):
    response, expected = serve(response_example(RESOURCES / "sizes/responses/all_sizes.yml"))
    last_page = httpx.Response(200, json={"sizes": [], "links": {}, "meta": {"total": 64}})
    handler = Replies(response, last_page)

    sizes = list(make_client(handler).list_sizes())

    assert sizes == expected["sizes"]
    # The spec's next link is followed as given (it already carries page and per_page).
    assert str(handler.calls[1].url) == expected["links"]["pages"]["next"]


def test_sizes_example_price_is_exact(make_client):
    response, _ = serve(response_example(RESOURCES / "sizes/responses/all_sizes.yml"))

    page = next(make_client(Replies(response)).iter_pages("/v2/sizes", "sizes"))

    assert page.items[0]["price_hourly"] == Decimal("0.00743999984115362")
    assert page.items[0]["price_monthly"] == Decimal("5.0")
    assert (page.number, page.total, page.has_next) == (1, 64, True)


def test_list_projects_example(make_client):
    response, expected = serve(response_example(RESOURCES / "projects/responses/projects_list.yml"))

    projects = list(make_client(Replies(response)).list_projects())

    assert projects == expected["projects"]
    assert [p["is_default"] for p in projects] == [False, True]


def test_default_project_example(make_client):
    response, expected = serve(
        response_example(RESOURCES / "projects/responses/default_project.yml")
    )

    assert make_client(Replies(response)).get_default_project() == expected["project"]


def test_project_resources_example(make_client):
    response, expected = serve(
        response_example(RESOURCES / "projects/responses/resources_list.yml")
    )

    resources = list(make_client(Replies(response)).list_project_resources("4e1bfbc3"))

    assert resources == expected["resources"]


def test_invoices_example_keeps_invoice_preview(make_client):
    response, expected = serve(response_example(RESOURCES / "billing/responses/invoices.yml"))

    page = next(make_client(Replies(response)).iter_invoice_pages())

    assert page.items == expected["invoices"]
    assert page.body["invoice_preview"] == expected["invoice_preview"]
    assert (page.total, page.has_next) == (70, True)


def test_invoice_items_example(make_client):
    response, expected = serve(response_example(RESOURCES / "billing/responses/invoice.yml"))
    uuid = "22737513-0ea7-4206-8ceb-98a575af7681"

    page = next(make_client(Replies(response)).iter_invoice_item_pages(uuid))

    assert page.items == expected["invoice_items"]
    assert page.items[0]["amount"] == "12.34"  # DO sends invoice amounts as strings


def test_not_found_example(make_client):
    response, expected = serve(response_example(SHARED / "responses/not_found.yml"), 404)

    with pytest.raises(DONotFound) as caught:
        make_client(Replies(response)).get_droplet(1)

    assert (caught.value.error_id, caught.value.message) == (expected["id"], expected["message"])
