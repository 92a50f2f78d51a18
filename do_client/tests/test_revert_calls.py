"""The calls drift reverts make on other kinds send DO's paths, methods and bodies
(DO's spec: volumes/volumeActions_post_byId.yml, databases/databases_update_clusterSize.yml,
kubernetes/kubernetes_update_nodePool.yml, firewalls/firewalls_update.yml,
reserved_ips/reservedIPsActions_post.yml, load_balancers/loadBalancers_update.yml)."""

from __future__ import annotations

import json

import httpx

from .fakes import Replies, json_response

ACTION = {"id": 72531856, "status": "in-progress", "type": "resize"}


def sent(request: httpx.Request) -> object:
    return json.loads(request.content)


def test_resize_volume_posts_a_resize_action_with_its_region(make_client):
    handler = Replies(json_response({"action": ACTION}, status_code=202))

    action = make_client(handler).resize_volume("vol-1", 200, region="nyc1")

    assert action == ACTION
    request = handler.calls[0]
    assert (request.method, request.url.path) == ("POST", "/v2/volumes/vol-1/actions")
    assert sent(request) == {"type": "resize", "size_gigabytes": 200, "region": "nyc1"}


def test_resize_database_puts_size_and_node_count_and_takes_an_empty_202(make_client):
    handler = Replies(httpx.Response(202))

    assert make_client(handler).resize_database("db-1", size="db-s-2vcpu-4gb", num_nodes=2) is None
    request = handler.calls[0]
    assert (request.method, request.url.path) == ("PUT", "/v2/databases/db-1/resize")
    assert sent(request) == {"size": "db-s-2vcpu-4gb", "num_nodes": 2}


def test_node_pool_update_is_a_put_returning_the_pool(make_client):
    pool = {"id": "p-1", "name": "worker", "count": 3}
    handler = Replies(json_response({"node_pool": pool}, status_code=202))

    assert (
        make_client(handler).update_node_pool("k-1", "p-1", {"name": "worker", "count": 3}) == pool
    )
    request = handler.calls[0]
    assert request.method == "PUT"
    assert request.url.path == "/v2/kubernetes/clusters/k-1/node_pools/p-1"


def test_reserved_ip_assign_and_unassign_post_actions(make_client):
    handler = Replies(
        json_response({"action": {"id": 1, "type": "assign_ip"}}, status_code=201),
        json_response({"action": {"id": 2, "type": "unassign_ip"}}, status_code=201),
    )
    client = make_client(handler)

    client.assign_reserved_ip("45.55.96.47", 8)
    client.unassign_reserved_ip("45.55.96.47")

    assert [r.url.path for r in handler.calls] == ["/v2/reserved_ips/45.55.96.47/actions"] * 2
    assert [sent(r) for r in handler.calls] == [
        {"type": "assign", "droplet_id": 8},
        {"type": "unassign"},
    ]


def test_firewall_and_load_balancer_updates_put_the_whole_object(make_client):
    handler = Replies(
        json_response({"firewall": {"id": "fw-1"}}),
        json_response({"load_balancer": {"id": "lb-1"}}),
    )
    client = make_client(handler)

    client.update_firewall("fw-1", {"name": "fw", "inbound_rules": []})
    client.update_load_balancer("lb-1", {"name": "lb", "region": "nyc1"})

    assert [(r.method, r.url.path) for r in handler.calls] == [
        ("PUT", "/v2/firewalls/fw-1"),
        ("PUT", "/v2/load_balancers/lb-1"),
    ]
