"""iter_pages / iter_items: follow links.pages.next one page at a time, never loop."""

from __future__ import annotations

import httpx
import pytest

from do_client import DOBadResponse

from .fakes import json_response, paginated

DROPLETS = [{"id": n, "name": f"web-{n}"} for n in range(1, 1051)]


def test_follows_next_links_through_every_page(make_client):
    client = make_client(paginated(DROPLETS, "droplets"))

    pages = list(client.iter_droplet_pages(per_page=200))

    assert [page.number for page in pages] == [1, 2, 3, 4, 5, 6]
    assert [len(page.items) for page in pages] == [200, 200, 200, 200, 200, 50]
    assert {page.total for page in pages} == {1050}
    assert [page.has_next for page in pages] == [True] * 5 + [False]
    ids = [item["id"] for page in pages for item in page.items]
    assert sorted(ids) == list(range(1, 1051))
    assert len(ids) == len(set(ids))


def test_list_droplets_flattens_pages(make_client):
    client = make_client(paginated(DROPLETS, "droplets"))

    assert list(client.list_droplets()) == DROPLETS


def test_pages_are_fetched_only_as_they_are_consumed(make_client):
    requests: list[httpx.Request] = []
    serve = paginated(DROPLETS, "droplets")

    def handler(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        return serve(request)

    pages = make_client(handler).iter_droplet_pages()
    next(pages)
    next(pages)

    assert len(requests) == 2


def test_next_link_query_is_kept_as_given(make_client):
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        if request.url.params.get("page") == "2":
            return json_response({"droplets": [{"id": 2}], "links": {}, "meta": {"total": 2}})
        next_url = "https://api.digitalocean.com/v2/droplets?page=2&per_page=1&tag_name=web"
        return json_response(
            {"droplets": [{"id": 1}], "links": {"pages": {"next": next_url}}, "meta": {"total": 2}}
        )

    items = list(make_client(handler).list_droplets(tag_name="web"))

    assert [item["id"] for item in items] == [1, 2]
    assert seen == [
        "https://api.digitalocean.com/v2/droplets?tag_name=web&per_page=200",
        "https://api.digitalocean.com/v2/droplets?page=2&per_page=1&tag_name=web",
    ]


def test_relative_next_link_is_followed(make_client):
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.params.get("page") == "2":
            return json_response({"sizes": [{"slug": "b"}], "meta": {"total": 2}})
        return json_response(
            {"sizes": [{"slug": "a"}], "links": {"pages": {"next": "/v2/sizes?page=2&per_page=1"}}}
        )

    assert [size["slug"] for size in make_client(handler).list_sizes()] == ["a", "b"]


def test_next_link_on_another_host_stays_on_base_url(make_client):
    # DO's links name api.digitalocean.com; behind a simulator or proxy the token must not go there.
    hosts: list[str] = []
    serve = paginated(DROPLETS[:3], "droplets", link_base="https://elsewhere.example")

    def handler(request: httpx.Request) -> httpx.Response:
        hosts.append(request.url.host)
        return serve(request)

    client = make_client(handler, base_url="http://127.0.0.1:8765")
    items = list(client.iter_items("/v2/droplets", "droplets", per_page=1))

    assert len(items) == 3
    assert hosts == ["127.0.0.1"] * 3


def test_repeating_next_link_raises_bad_response(make_client):
    def handler(request: httpx.Request) -> httpx.Response:
        return json_response(
            {
                "droplets": [{"id": 1}],
                "links": {
                    "pages": {
                        "next": f"{request.url.scheme}://{request.url.host}"
                        "/v2/droplets?page=2&per_page=1"
                    }
                },
            }
        )

    pages = make_client(handler).iter_droplet_pages()

    with pytest.raises(DOBadResponse, match="repeats"):
        list(pages)


def test_page_missing_its_key_raises_bad_response(make_client):
    def handler(request: httpx.Request) -> httpx.Response:
        return json_response({"links": {}, "meta": {"total": 0}})

    with pytest.raises(DOBadResponse, match="'droplets'"):
        list(make_client(handler).list_droplets())


def test_page_key_that_is_not_a_list_raises_bad_response(make_client):
    def handler(request: httpx.Request) -> httpx.Response:
        return json_response({"droplets": {"id": 1}})

    with pytest.raises(DOBadResponse):
        list(make_client(handler).list_droplets())


def test_list_without_meta_total_has_total_none(make_client):
    def handler(request: httpx.Request) -> httpx.Response:
        return json_response({"projects": [], "links": {}})

    (page,) = make_client(handler).iter_project_pages()

    assert page.total is None
    assert page.has_next is False
    assert page.items == []


def test_a_list_with_a_total_and_no_links_is_read_page_by_page(simulator, do):
    """DO's vector databases answer `{"vector_dbs": [...], "total": N}` with no links:
    every page is read by number until the total is reached."""
    for i in range(5):
        do.request(
            "POST",
            "/v2/vector-databases",
            body={"name": f"vdb-{i}", "region": "nyc3", "size": "vdb-s-1vcpu-2gb"},
        )
    listed = list(do.iter_items("/v2/vector-databases", "vector_dbs", per_page=2))
    total = simulator.state.summary()["resources"]["vector_database"]
    assert total > 2 and len(listed) == total
    assert len({item["id"] for item in listed}) == total
