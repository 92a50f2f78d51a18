"""Offset pagination exactly as DO does it: links, meta.total, the per_page clamp."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx

from do_simulator.testing import SimulatorHandle, running_simulator

from .conftest import walk


def query_of(link: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(link).query)


def test_first_page_has_next_and_last_only(sim: SimulatorHandle, client: httpx.Client) -> None:
    body = client.get("/v2/droplets", params={"per_page": 25}).json()
    assert set(body["links"]["pages"]) == {"next", "last"}
    assert body["links"]["pages"]["next"] == f"{sim.base_url}/v2/droplets?page=2&per_page=25"
    assert body["links"]["pages"]["last"] == f"{sim.base_url}/v2/droplets?page=3&per_page=25"
    assert body["meta"] == {"total": 60}
    assert len(body["droplets"]) == 25


def test_middle_page_has_all_four_links(client: httpx.Client) -> None:
    body = client.get("/v2/droplets", params={"per_page": 25, "page": 2}).json()
    pages = body["links"]["pages"]
    assert set(pages) == {"first", "prev", "next", "last"}
    assert query_of(pages["first"])["page"] == ["1"]
    assert query_of(pages["prev"])["page"] == ["1"]
    assert query_of(pages["next"])["page"] == ["3"]


def test_last_page_has_first_and_prev_only(client: httpx.Client) -> None:
    body = client.get("/v2/droplets", params={"per_page": 25, "page": 3}).json()
    assert set(body["links"]["pages"]) == {"first", "prev"}
    assert len(body["droplets"]) == 10


def test_single_page_has_empty_links(client: httpx.Client) -> None:
    body = client.get("/v2/regions").json()
    assert body["links"] == {}
    assert body["meta"]["total"] == len(body["regions"])


def test_default_per_page_is_20(client: httpx.Client) -> None:
    body = client.get("/v2/droplets").json()
    assert len(body["droplets"]) == 20
    assert query_of(body["links"]["pages"]["next"])["per_page"] == ["20"]


def test_per_page_above_200_is_clamped_to_200(client: httpx.Client, sim: SimulatorHandle) -> None:
    sim.state.oob_add_droplets(250)
    body = client.get("/v2/droplets", params={"per_page": 1000}).json()
    assert len(body["droplets"]) == 200
    assert query_of(body["links"]["pages"]["next"])["per_page"] == ["200"]


def test_filters_are_carried_into_links(client: httpx.Client) -> None:
    body = client.get("/v2/droplets", params={"tag_name": "role:web", "per_page": 1}).json()
    assert query_of(body["links"]["pages"]["next"])["tag_name"] == ["role:web"]
    assert all("role:web" in d["tags"] for d in body["droplets"])


def test_tag_filter_lists_only_tagged_droplets(client: httpx.Client) -> None:
    everything, _ = walk(client, "/v2/droplets?per_page=200", "droplets")
    tagged, _ = walk(client, "/v2/droplets?per_page=7&tag_name=env:prod", "droplets")
    assert [d["id"] for d in tagged] == [d["id"] for d in everything if "env:prod" in d["tags"]]


def test_1001_droplets_at_200_per_page_are_6_pages_with_every_id_once() -> None:
    with (
        running_simulator(droplets=1001, gpu_droplets=0) as sim,
        httpx.Client(base_url=sim.base_url, headers=sim.auth_headers) as client,
    ):
        droplets, pages = walk(client, "/v2/droplets?per_page=200", "droplets")
        ids = [d["id"] for d in droplets]
        assert pages == 6
        assert len(ids) == 1001
        assert ids == sorted(set(ids))  # stable id order, no repeats
        assert ids == sim.state.droplet_ids()


def test_delete_during_listing_shifts_offsets_as_at_do(
    sim: SimulatorHandle, client: httpx.Client
) -> None:
    first = client.get("/v2/droplets", params={"per_page": 20}).json()
    sim.state.oob_delete(first["droplets"][0]["id"])
    second = client.get(first["links"]["pages"]["next"]).json()
    listed = [d["id"] for d in first["droplets"] + second["droplets"]]
    all_ids = sim.state.droplet_ids()
    # The droplet that slid from page 2 onto page 1 is skipped by this walk.
    assert all_ids[19] not in listed
    assert second["meta"]["total"] == 59
