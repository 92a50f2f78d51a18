"""The thin calls send DO's paths and bodies and return the documented part of the answer."""

from __future__ import annotations

import json
from decimal import Decimal

import httpx
import pytest

from do_client import DOBadResponse

from .fakes import Replies, json_response

ACTION = {"id": 36804636, "status": "in-progress", "type": "resize"}


def sent_json(request: httpx.Request) -> object:
    return json.loads(request.content)


def test_get_droplet(make_client):
    handler = Replies(json_response({"droplet": {"id": 3164444}}))

    assert make_client(handler).get_droplet(3164444) == {"id": 3164444}
    assert handler.calls[0].url.path == "/v2/droplets/3164444"


def test_create_droplet_returns_whole_body_with_action_links(make_client):
    body = {
        "droplet": {"id": 3164444, "name": "web-1"},
        "links": {"actions": [{"id": 7515, "rel": "create", "href": "https://x/v2/actions/7515"}]},
    }
    handler = Replies(json_response(body, status_code=202))
    request = {"name": "web-1", "region": "nyc3", "size": "s-1vcpu-1gb", "image": "ubuntu"}

    assert make_client(handler).create_droplet(request) == body
    assert handler.calls[0].method == "POST"
    assert handler.calls[0].url.path == "/v2/droplets"
    assert sent_json(handler.calls[0]) == request


def test_create_droplet_without_droplet_in_answer_is_bad_response(make_client):
    handler = Replies(json_response({"links": {}}, status_code=202))

    with pytest.raises(DOBadResponse):
        make_client(handler).create_droplet({"name": "web-1"})


def test_delete_droplet(make_client):
    handler = Replies(httpx.Response(204))

    make_client(handler).delete_droplet(3164444)

    assert (handler.calls[0].method, handler.calls[0].url.path) == (
        "DELETE",
        "/v2/droplets/3164444",
    )


@pytest.mark.parametrize(
    ("args", "params", "expected_body"),
    [
        (("power_off",), {}, {"type": "power_off"}),
        (("power_on",), {}, {"type": "power_on"}),
        (
            ("resize",),
            {"size": "s-2vcpu-4gb", "disk": True},
            {"type": "resize", "size": "s-2vcpu-4gb", "disk": True},
        ),
        (("rename",), {"name": "web-2"}, {"type": "rename", "name": "web-2"}),
    ],
)
def test_droplet_action(make_client, args, params, expected_body):
    handler = Replies(json_response({"action": ACTION}, status_code=201))

    action = make_client(handler).droplet_action(3164444, *args, **params)

    assert action == ACTION
    assert handler.calls[0].method == "POST"
    assert handler.calls[0].url.path == "/v2/droplets/3164444/actions"
    assert sent_json(handler.calls[0]) == expected_body


def test_get_action_and_droplet_action(make_client):
    handler = Replies(json_response({"action": ACTION}))
    client = make_client(handler)

    assert client.get_action(36804636) == ACTION
    assert client.get_droplet_action(3164444, 36804636) == ACTION
    assert [r.url.path for r in handler.calls] == [
        "/v2/actions/36804636",
        "/v2/droplets/3164444/actions/36804636",
    ]


def test_create_project(make_client):
    project = {"id": "4e1bfbc3-dc3e-41f2-a18f-1b4d7ba71679", "name": "skyai-internal"}
    handler = Replies(json_response({"project": project}, status_code=201))

    created = make_client(handler).create_project(
        "skyai-internal", "Operational / Developer tooling", environment="Production"
    )

    assert created == project
    assert handler.calls[0].url.path == "/v2/projects"
    assert sent_json(handler.calls[0]) == {
        "name": "skyai-internal",
        "purpose": "Operational / Developer tooling",
        "description": "",
        "environment": "Production",
    }


def test_create_default_project_sends_is_default(make_client):
    handler = Replies(json_response({"project": {"id": "p"}}, status_code=201))

    make_client(handler).create_project("p", "IoT", is_default=True)

    assert sent_json(handler.calls[0])["is_default"] is True


def test_get_default_project(make_client):
    handler = Replies(json_response({"project": {"id": "d", "is_default": True}}))

    assert make_client(handler).get_default_project()["id"] == "d"
    assert handler.calls[0].url.path == "/v2/projects/default"


def test_project_resources_are_listed_and_assigned(make_client):
    resources = [{"urn": "do:droplet:1", "status": "ok"}]
    handler = Replies(json_response({"resources": resources, "links": {}, "meta": {"total": 1}}))
    client = make_client(handler)

    assert list(client.list_project_resources("p-1")) == resources
    assert client.assign_project_resources("p-1", ["do:droplet:1"]) == resources
    listing, assignment = handler.calls
    assert (listing.method, listing.url.path) == ("GET", "/v2/projects/p-1/resources")
    assert (assignment.method, assignment.url.path) == ("POST", "/v2/projects/p-1/resources")
    assert sent_json(assignment) == {"resources": ["do:droplet:1"]}


def test_create_tag(make_client):
    handler = Replies(json_response({"tag": {"name": "env:prod"}}, status_code=201))

    assert make_client(handler).create_tag("env:prod") == {"name": "env:prod"}
    assert sent_json(handler.calls[0]) == {"name": "env:prod"}


def test_tag_and_untag_resources(make_client):
    handler = Replies(httpx.Response(204))
    client = make_client(handler)

    client.tag_resources("env:prod", [(123, "droplet"), ("3d80cb72", "volume")])
    client.untag_resources("env:prod", [(123, "droplet")])

    tag, untag = handler.calls
    assert (tag.method, tag.url.path) == ("POST", "/v2/tags/env:prod/resources")
    assert sent_json(tag) == {
        "resources": [
            {"resource_id": "123", "resource_type": "droplet"},
            {"resource_id": "3d80cb72", "resource_type": "volume"},
        ]
    }
    assert (untag.method, untag.url.path) == ("DELETE", "/v2/tags/env:prod/resources")
    assert sent_json(untag) == {"resources": [{"resource_id": "123", "resource_type": "droplet"}]}


def test_path_segments_are_escaped(make_client):
    handler = Replies(json_response({"droplet": {}}))

    make_client(handler).get_droplet("1/../../v2/account")

    assert handler.calls[0].url.raw_path == b"/v2/droplets/1%2F..%2F..%2Fv2%2Faccount"


def test_invoices_and_their_items(make_client):
    handler = Replies(
        json_response(
            {
                "invoices": [{"invoice_uuid": "u-1", "amount": "12.34"}],
                "invoice_preview": {"invoice_uuid": "u-2", "amount": "1.00"},
                "links": {},
                "meta": {"total": 1},
            }
        ),
        json_response(
            {"invoice_items": [{"resource_uuid": "r", "amount": "12.34"}], "meta": {"total": 1}}
        ),
    )
    client = make_client(handler)

    (page,) = client.iter_invoice_pages()
    items = list(client.iter_invoice_items("u-1"))

    assert page.items == [{"invoice_uuid": "u-1", "amount": "12.34"}]
    assert page.body["invoice_preview"]["invoice_uuid"] == "u-2"
    assert items == [{"resource_uuid": "r", "amount": "12.34"}]
    assert [r.url.path for r in handler.calls] == [
        "/v2/customers/my/invoices",
        "/v2/customers/my/invoices/u-1",
    ]


def test_sizes_prices_are_exact_decimals(make_client):
    # Written by hand: json.dumps would round-trip through a float first.
    raw = (
        '{"sizes": [{"slug": "s-1vcpu-1gb", "price_hourly": 0.00743999984115362,'
        ' "price_monthly": 5.0, "memory": 1024}], "meta": {"total": 1}}'
    )
    handler = Replies(httpx.Response(200, text=raw))

    (size,) = make_client(handler).list_sizes()

    assert size["price_hourly"] == Decimal("0.00743999984115362")
    assert isinstance(size["price_hourly"], Decimal)
    assert size["price_monthly"] == Decimal("5.0")
    assert size["memory"] == 1024
    assert isinstance(size["memory"], int)
