"""The DO v2 routes of every non-droplet kind (see `resource_kinds.KINDS` for the paths).

Registered before the droplet routes, so `/v2/droplets/autoscale` is the autoscale
pools' collection, not a droplet id.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .resource_kinds import KINDS, Kind
from .routing import Reply, Request, Router

if TYPE_CHECKING:
    from .state import SimState

ID = r"(?P<rid>[^/]+)"
ACTION = r"(?P<action_id>[^/]+)"


def register_resource_routes(api: Router, state: SimState) -> None:
    for kind in KINDS.values():
        _collection(api, state, kind)
    _revert_routes(api, state)
    _domain_records(api, state)


def _collection(api: Router, state: SimState, kind: Kind) -> None:
    name = kind.name

    if kind.single:

        @api.add("GET", kind.path)
        def get_single(req: Request) -> Reply:
            return Reply(200, state.get_resource(name))

        @api.add("POST", kind.path)
        def create_single(req: Request) -> Reply:
            return Reply(kind.create_status, state.create_resource(name, req.json()))

        @api.add("DELETE", kind.path)
        def delete_single(req: Request) -> Reply:
            state.delete_resource(name)
            return Reply(kind.delete_status)

        return

    @api.add("GET", kind.path)
    def list_all(req: Request) -> Reply:
        return Reply(200, state.list_resources(name, req.query, req.base_url))

    if kind.create_status:

        @api.add("POST", kind.path)
        def create(req: Request) -> Reply:
            return Reply(kind.create_status, state.create_resource(name, req.json()))

    @api.add("GET", f"{kind.path}/{ID}")
    def get_one(req: Request, rid: str) -> Reply:
        return Reply(200, state.get_resource(name, rid))

    @api.add("DELETE", f"{kind.path}/{ID}")
    def delete_one(req: Request, rid: str) -> Reply:
        return Reply(kind.delete_status, state.delete_resource(name, rid))


def _revert_routes(api: Router, state: SimState) -> None:
    @api.add("POST", f"/v2/volumes/{ID}/actions")
    def volume_action(req: Request, rid: str) -> Reply:
        return Reply(202, state.volume_action(rid, req.json()))

    @api.add("GET", f"/v2/volumes/{ID}/actions")
    def volume_actions(req: Request, rid: str) -> Reply:
        return Reply(200, state.list_resource_actions("volume", rid, req.query, req.base_url))

    @api.add("GET", f"/v2/volumes/{ID}/actions/{ACTION}")
    def volume_action_get(req: Request, rid: str, action_id: str) -> Reply:
        return Reply(200, state.get_resource_action("volume", rid, action_id))

    for name, path in (("reserved_ip", "/v2/reserved_ips"), ("reserved_ipv6", "/v2/reserved_ipv6")):
        _reserved_ip_actions(api, state, name, path)

    @api.add("PUT", f"/v2/databases/{ID}/resize")
    def resize_database(req: Request, rid: str) -> Reply:
        state.resize_database(rid, req.json())
        return Reply(202)

    clusters = f"/v2/kubernetes/clusters/{ID}/node_pools"
    pool = f"{clusters}/(?P<pool_id>[^/]+)"

    @api.add("GET", clusters)
    def list_pools(req: Request, rid: str) -> Reply:
        return Reply(200, state.list_node_pools(rid))

    @api.add("POST", clusters)
    def add_pool(req: Request, rid: str) -> Reply:
        return Reply(201, state.add_node_pool(rid, req.json()))

    @api.add("GET", pool)
    def get_pool(req: Request, rid: str, pool_id: str) -> Reply:
        return Reply(200, state.get_node_pool(rid, pool_id))

    @api.add("PUT", pool)
    def update_pool(req: Request, rid: str, pool_id: str) -> Reply:
        return Reply(202, state.update_node_pool(rid, pool_id, req.json()))

    @api.add("DELETE", pool)
    def delete_pool(req: Request, rid: str, pool_id: str) -> Reply:
        state.delete_node_pool(rid, pool_id)
        return Reply(204)

    @api.add("PUT", f"/v2/firewalls/{ID}")
    def update_firewall(req: Request, rid: str) -> Reply:
        return Reply(200, state.update_firewall(rid, req.json()))

    @api.add("PUT", f"/v2/load_balancers/{ID}")
    def update_load_balancer(req: Request, rid: str) -> Reply:
        return Reply(200, state.update_load_balancer(rid, req.json()))


def _reserved_ip_actions(api: Router, state: SimState, name: str, path: str) -> None:
    @api.add("POST", f"{path}/{ID}/actions")
    def post(req: Request, rid: str) -> Reply:
        return Reply(201, state.reserved_ip_action(name, rid, req.json()))

    @api.add("GET", f"{path}/{ID}/actions")
    def listing(req: Request, rid: str) -> Reply:
        return Reply(200, state.list_resource_actions(name, rid, req.query, req.base_url))

    @api.add("GET", f"{path}/{ID}/actions/{ACTION}")
    def get(req: Request, rid: str, action_id: str) -> Reply:
        return Reply(200, state.get_resource_action(name, rid, action_id))


def _domain_records(api: Router, state: SimState) -> None:
    records = f"/v2/domains/{ID}/records"

    @api.add("GET", records)
    def list_records(req: Request, rid: str) -> Reply:
        return Reply(200, state.list_domain_records(rid, req.query, req.base_url))

    @api.add("POST", records)
    def create_record(req: Request, rid: str) -> Reply:
        return Reply(201, state.create_domain_record(rid, req.json()))

    @api.add("GET", f"{records}/(?P<record_id>[^/]+)")
    def get_record(req: Request, rid: str, record_id: str) -> Reply:
        return Reply(200, state.get_domain_record(rid, record_id))

    @api.add("DELETE", f"{records}/(?P<record_id>[^/]+)")
    def delete_record(req: Request, rid: str, record_id: str) -> Reply:
        state.delete_domain_record(rid, record_id)
        return Reply(204)
