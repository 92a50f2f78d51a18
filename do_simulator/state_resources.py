"""Every kind other than droplets: a store of DO-shaped records per kind, and DO's rules.

Records live in `self.resources[kind][id]`, in creation order (DO's listing order).
Each kind's paths, keys and paging are in `resource_kinds.KINDS`. Rules kept, as at DO:
- a volume only grows (`resize` to a smaller or equal size is 422), through an action
  that completes `action_seconds` later; reserved IP assign/unassign are actions too;
- a database resize answers 202 and the cluster is `resizing` until it completes;
- a Kubernetes pool's size cannot change: PUT changes name/count/autoscaling only
  (a size in the body is ignored, as DO's update schema has none). Growing a pool adds
  node droplets (tagged `k8s:<cluster id>`), shrinking it destroys them;
- firewall and load balancer PUT replace the whole object (fields left out reset).
Out-of-band changes (`oob_resource_*`) apply at once, as a console click would.
"""

from __future__ import annotations

import copy
import heapq
import ipaddress
import random
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from . import render
from .base import StateBase, locked
from .catalog import REGION_JSON, REGIONS, SIZES
from .fleet import new_uuid
from .models import SimError, bad_request, iso, not_found, unprocessable
from .resource_fleet import DropletInfo, build_resources
from .resource_kinds import (
    BUILDERS,
    DB_ENGINES,
    DB_SIZES,
    DEFAULT_COUNTS,
    FIREWALL_PROTOCOLS,
    KINDS,
    LB_SIZES,
    Ctx,
    Kind,
    build_domain_record,
    build_node,
    build_node_pool,
    public,
    record_id,
)

NODE_IMAGE = "ubuntu-24-04-x64"


def region_json(slug: str) -> dict[str, Any]:
    return REGION_JSON.get(slug) or {
        "name": slug,
        "slug": slug,
        "features": [],
        "available": True,
        "sizes": [],
    }


def kind_or_404(name: str) -> Kind:
    kind = KINDS.get(name)
    if kind is None:
        raise not_found()
    return kind


class ResourcesMixin(StateBase):
    resources: dict[str, dict[str, dict[str, Any]]]

    def init_resources(self, counts: Mapping[str, int] | None, *, now: int) -> None:
        """Seed every kind (after the droplets exist): `counts` per kind, else a small account."""
        self.resources = {name: {} for name in KINDS}
        self.priced_ledger: dict[Any, Any] = {}  # billing's spans, rebuilt from the records
        self.resource_actions: dict[int, dict[str, Any]] = {}
        self._resource_due: list[tuple[float, int]] = []
        self.resource_seq = 0
        self.domain_record_seq = 0
        for region in REGIONS:  # each region's default VPC: the one droplets sit in
            self._store("vpc", self._default_vpc(region))
        merged = {**DEFAULT_COUNTS, **(counts or {})}
        droplets = [DropletInfo(d.id, d.region, d.size) for d in self.droplets.values()]
        seeded = build_resources(
            seed=self.seed,
            counts=merged,
            droplets=droplets,
            project_ids=[p.id for p in self.projects.values()],
            now=now,
            vpc_for=self.vpc_for,
        )
        for kind, records in seeded.records.items():
            for record in records:
                self._store(kind, record)
        for droplet_id, tags in seeded.node_tags.items():
            self._tag_node(droplet_id, tags)
        self.resource_seq = 1_000_000  # ids made after seeding never meet the seed's

    def _default_vpc(self, region: str) -> dict[str, Any]:
        vpc_id = self.vpc_for(region)
        n = list(REGIONS).index(region)
        return {
            "id": vpc_id,
            "urn": f"do:vpc:{vpc_id}",
            "name": f"default-{region}",
            "description": "",
            "region": region,
            "ip_range": f"10.{100 + n}.0.0/20",
            "default": True,
            "created_at": iso(self.default_project().created_at),
            "_project_id": self.default_project().id,
            "_assigned_at": self.default_project().created_at,
        }

    def _store(self, kind: str, record: dict[str, Any]) -> None:
        rid = record_id(KINDS[kind], record)
        self.resources[kind][rid] = record
        self._reprice(kind, rid, record)

    def _tag_node(self, droplet_id: int, tags: tuple[str, ...]) -> None:
        droplet = self.droplets.get(droplet_id)
        if droplet is not None:
            droplet.tags = tuple(dict.fromkeys((*droplet.tags, *tags)))
            self.tags.update(tags)
            self.touch()

    def _ctx(self) -> Ctx:
        self.resource_seq += 1
        rng = random.Random(f"{self.seed}:resource:{self.resource_seq}")
        return Ctx(
            new_uuid=lambda: new_uuid(rng),
            now=self.now(),
            vpc_for=self.vpc_for,
            seq=self.resource_seq,
        )

    # -- rendering -------------------------------------------------------------------

    def _droplet_json(self, droplet_id: object) -> dict[str, Any] | None:
        import json

        try:
            droplet = self.droplets.get(int(droplet_id))  # type: ignore[call-overload]
        except (TypeError, ValueError):
            return None
        return json.loads(self.render_droplet(droplet)) if droplet else None  # type: ignore[attr-defined,no-any-return]

    def _live(self, ids: list[Any]) -> list[int]:
        return [i for i in ids if int(i) in self.droplets]

    def render_resource(self, kind: str, record: dict[str, Any]) -> dict[str, Any]:
        out = public(record)
        if kind in ("volume", "load_balancer"):
            out["region"] = region_json(record["region"])
            out["droplet_ids"] = self._live(record["droplet_ids"])
        elif kind == "firewall":
            out["droplet_ids"] = self._live(record["droplet_ids"])
        elif kind == "reserved_ip":
            del out["droplet_id"]
            out["droplet"] = self._droplet_json(record["droplet_id"])
            out["region"] = region_json(record["region"])
        elif kind == "reserved_ipv6":
            del out["droplet_id"]
            out["droplet"] = self._droplet_json(record["droplet_id"])
        elif kind == "kubernetes_cluster":
            out["node_pools"] = [public(p) for p in record["node_pools"]]
        if KINDS[kind].project_field:
            out["project_id"] = record["_project_id"]
        return out

    # -- list and get ----------------------------------------------------------------

    def _matching(self, kind: Kind, query: Mapping[str, str]) -> list[dict[str, Any]]:
        records = list(self.resources[kind.name].values())
        for name in kind.filters:
            if name in query:
                records = [r for r in records if str(r.get(name)) == query[name]]
        if "tag_name" in query:
            records = [r for r in records if query["tag_name"] in (r.get("tags") or [])]
        return records

    @locked
    def list_resources(self, name: str, query: Mapping[str, str], base_url: str) -> dict[str, Any]:
        kind = kind_or_404(name)
        records = self._matching(kind, query)
        url = f"{base_url}{kind.path}"
        if kind.paging == "none":
            return {kind.list_key: [self.render_resource(name, r) for r in records]}
        if kind.paging == "genai":
            return self._genai_page(kind, records, query, url)
        page, links, meta = render.paginate(records, query=query, url=url)
        items = [self.render_resource(name, r) for r in page]
        if kind.paging == "total":
            return {kind.list_key: items, "total": meta["total"]}
        return {kind.list_key: items, "links": links, "meta": meta}

    def _genai_page(
        self, kind: Kind, records: list[dict[str, Any]], query: Mapping[str, str], url: str
    ) -> dict[str, Any]:
        # resources/gen-ai/definitions.yml apiLinks/apiMeta: `previous`, and page counts
        page, per_page = render.page_params(query)
        total = len(records)
        last = max((total + per_page - 1) // per_page, 1)

        def link(n: int) -> str:
            return f"{url}?{urlencode({'page': n, 'per_page': per_page})}"

        pages: dict[str, str] = {"first": link(1), "last": link(last)}
        if page > 1:
            pages["previous"] = link(min(page - 1, last))
        if page < last:
            pages["next"] = link(page + 1)
        start = (page - 1) * per_page
        items = [self.render_resource(kind.name, r) for r in records[start : start + per_page]]
        return {
            kind.list_key: items,
            "links": {"pages": pages},
            "meta": {"page": page, "pages": last, "total": total},
        }

    def resource_or_404(self, name: str, rid: str) -> dict[str, Any]:
        record = self.resources[kind_or_404(name).name].get(str(rid))
        if record is None:
            raise not_found()
        return record

    def _registry(self) -> dict[str, Any]:
        records = self.resources["container_registry"]
        if not records:
            raise not_found()
        return next(iter(records.values()))

    @locked
    def get_resource(self, name: str, rid: str | None = None) -> dict[str, Any]:
        kind = kind_or_404(name)
        record = self._registry() if kind.single else self.resource_or_404(name, str(rid))
        body: dict[str, Any] = {kind.single_key: self.render_resource(name, record)}
        if name == "knowledge_base":
            body["database_status"] = "ONLINE"
        return body

    # -- create and delete -----------------------------------------------------------

    @locked
    def create_resource(self, name: str, body: object) -> dict[str, Any]:
        kind = kind_or_404(name)
        if not isinstance(body, dict):
            raise bad_request("error parsing request body")
        if kind.create_status == 0:
            raise SimError(405, "method_not_allowed", "Method not allowed.")
        missing = [f for f in kind.required if body.get(f) in (None, "", [])]
        if missing:
            raise unprocessable(f"{missing[0]} is required")
        self._validate_create(name, body)
        if kind.single and self.resources[name]:
            raise SimError(409, "conflict", "a registry already exists for this account")
        ident = body.get(kind.id_field)
        if ident is not None and str(ident) in self.resources[name]:
            raise unprocessable(f"{kind.single_key} {ident} already exists")
        record = self._build(name, body)
        answer = {kind.single_key: self.render_resource(name, record)}
        if name == "reserved_ip":
            answer["links"] = {}
        return answer

    def _build(self, name: str, body: dict[str, Any]) -> dict[str, Any]:
        ctx = self._ctx()
        clean = {k: v for k, v in body.items() if not k.startswith("_")}
        record = BUILDERS[name](ctx, clean)
        project = self.default_project().id
        if name in ("genai_agent", "knowledge_base"):
            project = str(body["project_id"])
        elif isinstance(body.get("project_id"), str) and body["project_id"] in self.projects:
            project = body["project_id"]
        record["_project_id"] = project
        record["_assigned_at"] = self.now()
        if name == "kubernetes_cluster":
            for pool_body in body["node_pools"]:
                self._add_pool(record, pool_body)
        self._store(name, record)
        return record

    def _validate_create(self, name: str, body: dict[str, Any]) -> None:
        region = body.get("region")
        if name in ("volume", "load_balancer", "database", "kubernetes_cluster", "vpc") and (
            region not in REGIONS
        ):
            raise unprocessable(f"invalid region {region!r}")
        if name == "volume" and not _positive_int(body.get("size_gigabytes")):
            raise unprocessable("size_gigabytes must be a positive integer")
        if name == "database":
            if body.get("engine") not in DB_ENGINES:
                raise unprocessable(f"invalid engine {body.get('engine')!r}")
            self._check_db_size(body.get("size"), body.get("num_nodes"))
        if name == "load_balancer":
            self._check_lb_body(body)
        if name == "firewall":
            self._check_firewall_body(body)
        if name == "kubernetes_cluster":
            pools = body.get("node_pools")
            if not isinstance(pools, list) or not pools:
                raise unprocessable("node_pools must be a non-empty list")
            for pool in pools:
                self._check_pool_body(pool, new=True)
        if name == "reserved_ip" and not (body.get("region") in REGIONS or body.get("droplet_id")):
            raise unprocessable("region or droplet_id is required")
        if name == "container_registry" and body.get("subscription_tier_slug") not in (
            "starter",
            "basic",
            "professional",
        ):
            raise unprocessable("invalid subscription_tier_slug")
        if name == "reserved_ip" and body.get("droplet_id") is not None:
            droplet = self.droplet_or_404(body["droplet_id"])
            body.setdefault("region", droplet.region)

    @locked
    def delete_resource(self, name: str, rid: str | None = None) -> dict[str, Any] | None:
        kind = kind_or_404(name)
        record = self._registry() if kind.single else self.resource_or_404(name, str(rid))
        key = record_id(kind, record)
        if name == "vpc" and record.get("default"):
            raise SimError(403, "forbidden", "A default VPC cannot be deleted.")
        if name == "kubernetes_cluster":
            for pool in record["node_pools"]:
                self._resize_nodes(record, pool, 0)
        del self.resources[name][key]
        self._reprice(name, key, None)
        if name == "app":
            return {"id": key}
        if name == "genai_agent":
            return {"agent": self.render_resource(name, record)}
        if name == "knowledge_base":
            return {"uuid": key}
        return None

    # -- project resources -----------------------------------------------------------

    def project_resource_entries(self, project_id: str, base_url: str) -> list[dict[str, Any]]:
        """DO's project resource entries of every non-droplet kind in the project."""
        entries = []
        for name, records in self.resources.items():
            kind = KINDS[name]
            for rid, record in records.items():
                if record.get("_project_id") == project_id and kind.in_projects:
                    link = f"{base_url}{kind.path}" + ("" if kind.single else f"/{rid}")
                    entries.append(
                        {
                            "urn": f"{kind.urn_prefix}{rid}",
                            "assigned_at": iso(record["_assigned_at"]),
                            "links": {"self": link},
                            "status": "ok",
                        }
                    )
        return entries

    def assign_urn(self, urn: str, project_id: str, base_url: str) -> dict[str, Any] | None:
        """Move the resource a URN names into the project; None if no such resource."""
        for name, records in self.resources.items():
            prefix = KINDS[name].urn_prefix
            if KINDS[name].in_projects and urn.startswith(prefix) and urn[len(prefix) :] in records:
                record = records[urn[len(prefix) :]]
                if record.get("_project_id") != project_id:
                    record["_project_id"] = project_id
                    record["_assigned_at"] = self.now()
                return {
                    "urn": urn,
                    "assigned_at": iso(record["_assigned_at"]),
                    "links": {"self": f"{base_url}{KINDS[name].path}/{urn[len(prefix) :]}"},
                    "status": "ok",
                }
        return None

    # -- actions (volumes, reserved IPs) and timed changes (databases) ----------------

    def _advance(self) -> None:
        super()._advance()
        now = self.clock()
        due = getattr(self, "_resource_due", None)
        while due and due[0][0] <= now:
            _, action_id = heapq.heappop(due)
            self._finish(self.resource_actions[action_id])

    def _begin(
        self, kind: str, target: str, op: str, region: str, params: dict[str, Any]
    ) -> dict[str, Any]:
        now = self.clock()
        action_id = self.next_action_id
        self.next_action_id += 1
        resource_type = {"volume": "volume", "database": "database"}.get(kind, "reserved_ip")
        action: dict[str, Any] = {
            "id": action_id,
            "status": "in-progress",
            "type": op,
            "started_at": iso(now),
            "completed_at": None,
            "resource_type": resource_type,
            "region_slug": region,
            "_kind": kind,
            "_target": target,
            "_params": params,
            "_due": now + self.action_seconds,
            "_errored": bool(self.faults.action_errors),
        }
        if kind in ("reserved_ip", "reserved_ipv6"):
            action["resource_id"] = int(ipaddress.ip_address(target)) % 2**31
        self.resource_actions[action_id] = action
        heapq.heappush(self._resource_due, (action["_due"], action_id))
        return action

    def _finish(self, action: dict[str, Any]) -> None:
        action["completed_at"] = iso(action["_due"])
        action["status"] = "errored" if action["_errored"] else "completed"
        record = self.resources[action["_kind"]].get(action["_target"])
        if record is None:
            return
        try:
            self._apply_finished(action, record)
        finally:
            self._reprice(action["_kind"], action["_target"], record)

    def _apply_finished(self, action: dict[str, Any], record: dict[str, Any]) -> None:
        op, params = action["type"], action["_params"]
        if action["_kind"] == "database":
            record["status"] = "online"  # an errored resize leaves the old size
            if action["_errored"]:
                record["size"], record["num_nodes"] = params["old_size"], params["old_nodes"]
            return
        if action["_errored"]:
            return
        if op == "resize":
            record["size_gigabytes"] = params["size_gigabytes"]
        elif op == "attach":
            record["droplet_ids"] = sorted({*record["droplet_ids"], params["droplet_id"]})
        elif op == "detach":
            record["droplet_ids"] = [i for i in record["droplet_ids"] if i != params["droplet_id"]]
        elif op in ("assign_ip", "assign"):
            record["droplet_id"] = params["droplet_id"]
        elif op in ("unassign_ip", "unassign"):
            record["droplet_id"] = None

    def render_action(self, action: dict[str, Any]) -> dict[str, Any]:
        out = public(action)
        out["region"] = region_json(action["region_slug"])
        return out

    def _actions_of(self, kind: str, target: str) -> list[dict[str, Any]]:
        return [
            a
            for a in self.resource_actions.values()
            if a["_kind"] == kind and a["_target"] == target
        ]

    @locked
    def list_resource_actions(
        self, name: str, rid: str, query: Mapping[str, str], base_url: str
    ) -> dict[str, Any]:
        self.resource_or_404(name, rid)
        page, links, meta = render.paginate(
            self._actions_of(name, rid),
            query=query,
            url=f"{base_url}{KINDS[name].path}/{rid}/actions",
        )
        return {"actions": [self.render_action(a) for a in page], "links": links, "meta": meta}

    @locked
    def get_resource_action(self, name: str, rid: str, action_id: str) -> dict[str, Any]:
        self.resource_or_404(name, rid)
        try:
            action = self.resource_actions[int(action_id)]
        except (KeyError, ValueError):
            raise not_found() from None
        if action["_kind"] != name or action["_target"] != rid:
            raise not_found()
        return {"action": self.render_action(action)}

    def _pending(self, kind: str, target: str) -> bool:
        return any(a["status"] == "in-progress" for a in self._actions_of(kind, target))

    @locked
    def volume_action(self, volume_id: str, body: object) -> dict[str, Any]:
        # resources/volumes/volumeActions_post_byId.yml: attach, detach, resize
        volume = self.resource_or_404("volume", volume_id)
        if not isinstance(body, dict):
            raise bad_request("error parsing request body")
        op = body.get("type")
        region = body.get("region", volume["region"])
        if region != volume["region"]:
            raise unprocessable("region must match the volume's region")
        if self._pending("volume", volume_id):
            raise unprocessable("Volume already has a pending event.")
        if op == "resize":
            size = body.get("size_gigabytes")
            if not _positive_int(size):
                raise unprocessable("size_gigabytes must be a positive integer")
            if size <= volume["size_gigabytes"]:
                raise unprocessable("Volumes can only be resized to a larger size.")
            params: dict[str, Any] = {"size_gigabytes": size}
        elif op in ("attach", "detach"):
            droplet = self.droplet_or_404(body.get("droplet_id", ""))
            if op == "attach" and droplet.region != volume["region"]:
                raise unprocessable("Droplet and volume must be in the same region.")
            params = {"droplet_id": droplet.id}
        else:
            raise unprocessable(f"Action type {op!r} is not supported for volumes.")
        return {"action": self.render_action(self._begin("volume", volume_id, op, region, params))}

    @locked
    def reserved_ip_action(self, name: str, ip: str, body: object) -> dict[str, Any]:
        # resources/reserved_ips/reservedIPsActions_post.yml: assign (droplet_id), unassign
        record = self.resource_or_404(name, ip)
        if not isinstance(body, dict):
            raise bad_request("error parsing request body")
        op = body.get("type")
        region = record.get("region") or record["region_slug"]
        if self._pending(name, ip):
            raise unprocessable("Reserved IP already has a pending event.")
        if op == "assign":
            if "droplet_id" not in body:
                raise unprocessable("droplet_id is required to assign a reserved IP")
            droplet = self.droplet_or_404(body["droplet_id"])
            if droplet.region != region:
                raise unprocessable("The Droplet must be in the reserved IP's region.")
            params: dict[str, Any] = {"droplet_id": droplet.id}
        elif op == "unassign":
            if record["droplet_id"] is None:
                raise unprocessable("The reserved IP is not assigned to a Droplet.")
            params = {}
        else:
            raise unprocessable(f"Action type {op!r} is not supported for reserved IPs.")
        action_type = f"{op}_ip"
        return {"action": self.render_action(self._begin(name, ip, action_type, region, params))}

    def _check_db_size(self, size: object, nodes: object) -> None:
        if size not in DB_SIZES:
            raise unprocessable(f"invalid size {size!r}")
        if not isinstance(nodes, int) or isinstance(nodes, bool) or not 1 <= nodes <= 3:
            raise unprocessable("num_nodes must be 1, 2 or 3")

    @locked
    def resize_database(self, db_id: str, body: object) -> None:
        # resources/databases/databases_update_clusterSize.yml: 202, no body
        record = self.resource_or_404("database", db_id)
        if not isinstance(body, dict):
            raise bad_request("error parsing request body")
        if "size" not in body or "num_nodes" not in body:
            raise bad_request("size and num_nodes are required")
        self._check_db_size(body["size"], body["num_nodes"])
        if record["status"] != "online":
            raise unprocessable(f"cluster is {record['status']}; try again when it is online")
        params = {"old_size": record["size"], "old_nodes": record["num_nodes"]}
        record["size"], record["num_nodes"] = body["size"], body["num_nodes"]
        if "storage_size_mib" in body:
            record["storage_size_mib"] = int(body["storage_size_mib"])
        else:
            record["storage_size_mib"] = max(record["storage_size_mib"], DB_SIZES[body["size"]])
        record["status"] = "resizing"
        self._reprice("database", db_id, record)  # DO bills the new size from the request
        self._begin("database", db_id, "resize", record["region"], params)

    # -- Kubernetes node pools -------------------------------------------------------

    def _check_pool_body(self, body: object, *, new: bool) -> None:
        if not isinstance(body, dict):
            raise bad_request("error parsing request body")
        if not isinstance(body.get("name"), str) or not body["name"]:
            raise unprocessable("name is required")
        count = body.get("count")
        if not isinstance(count, int) or isinstance(count, bool) or count < 0:
            raise unprocessable("count is required and must be a non-negative integer")
        if new and body.get("size") not in SIZES:
            raise unprocessable(f"invalid size {body.get('size')!r}")

    def _pool_or_404(self, cluster: dict[str, Any], pool_id: str) -> dict[str, Any]:
        for pool in cluster["node_pools"]:
            if pool["id"] == pool_id:
                return pool
        raise not_found()

    def _add_pool(self, cluster: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
        pool = build_node_pool(self._ctx(), cluster["id"], body)
        pool["count"] = 0
        cluster["node_pools"].append(pool)
        self._resize_nodes(cluster, pool, int(body["count"]))
        return pool

    def _resize_nodes(self, cluster: dict[str, Any], pool: dict[str, Any], count: int) -> None:
        """Grow or shrink a pool to `count` nodes; each node is a droplet, as in DOKS."""
        tags = ["k8s", f"k8s:{cluster['id']}", "k8s:worker"]
        while len(pool["nodes"]) > count:
            node = pool["nodes"].pop()
            if node["droplet_id"] and int(node["droplet_id"]) in self.droplets:
                self.delete_droplet(int(node["droplet_id"]))  # type: ignore[attr-defined]
        while len(pool["nodes"]) < count:
            droplet_id = None
            if pool["size"] in SIZES and cluster["region"] in REGIONS:
                droplet = self.add_droplet(  # type: ignore[attr-defined]
                    name=f"{pool['name']}-{self.next_droplet_id}",
                    size=pool["size"],
                    region=cluster["region"],
                    image=NODE_IMAGE,
                    tags=tags,
                    project_id=self.default_project().id,
                    status="active",
                )
                droplet_id = droplet.id
            pool["nodes"].append(build_node(self._ctx(), pool["name"], droplet_id, self.now()))
        pool["count"] = count

    @locked
    def list_node_pools(self, cluster_id: str) -> dict[str, Any]:
        cluster = self.resource_or_404("kubernetes_cluster", cluster_id)
        return {"node_pools": [public(p) for p in cluster["node_pools"]]}

    @locked
    def get_node_pool(self, cluster_id: str, pool_id: str) -> dict[str, Any]:
        cluster = self.resource_or_404("kubernetes_cluster", cluster_id)
        return {"node_pool": public(self._pool_or_404(cluster, pool_id))}

    @locked
    def add_node_pool(self, cluster_id: str, body: object) -> dict[str, Any]:
        cluster = self.resource_or_404("kubernetes_cluster", cluster_id)
        self._check_pool_body(body, new=True)
        assert isinstance(body, dict)
        if any(p["name"] == body["name"] for p in cluster["node_pools"]):
            raise unprocessable(f"a node pool named {body['name']!r} already exists")
        return {"node_pool": public(self._add_pool(cluster, body))}

    @locked
    def update_node_pool(self, cluster_id: str, pool_id: str, body: object) -> dict[str, Any]:
        # resources/kubernetes/kubernetes_update_nodePool.yml: name and count required
        cluster = self.resource_or_404("kubernetes_cluster", cluster_id)
        pool = self._pool_or_404(cluster, pool_id)
        self._check_pool_body(body, new=False)
        assert isinstance(body, dict)
        pool["name"] = body["name"]
        for field in ("auto_scale", "min_nodes", "max_nodes", "labels", "taints"):
            if field in body:
                pool[field] = body[field]
        if "tags" in body:
            pool["tags"] = list(
                dict.fromkeys(["k8s", f"k8s:{cluster_id}", "k8s:worker", *body["tags"]])
            )
        self._resize_nodes(cluster, pool, body["count"])
        return {"node_pool": public(pool)}

    @locked
    def delete_node_pool(self, cluster_id: str, pool_id: str) -> None:
        cluster = self.resource_or_404("kubernetes_cluster", cluster_id)
        pool = self._pool_or_404(cluster, pool_id)
        self._resize_nodes(cluster, pool, 0)
        cluster["node_pools"].remove(pool)

    # -- firewalls and load balancers: PUT replaces the object -----------------------

    def _check_rules(self, rules: object, side: str) -> None:
        if not isinstance(rules, list):
            raise unprocessable(f"{side}_rules must be a list")
        targets = "sources" if side == "inbound" else "destinations"
        for rule in rules:
            if not isinstance(rule, dict) or rule.get("protocol") not in FIREWALL_PROTOCOLS:
                raise unprocessable("protocol must be one of tcp, udp, icmp")
            if rule["protocol"] != "icmp" and not isinstance(rule.get("ports"), str):
                raise unprocessable("ports is required for tcp and udp rules")
            if not isinstance(rule.get(targets), dict):
                raise unprocessable(f"{targets} is required on each {side} rule")

    def _check_droplet_ids(self, ids: object) -> list[int]:
        if not isinstance(ids, list) or not all(isinstance(i, int) for i in ids):
            raise unprocessable("droplet_ids must be a list of integers")
        for droplet_id in ids:
            if droplet_id not in self.droplets:
                raise unprocessable(f"droplet {droplet_id} does not exist")
        return sorted(ids)

    def _check_firewall_body(self, body: dict[str, Any]) -> None:
        if not isinstance(body.get("name"), str) or not body["name"]:
            raise unprocessable("name is required")
        self._check_rules(body.get("inbound_rules", []), "inbound")
        self._check_rules(body.get("outbound_rules", []), "outbound")
        self._check_droplet_ids(body.get("droplet_ids", []))

    @locked
    def update_firewall(self, firewall_id: str, body: object) -> dict[str, Any]:
        # resources/firewalls/firewalls_update.yml: the whole firewall
        record = self.resource_or_404("firewall", firewall_id)
        if not isinstance(body, dict):
            raise bad_request("error parsing request body")
        self._check_firewall_body(body)
        record["name"] = body["name"]
        record["inbound_rules"] = copy.deepcopy(body.get("inbound_rules", []))
        record["outbound_rules"] = copy.deepcopy(body.get("outbound_rules", []))
        record["droplet_ids"] = self._check_droplet_ids(body.get("droplet_ids", []))
        record["tags"] = list(body.get("tags") or [])
        return {"firewall": self.render_resource("firewall", record)}

    def _check_lb_body(self, body: dict[str, Any]) -> None:
        if not isinstance(body.get("name"), str) or not body["name"]:
            raise unprocessable("name is required")
        if "size" in body and body["size"] not in LB_SIZES:
            raise unprocessable(f"invalid size {body['size']!r}")
        unit = body.get("size_unit")
        if unit is not None and (not isinstance(unit, int) or not 1 <= unit <= 100):
            raise unprocessable("size_unit must be an integer from 1 to 100")
        rules = body.get("forwarding_rules")
        if not isinstance(rules, list) or not rules:
            raise unprocessable("forwarding_rules must be a non-empty list")
        for rule in rules:
            keys = ("entry_protocol", "entry_port", "target_protocol", "target_port")
            if not isinstance(rule, dict) or any(k not in rule for k in keys):
                raise unprocessable("each forwarding rule needs entry and target protocol and port")
        self._check_droplet_ids(body.get("droplet_ids", []))

    @locked
    def update_load_balancer(self, lb_id: str, body: object) -> dict[str, Any]:
        # resources/load_balancers/loadBalancers_update.yml: the whole load balancer
        record = self.resource_or_404("load_balancer", lb_id)
        if not isinstance(body, dict):
            raise bad_request("error parsing request body")
        if body.get("region") is None:
            raise unprocessable("region is required")
        if body["region"] != record["region"]:
            raise unprocessable("a load balancer cannot change region")
        self._check_lb_body(body)
        keep = {k: record[k] for k in ("id", "ip", "ipv6", "created_at", "status", "vpc_uuid")}
        ctx = self._ctx()
        fresh = BUILDERS["load_balancer"](ctx, {**body, "region": record["region"]})
        fresh.update(keep)
        fresh["droplet_ids"] = self._check_droplet_ids(body.get("droplet_ids", []))
        fresh["_project_id"], fresh["_assigned_at"] = record["_project_id"], record["_assigned_at"]
        self.resources["load_balancer"][lb_id] = fresh
        self._reprice("load_balancer", lb_id, fresh)
        return {"load_balancer": self.render_resource("load_balancer", fresh)}

    # -- domain records --------------------------------------------------------------

    @locked
    def list_domain_records(
        self, domain: str, query: Mapping[str, str], base_url: str
    ) -> dict[str, Any]:
        records = self.resource_or_404("domain", domain)["_records"]
        for name in ("type", "name"):
            if name in query:
                records = [r for r in records if r[name] == query[name]]
        page, links, meta = render.paginate(
            records, query=query, url=f"{base_url}/v2/domains/{domain}/records"
        )
        return {"domain_records": list(page), "links": links, "meta": meta}

    def _record_or_404(self, domain: str, record_id: str) -> dict[str, Any]:
        for record in self.resource_or_404("domain", domain)["_records"]:
            if str(record["id"]) == str(record_id):
                return record  # type: ignore[no-any-return]
        raise not_found()

    @locked
    def get_domain_record(self, domain: str, record_id: str) -> dict[str, Any]:
        return {"domain_record": self._record_or_404(domain, record_id)}

    @locked
    def create_domain_record(self, domain: str, body: object) -> dict[str, Any]:
        records = self.resource_or_404("domain", domain)["_records"]
        if not isinstance(body, dict):
            raise bad_request("error parsing request body")
        if body.get("type") not in ("A", "AAAA", "CAA", "CNAME", "MX", "NS", "SOA", "SRV", "TXT"):
            raise unprocessable("type is required and must be a DNS record type")
        if not isinstance(body.get("data"), str):
            raise unprocessable("data is required")
        self.domain_record_seq += 1
        record = build_domain_record(2_000_000 + self.domain_record_seq, body)
        records.append(record)
        return {"domain_record": record}

    @locked
    def delete_domain_record(self, domain: str, record_id: str) -> None:
        records = self.resource_or_404("domain", domain)["_records"]
        records.remove(self._record_or_404(domain, record_id))

    # -- out-of-band changes and reads for tests -------------------------------------

    @locked
    def resource(self, name: str, rid: str | None = None) -> dict[str, Any]:
        """The record as DO renders it (any kind)."""
        return self.get_resource(name, rid)[kind_or_404(name).single_key]  # type: ignore[no-any-return]

    @locked
    def resource_ids(self, name: str) -> list[str]:
        return list(self.resources[kind_or_404(name).name])

    @locked
    def oob_resource_add(self, name: str, body: dict[str, Any]) -> dict[str, Any]:
        """Create a resource as the console would (DO's create body); its rendering."""
        kind = kind_or_404(name)
        if kind.create_status == 0:  # snapshots come from droplets/volumes: take the fields
            record = BUILDERS[name](self._ctx(), body)
            record["_project_id"] = self.default_project().id
            record["_assigned_at"] = self.now()
            self._store(name, record)
            return self.render_resource(name, record)
        answer = self.create_resource(name, body)
        return answer[kind.single_key]  # type: ignore[no-any-return]

    @locked
    def oob_resource_update(self, name: str, rid: str, changes: object) -> dict[str, Any]:
        """Set fields (top-level or dotted: `node_pools.worker.count`) without DO's rules.

        A dotted step through a list picks the item whose `name` or `id` is that step,
        or the item at that index. The record's id cannot change.
        """
        kind = kind_or_404(name)
        record = self._registry() if kind.single else self.resource_or_404(name, rid)
        if not isinstance(changes, dict) or not changes:
            raise bad_request("changes must be a non-empty object")
        for path, value in changes.items():
            if path == kind.id_field:
                raise bad_request(f"{path} cannot change")
            _set_path(record, str(path), value)
        if name == "kubernetes_cluster":  # a console count change adds or removes nodes
            for pool in record["node_pools"]:
                if isinstance(pool.get("count"), int) and pool["count"] != len(pool["nodes"]):
                    self._resize_nodes(record, pool, pool["count"])
        self._reprice(name, record_id(kind, record), record)
        return self.render_resource(name, record)

    @locked
    def oob_resource_delete(self, name: str, rid: str) -> None:
        kind = kind_or_404(name)
        record = self._registry() if kind.single else self.resource_or_404(name, rid)
        del self.resources[name][record_id(kind, record)]
        self._reprice(name, record_id(kind, record), None)

    def resource_counts(self) -> dict[str, int]:
        return {name: len(records) for name, records in self.resources.items()}

    # -- persistence -----------------------------------------------------------------

    @locked
    def snapshot_resources(self) -> dict[str, Any]:
        """Every record, action and counter, JSON-ready (restore with `restore_resources`)."""
        return copy.deepcopy(
            {
                "version": 1,
                "records": {k: list(v.values()) for k, v in self.resources.items()},
                "actions": list(self.resource_actions.values()),
                "resource_seq": self.resource_seq,
                "domain_record_seq": self.domain_record_seq,
            }
        )

    @locked
    def restore_resources(self, data: Mapping[str, Any]) -> None:
        if data.get("version") != 1:
            raise ValueError("unknown resources snapshot version")
        data = copy.deepcopy(dict(data))
        self.resources = {name: {} for name in KINDS}
        self.priced_ledger = {}  # billing's spans, rebuilt from the records
        for name, records in data["records"].items():
            for record in records:
                self._store(name, record)
        self.resource_actions = {int(a["id"]): a for a in data["actions"]}
        self._resource_due = [
            (a["_due"], a["id"])
            for a in self.resource_actions.values()
            if a["status"] == "in-progress"
        ]
        heapq.heapify(self._resource_due)
        if self.resource_actions:
            self.next_action_id = max(self.next_action_id, max(self.resource_actions) + 1)
        self.resource_seq = data["resource_seq"]
        self.domain_record_seq = data["domain_record_seq"]


def _positive_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def _set_path(record: dict[str, Any], path: str, value: Any) -> None:
    steps = path.split(".")
    target: Any = record
    for step in steps[:-1]:
        target = _step(target, step, path)
    last = steps[-1]
    if isinstance(target, list):
        index = _list_index(target, last, path)
        target[index] = value
    elif isinstance(target, dict):
        target[last] = value
    else:
        raise bad_request(f"{path}: cannot set a field inside a {type(target).__name__}")


def _step(target: Any, step: str, path: str) -> Any:
    if isinstance(target, dict):
        if step not in target or target[step] is None:
            target[step] = {}
        return target[step]
    if isinstance(target, list):
        return target[_list_index(target, step, path)]
    raise bad_request(f"{path}: {step!r} is not an object or a list")


def _list_index(items: list[Any], step: str, path: str) -> int:
    for i, item in enumerate(items):
        if isinstance(item, dict) and step in (item.get("name"), str(item.get("id"))):
            return i
    if step.isdigit() and int(step) < len(items):
        return int(step)
    raise bad_request(f"{path}: no item {step!r}")
