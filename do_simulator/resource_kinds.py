"""The wire shape of every non-droplet kind: DO's path, list and single keys, id, URN.

A stored record is DO's object with its field names, except what is cheaper to expand
on the way out: `region` (volume, load balancer, reserved IP) is kept as a slug and
rendered as DO's region object, and a reserved IP's `droplet` is kept as `droplet_id`
and rendered as the whole droplet. Keys starting with `_` are the simulator's own
(`_project_id`, `_assigned_at`, a domain's `_records`) and never leave it.

Field names and nesting follow the spec's examples and schemas under
/work/shared/do-openapi/specification/resources/<product>/responses/ (cited per kind).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# How DO pages a list: "do" = `links.pages` + `meta.total`; "genai" = gen-ai's
# `links.pages` (`previous`) + `meta` {page, pages, total}; "total" = a top-level `total`
# (vector databases); "none" = everything in one answer (databases, NFS shares).
PAGING = ("do", "genai", "total", "none")


# The URN types DO's project resources accept (shared/attributes/urn.yml's pattern): a
# firewall, snapshot, app or certificate has a URN but belongs to no project.
PROJECT_URN_TYPES = frozenset(
    {
        "dbaas",
        "domain",
        "droplet",
        "floatingip",
        "loadbalancer",
        "space",
        "volume",
        "kubernetes",
        "vpc",
    }
)


@dataclass(frozen=True)
class Kind:
    name: str  # the simulator's store name (Arcadia's kind, or reserved_ipv6)
    path: str  # DO's collection path
    list_key: str
    single_key: str
    id_field: str = "id"
    urn_prefix: str = ""  # URN = f"{urn_prefix}{id}"
    paging: str = "do"
    filters: tuple[str, ...] = ()  # query parameters that filter by an equal field
    create_status: int = 201
    delete_status: int = 204
    required: tuple[str, ...] = ("name",)  # fields a create (POST) must carry
    single: bool = False  # container registry: one object, no list, no id in the path
    project_field: bool = False  # DO renders the owning project's id as `project_id`

    @property
    def in_projects(self) -> bool:
        """Whether DO puts this kind in projects: its URN type is one the spec's project
        resource URN allows (shared/attributes/urn.yml)."""
        return bool(self.urn_prefix) and self.urn_prefix.split(":")[1] in PROJECT_URN_TYPES


KINDS: dict[str, Kind] = {
    k.name: k
    for k in [
        # resources/volumes/responses/volumes.yml, volume.yml
        Kind(
            "volume",
            "/v2/volumes",
            "volumes",
            "volume",
            urn_prefix="do:volume:",
            filters=("name", "region"),
            required=("name", "size_gigabytes", "region"),
        ),
        # resources/snapshots/responses/snapshots.yml (no POST: snapshots come from actions)
        Kind(
            "snapshot",
            "/v2/snapshots",
            "snapshots",
            "snapshot",
            urn_prefix="do:snapshot:",
            filters=("resource_type",),
            create_status=0,
        ),
        # resources/load_balancers/responses/all_load_balancers.yml, existing_load_balancer.yml
        Kind(
            "load_balancer",
            "/v2/load_balancers",
            "load_balancers",
            "load_balancer",
            urn_prefix="do:loadbalancer:",
            create_status=202,
            required=("name", "region", "forwarding_rules"),
            project_field=True,
        ),
        # resources/databases/responses/database_clusters.yml: not paginated
        Kind(
            "database",
            "/v2/databases",
            "databases",
            "database",
            urn_prefix="do:dbaas:",
            paging="none",
            required=("name", "engine", "num_nodes", "size", "region"),
            project_field=True,
        ),
        # resources/kubernetes/responses/all_clusters.yml, existing_cluster.yml
        Kind(
            "kubernetes_cluster",
            "/v2/kubernetes/clusters",
            "kubernetes_clusters",
            "kubernetes_cluster",
            urn_prefix="do:kubernetes:",
            required=("name", "region", "version", "node_pools"),
        ),
        # resources/reserved_ips/responses/reserved_ip_list.yml, reserved_ip.yml
        Kind(
            "reserved_ip",
            "/v2/reserved_ips",
            "reserved_ips",
            "reserved_ip",
            id_field="ip",
            urn_prefix="do:floatingip:",
            create_status=202,
            required=(),
            project_field=True,
        ),
        # resources/reserved_ipv6/responses/reserved_ipv6_list.yml, reserved_ipv6.yml
        Kind(
            "reserved_ipv6",
            "/v2/reserved_ipv6",
            "reserved_ipv6s",
            "reserved_ipv6",
            id_field="ip",
            urn_prefix="do:floatingip:",
            required=("region_slug",),
        ),
        # resources/firewalls/responses/list_firewalls_response.yml, get_firewall_response.yml
        Kind(
            "firewall",
            "/v2/firewalls",
            "firewalls",
            "firewall",
            urn_prefix="do:firewall:",
            create_status=202,
        ),
        # resources/domains/responses/all_domains_response.yml, existing_domain.yml
        Kind(
            "domain",
            "/v2/domains",
            "domains",
            "domain",
            id_field="name",
            urn_prefix="do:domain:",
        ),
        # resources/vpcs/responses/all_vpcs.yml, existing_vpc.yml
        Kind(
            "vpc",
            "/v2/vpcs",
            "vpcs",
            "vpc",
            urn_prefix="do:vpc:",
            required=("name", "region"),
        ),
        # resources/apps/responses/list_apps.yml, apps_get.yml; DELETE answers 200 {"id"}
        Kind(
            "app",
            "/v2/apps",
            "apps",
            "app",
            urn_prefix="do:app:",
            create_status=200,
            delete_status=200,
            required=("spec",),
        ),
        # resources/registry/responses/registry_info.yml: one registry per account
        Kind(
            "container_registry",
            "/v2/registry",
            "registry",
            "registry",
            id_field="name",
            urn_prefix="do:registry:",
            required=("name", "subscription_tier_slug"),
            single=True,
        ),
        # resources/cdn/responses/all_cdn_endpoints.yml, existing_endpoint.yml
        Kind(
            "cdn_endpoint",
            "/v2/cdn/endpoints",
            "endpoints",
            "endpoint",
            urn_prefix="do:cdn:",
            required=("origin",),
        ),
        # resources/certificates/responses/all_certificates.yml, examples.yml
        Kind(
            "certificate",
            "/v2/certificates",
            "certificates",
            "certificate",
            urn_prefix="do:certificate:",
        ),
        # resources/nfs/responses/nfs_list.yml (`shares`, filtered by `region`, no paging)
        Kind(
            "nfs_share",
            "/v2/nfs",
            "shares",
            "share",
            urn_prefix="do:nfs_share:",
            paging="none",
            filters=("region",),
            required=("name", "size_gib", "region"),
        ),
        # resources/dedicated_inferences/responses/*list*.yml (links and meta required)
        Kind(
            "dedicated_inference",
            "/v2/dedicated-inferences",
            "dedicated_inferences",
            "dedicated_inference",
            urn_prefix="do:dedicated_inference:",
            create_status=202,
            delete_status=202,
            required=("spec",),
        ),
        # resources/gen-ai/definitions.yml apiListAgentsOutputPublic / apiAgentPublic
        Kind(
            "genai_agent",
            "/v2/gen-ai/agents",
            "agents",
            "agent",
            id_field="uuid",
            urn_prefix="do:genai_agent:",
            paging="genai",
            create_status=200,
            delete_status=200,
            required=("name", "instruction", "model_uuid", "region", "project_id"),
        ),
        # resources/gen-ai/definitions.yml apiListKnowledgeBasesOutput / apiKnowledgeBase
        Kind(
            "knowledge_base",
            "/v2/gen-ai/knowledge_bases",
            "knowledge_bases",
            "knowledge_base",
            id_field="uuid",
            urn_prefix="do:knowledge_base:",
            paging="genai",
            create_status=200,
            delete_status=200,
            required=("name", "embedding_model_uuid", "region", "project_id"),
        ),
        # resources/vector_databases/definitions.yml: `vector_dbs` and a top-level `total`
        Kind(
            "vector_database",
            "/v2/vector-databases",
            "vector_dbs",
            "vector_db",
            urn_prefix="do:vector_database:",
            paging="total",
            required=("name", "region", "size"),
        ),
        # resources/autoscale_pools/responses/all_autoscale_pools.yml, autoscale_pool.yml
        Kind(
            "autoscale_pool",
            "/v2/droplets/autoscale",
            "autoscale_pools",
            "autoscale_pool",
            urn_prefix="do:autoscale_pool:",
            create_status=202,
            delete_status=202,
            required=("name", "config", "droplet_template"),
        ),
    ]
}

# Arcadia's kind for each store kind (reserved IPv6 addresses are `reserved_ip`s).
ARCADIA_KIND = {name: ("reserved_ip" if name == "reserved_ipv6" else name) for name in KINDS}

# A small, realistic account: what `SimState` serves when no counts are given.
DEFAULT_COUNTS: dict[str, int] = {
    "volume": 12,
    "snapshot": 8,
    "load_balancer": 3,
    "database": 3,
    "kubernetes_cluster": 2,
    "reserved_ip": 4,
    "reserved_ipv6": 2,
    "firewall": 3,
    "domain": 4,
    "vpc": 2,  # custom VPCs; every region's default VPC is always there
    "app": 2,
    "container_registry": 1,
    "cdn_endpoint": 2,
    "certificate": 2,
    "nfs_share": 1,
    "dedicated_inference": 1,
    "genai_agent": 2,
    "knowledge_base": 1,
    "vector_database": 1,
    "autoscale_pool": 1,
}

LB_SIZES = {"lb-small": 1, "lb-medium": 3, "lb-large": 6}
DB_SIZES = {
    "db-s-1vcpu-1gb": 10240,
    "db-s-1vcpu-2gb": 25600,
    "db-s-2vcpu-4gb": 61440,
    "db-s-4vcpu-8gb": 117760,
    "db-s-6vcpu-16gb": 348160,
    "db-s-8vcpu-32gb": 655360,
}
DB_ENGINES = {"pg": "16", "mysql": "8", "valkey": "8", "mongodb": "7", "kafka": "3.8"}
K8S_VERSION = "1.31.1-do.4"
FIREWALL_PROTOCOLS = {"tcp", "udp", "icmp"}


def public(record: dict[str, Any]) -> dict[str, Any]:
    """The record without the simulator's own `_` keys (a shallow copy)."""
    return {k: v for k, v in record.items() if not k.startswith("_")}


def record_id(kind: Kind, record: dict[str, Any]) -> str:
    return str(record[kind.id_field])


# -- builders: a create body (DO's request fields) to a stored record ----------------------


@dataclass
class Ctx:
    """What a builder needs from the state: fresh ids, the time, region VPCs."""

    new_uuid: Any  # () -> str
    now: int
    vpc_for: Any  # (region slug) -> uuid
    seq: int  # a number unique per record (addresses, record ids)


def _iso(ts: int) -> str:
    from .models import iso

    return iso(ts)


def _ipv4(seq: int, first: int = 45) -> str:
    return f"{first}.{55 + (seq >> 16) % 150}.{(seq >> 8) & 255}.{seq & 255 or 1}"


def build_volume(ctx: Ctx, body: dict[str, Any]) -> dict[str, Any]:
    # resources/volumes/examples.yml (volume)
    return {
        "id": ctx.new_uuid(),
        "region": body["region"],
        "droplet_ids": list(body.get("droplet_ids", [])),
        "name": body["name"],
        "description": body.get("description", ""),
        "size_gigabytes": int(body["size_gigabytes"]),
        "filesystem_type": body.get("filesystem_type", "ext4"),
        "filesystem_label": body.get("filesystem_label", body["name"][:16]),
        "created_at": _iso(body.get("_created", ctx.now)),
        "tags": list(body.get("tags", [])),
    }


def build_snapshot(ctx: Ctx, body: dict[str, Any]) -> dict[str, Any]:
    # resources/snapshots/responses/snapshots.yml example
    return {
        "id": str(body.get("id") or 90_000_000 + ctx.seq),
        "name": body.get("name", f"snapshot-{ctx.seq}"),
        "created_at": _iso(body.get("_created", ctx.now)),
        "regions": list(body.get("regions", ["nyc3"])),
        "resource_id": str(body.get("resource_id", "")),
        "resource_type": body.get("resource_type", "droplet"),
        "min_disk_size": int(body.get("min_disk_size", 25)),
        "size_gigabytes": float(body.get("size_gigabytes", 2.36)),
        "tags": list(body.get("tags", [])),
    }


def build_load_balancer(ctx: Ctx, body: dict[str, Any]) -> dict[str, Any]:
    # resources/load_balancers/examples.yml (load_balancer)
    region = body["region"]
    record = {
        "id": ctx.new_uuid(),
        "name": body["name"],
        "ip": _ipv4(ctx.seq, 104),
        "ipv6": "",
        "algorithm": "round_robin",
        "status": "active",
        "created_at": _iso(body.get("_created", ctx.now)),
        "forwarding_rules": [dict(r) for r in body["forwarding_rules"]],
        "health_check": dict(
            body.get("health_check")
            or {
                "protocol": "http",
                "port": 80,
                "path": "/",
                "check_interval_seconds": 10,
                "response_timeout_seconds": 5,
                "healthy_threshold": 5,
                "unhealthy_threshold": 3,
            }
        ),
        "sticky_sessions": dict(body.get("sticky_sessions") or {"type": "none"}),
        "region": region,
        "tag": body.get("tag", ""),
        "droplet_ids": list(body.get("droplet_ids", [])),
        "redirect_http_to_https": bool(body.get("redirect_http_to_https", False)),
        "enable_proxy_protocol": bool(body.get("enable_proxy_protocol", False)),
        "enable_backend_keepalive": bool(body.get("enable_backend_keepalive", False)),
        "http_idle_timeout_seconds": int(body.get("http_idle_timeout_seconds", 60)),
        "vpc_uuid": body.get("vpc_uuid") or ctx.vpc_for(region),
        "disable_lets_encrypt_dns_records": False,
        "type": "REGIONAL",
        "network": "EXTERNAL",
        "firewall": dict(body.get("firewall") or {"deny": [], "allow": []}),
    }
    if "size_unit" in body:
        record["size_unit"] = int(body["size_unit"])
    else:
        record["size"] = body.get("size", "lb-small")
    return record


def _db_connection(host: str, engine: str, password: str) -> dict[str, Any]:
    scheme = {"pg": "postgresql", "mysql": "mysql", "mongodb": "mongodb+srv"}.get(engine, "rediss")
    port = {"pg": 25060, "mysql": 25060, "mongodb": 27017, "kafka": 25073}.get(engine, 25061)
    database = {"pg": "defaultdb", "mysql": "defaultdb", "mongodb": "admin"}.get(engine, "")
    return {
        "uri": f"{scheme}://doadmin:{password}@{host}:{port}/{database}?sslmode=require",
        "database": database,
        "host": host,
        "port": port,
        "user": "doadmin",
        "password": password,
        "ssl": True,
    }


def build_database(ctx: Ctx, body: dict[str, Any]) -> dict[str, Any]:
    # resources/databases/examples.yml (database cluster)
    engine, name, region = body["engine"], body["name"], body["region"]
    size = body["size"]
    version = str(body.get("version") or DB_ENGINES.get(engine, "16"))
    password = ctx.new_uuid().replace("-", "")[:16]
    host = f"{name}-do-user-8043964-0.m.db.ondigitalocean.com"
    return {
        "id": ctx.new_uuid(),
        "name": name,
        "engine": engine,
        "version": version,
        "semantic_version": f"{version}.4",
        "connection": _db_connection(host, engine, password),
        "private_connection": _db_connection(f"private-{host}", engine, password),
        "users": [{"name": "doadmin", "role": "primary", "password": password}],
        "db_names": ["defaultdb"] if engine in ("pg", "mysql") else None,
        "num_nodes": int(body["num_nodes"]),
        "region": region,
        "status": body.get("status", "online"),
        "created_at": _iso(body.get("_created", ctx.now)),
        "maintenance_window": {
            "day": "sunday",
            "hour": "03:00:00",
            "pending": False,
            "description": [],
        },
        "size": size,
        "tags": list(body.get("tags", [])),
        "private_network_uuid": body.get("private_network_uuid") or ctx.vpc_for(region),
        "storage_size_mib": int(body.get("storage_size_mib") or DB_SIZES.get(size, 10240)),
    }


def build_node_pool(ctx: Ctx, cluster_id: str, body: dict[str, Any]) -> dict[str, Any]:
    # resources/kubernetes/examples.yml (node_pool); nodes are filled by the state
    tags = ["k8s", f"k8s:{cluster_id}", "k8s:worker", *body.get("tags", [])]
    return {
        "id": ctx.new_uuid(),
        "name": body["name"],
        "size": body["size"],
        "count": int(body["count"]),
        "tags": list(dict.fromkeys(tags)),
        "labels": body.get("labels"),
        "taints": list(body.get("taints", [])),
        "auto_scale": bool(body.get("auto_scale", False)),
        "min_nodes": int(body.get("min_nodes", 0)),
        "max_nodes": int(body.get("max_nodes", 0)),
        "nodes": [],
    }


def build_node(ctx: Ctx, pool_name: str, droplet_id: int | None, created: int) -> dict[str, Any]:
    return {
        "id": ctx.new_uuid(),
        "name": f"{pool_name}-{ctx.new_uuid()[:5]}",
        "status": {"state": "running"},
        "droplet_id": str(droplet_id) if droplet_id is not None else "",
        "created_at": _iso(created),
        "updated_at": _iso(created),
    }


def build_kubernetes_cluster(ctx: Ctx, body: dict[str, Any]) -> dict[str, Any]:
    # resources/kubernetes/examples.yml (kubernetes_cluster); node_pools added by the state
    cluster_id, region = ctx.new_uuid(), body["region"]
    created = _iso(body.get("_created", ctx.now))
    return {
        "id": cluster_id,
        "name": body["name"],
        "region": region,
        "version": body.get("version") or K8S_VERSION,
        "cluster_subnet": "10.244.0.0/16",
        "service_subnet": "10.245.0.0/16",
        "vpc_uuid": body.get("vpc_uuid") or ctx.vpc_for(region),
        "ipv4": _ipv4(ctx.seq, 137),
        "endpoint": f"https://{cluster_id}.k8s.ondigitalocean.com",
        "tags": list(dict.fromkeys(["k8s", f"k8s:{cluster_id}", *body.get("tags", [])])),
        "node_pools": [],
        "maintenance_policy": {"start_time": "04:00", "duration": "4h0m0s", "day": "any"},
        "auto_upgrade": bool(body.get("auto_upgrade", False)),
        "status": {"state": "running"},
        "created_at": created,
        "updated_at": created,
        "surge_upgrade": bool(body.get("surge_upgrade", True)),
        "registry_enabled": False,
        "ha": bool(body.get("ha", False)),
    }


def build_reserved_ip(ctx: Ctx, body: dict[str, Any]) -> dict[str, Any]:
    # resources/reserved_ips/examples.yml; `droplet` is rendered from droplet_id
    return {
        "ip": body.get("ip") or _ipv4(ctx.seq, 45),
        "region": body["region"],
        "droplet_id": body.get("droplet_id"),
        "locked": False,
    }


def build_reserved_ipv6(ctx: Ctx, body: dict[str, Any]) -> dict[str, Any]:
    # resources/reserved_ipv6/responses/reserved_ipv6_list.yml example
    return {
        "ip": body.get("ip") or f"2604:a880:4:1d0::{ctx.seq:x}:c001",
        "region_slug": body["region_slug"],
        "reserved_at": _iso(body.get("_created", ctx.now)),
        "droplet_id": body.get("droplet_id"),
    }


def build_firewall(ctx: Ctx, body: dict[str, Any]) -> dict[str, Any]:
    # resources/firewalls/examples.yml (firewall)
    return {
        "id": ctx.new_uuid(),
        "name": body["name"],
        "status": "succeeded",
        "inbound_rules": [dict(r) for r in body.get("inbound_rules", [])],
        "outbound_rules": [dict(r) for r in body.get("outbound_rules", [])],
        "created_at": _iso(body.get("_created", ctx.now)),
        "droplet_ids": list(body.get("droplet_ids", [])),
        "tags": list(body.get("tags", [])),
        "pending_changes": [],
    }


def zone_file(name: str, ttl: int, serial: int) -> str:
    return (
        f"$ORIGIN {name}.\n$TTL {ttl}\n"
        f"{name}. IN SOA ns1.digitalocean.com. hostmaster.{name}. {serial} 10800 3600 604800 1800\n"
        f"{name}. {ttl} IN NS ns1.digitalocean.com.\n"
        f"{name}. {ttl} IN NS ns2.digitalocean.com.\n"
        f"{name}. {ttl} IN NS ns3.digitalocean.com.\n"
    )


def build_domain(ctx: Ctx, body: dict[str, Any]) -> dict[str, Any]:
    # resources/domains/examples.yml; records live in `_records`
    name, ttl = body["name"], 1800
    return {
        "name": name,
        "ttl": ttl,
        "zone_file": zone_file(name, ttl, body.get("_created", ctx.now)),
        "_records": [],
    }


def build_domain_record(seq: int, body: dict[str, Any]) -> dict[str, Any]:
    # resources/domains/examples.yml (domain_record)
    return {
        "id": 30_000_000 + seq,
        "type": body["type"],
        "name": body.get("name", "@"),
        "data": body.get("data", ""),
        "priority": body.get("priority"),
        "port": body.get("port"),
        "ttl": int(body.get("ttl", 1800)),
        "weight": body.get("weight"),
        "flags": body.get("flags"),
        "tag": body.get("tag"),
    }


def build_vpc(ctx: Ctx, body: dict[str, Any]) -> dict[str, Any]:
    # resources/vpcs/examples.yml (vpc)
    vpc_id = body.get("id") or ctx.new_uuid()
    return {
        "id": vpc_id,
        "urn": f"do:vpc:{vpc_id}",
        "name": body["name"],
        "description": body.get("description", ""),
        "region": body["region"],
        "ip_range": body.get("ip_range") or f"10.{100 + ctx.seq % 150}.{16 * (ctx.seq % 16)}.0/20",
        "default": bool(body.get("default", False)),
        "created_at": _iso(body.get("_created", ctx.now)),
    }


APP_REGIONS = {"nyc": "New York", "ams": "Amsterdam", "fra": "Frankfurt", "sfo": "San Francisco"}


def build_app(ctx: Ctx, body: dict[str, Any]) -> dict[str, Any]:
    # resources/apps/responses/examples.yml (app); a trimmed but faithful App
    spec = dict(body["spec"])
    region = spec.get("region", "nyc")
    slug = f"{spec.get('name', 'app')}-{ctx.new_uuid()[:5]}"
    created = _iso(body.get("_created", ctx.now))
    return {
        "id": ctx.new_uuid(),
        "owner_uuid": "6f3b9d1c-8a2e-4f5b-9d9e-0a1c3b5d7f9e",
        "spec": spec,
        "default_ingress": f"https://{slug}.ondigitalocean.app",
        "created_at": created,
        "updated_at": created,
        "last_deployment_created_at": created,
        "live_url": f"https://{slug}.ondigitalocean.app",
        "live_url_base": f"https://{slug}.ondigitalocean.app",
        "live_domain": f"{slug}.ondigitalocean.app",
        "region": {
            "slug": region,
            "label": APP_REGIONS.get(region, region),
            "flag": "usa",
            "continent": "North America",
            "data_centers": [f"{region}1"],
        },
        "tier_slug": "basic",
    }


REGISTRY_TIERS = {
    "starter": ("Starter", 1, 524288000, 0),
    "basic": ("Basic", 5, 5368709120, 500),
    "professional": ("Professional", 0, 107374182400, 2000),
}


def build_container_registry(ctx: Ctx, body: dict[str, Any]) -> dict[str, Any]:
    # resources/registry/models/registry.yml + subscription.yml (no example in the spec)
    slug = body["subscription_tier_slug"]
    label, repos, storage, cents = REGISTRY_TIERS[slug]
    created = _iso(body.get("_created", ctx.now))
    return {
        "name": body["name"],
        "created_at": created,
        "region": body.get("region", "nyc3"),
        "storage_usage_bytes": 0,
        "storage_usage_bytes_updated_at": created,
        "subscription": {
            "tier": {
                "name": label,
                "slug": slug,
                "included_repositories": repos,
                "included_storage_bytes": storage,
                "allow_storage_overage": slug != "starter",
                "included_bandwidth_bytes": storage,
                "monthly_price_in_cents": cents,
                "storage_overage_price_in_cents": 2,
            },
            "created_at": created,
            "updated_at": created,
        },
    }


def build_cdn_endpoint(ctx: Ctx, body: dict[str, Any]) -> dict[str, Any]:
    # resources/cdn/examples.yml (endpoint)
    origin = body["origin"]
    record = {
        "id": ctx.new_uuid(),
        "origin": origin,
        "endpoint": origin.replace(".digitaloceanspaces.com", ".cdn.digitaloceanspaces.com"),
        "created_at": _iso(body.get("_created", ctx.now)),
        "ttl": int(body.get("ttl", 3600)),
    }
    if body.get("certificate_id"):
        record["certificate_id"] = body["certificate_id"]
        record["custom_domain"] = body.get("custom_domain", "")
    return record


def build_certificate(ctx: Ctx, body: dict[str, Any]) -> dict[str, Any]:
    # resources/certificates/examples.yml (certificate)
    created = body.get("_created", ctx.now)
    kind = body.get("type", "lets_encrypt")
    return {
        "id": ctx.new_uuid(),
        "name": body["name"],
        "not_after": _iso(created + 90 * 86400),
        "sha1_fingerprint": (ctx.new_uuid() + ctx.new_uuid()).replace("-", "")[:40],
        "created_at": _iso(created),
        "dns_names": list(body.get("dns_names", [])) if kind == "lets_encrypt" else [""],
        "state": "verified",
        "type": kind,
    }


def build_nfs_share(ctx: Ctx, body: dict[str, Any]) -> dict[str, Any]:
    # resources/nfs/examples.yml (share)
    share_id, region = ctx.new_uuid(), body["region"]
    return {
        "id": share_id,
        "name": body["name"],
        "size_gib": int(body["size_gib"]),
        "region": region,
        "status": "ACTIVE",
        "created_at": _iso(body.get("_created", ctx.now)),
        "vpc_ids": list(body.get("vpc_ids") or [ctx.vpc_for(region)]),
        "performance_tier": body.get("performance_tier", "PERFORMANCE_TIER_STANDARD"),
        "mount_path": f"/8043964/{share_id}",
        "host": f"10.128.{ctx.seq % 250}.2",
    }


def build_dedicated_inference(ctx: Ctx, body: dict[str, Any]) -> dict[str, Any]:
    # resources/dedicated_inferences/examples (dedicated_inference)
    spec = body["spec"]
    region = spec.get("region", "nyc2") if isinstance(spec, dict) else "nyc2"
    slug = ctx.new_uuid().replace("-", "")[:25]
    created = _iso(body.get("_created", ctx.now))
    return {
        "id": ctx.new_uuid(),
        "status": "active",
        "region": region,
        "vpc_uuid": ctx.vpc_for(region) if region in _known_regions() else ctx.new_uuid(),
        "endpoints": {
            "public_endpoint_fqdn": f"https://{slug}-public-dedicated-inference.do-infra.ai",
            "private_endpoint_fqdn": f"https://{slug}-private-dedicated-inference.do-infra.ai",
        },
        "created_at": created,
        "updated_at": created,
    }


def _known_regions() -> dict[str, str]:
    from .catalog import REGIONS

    return REGIONS


def build_genai_agent(ctx: Ctx, body: dict[str, Any]) -> dict[str, Any]:
    # resources/gen-ai/definitions.yml apiAgentPublic (no example in the spec)
    created = _iso(body.get("_created", ctx.now))
    uuid = ctx.new_uuid()
    return {
        "uuid": uuid,
        "name": body["name"],
        "description": body.get("description", ""),
        "instruction": body["instruction"],
        "model": {"uuid": body["model_uuid"], "name": body.get("_model_name", "llama3.3-70b")},
        "region": body["region"],
        "project_id": body["project_id"],
        "tags": list(body.get("tags", [])),
        "k": 5,
        "temperature": 0.7,
        "top_p": 0.9,
        "max_tokens": 512,
        "retrieval_method": "RETRIEVAL_METHOD_NONE",
        "created_at": created,
        "updated_at": created,
        "url": f"https://{uuid[:20]}.agents.do-ai.run",
        "deployment": {
            "uuid": ctx.new_uuid(),
            "name": body["name"],
            "status": "STATUS_RUNNING",
            "visibility": "VISIBILITY_PRIVATE",
            "url": f"https://{uuid[:20]}.agents.do-ai.run",
            "created_at": created,
            "updated_at": created,
        },
    }


def build_knowledge_base(ctx: Ctx, body: dict[str, Any]) -> dict[str, Any]:
    # resources/gen-ai/definitions.yml apiKnowledgeBase (no example in the spec)
    created = _iso(body.get("_created", ctx.now))
    return {
        "uuid": ctx.new_uuid(),
        "name": body["name"],
        "embedding_model_uuid": body["embedding_model_uuid"],
        "region": body["region"],
        "project_id": body["project_id"],
        "database_id": body.get("database_id") or ctx.new_uuid(),
        "tags": list(body.get("tags", [])),
        "is_public": False,
        "created_at": created,
        "updated_at": created,
    }


def build_vector_database(ctx: Ctx, body: dict[str, Any]) -> dict[str, Any]:
    # resources/vector_databases/definitions.yml vector_db (no example in the spec)
    vdb_id, created = ctx.new_uuid(), _iso(body.get("_created", ctx.now))
    host = f"{body['name']}-{vdb_id[:8]}.vectordb.ondigitalocean.com"
    return {
        "id": vdb_id,
        "name": body["name"],
        "region": body["region"],
        "size": body["size"],
        "status": "ACTIVE",
        "owner_uuid": "6f3b9d1c-8a2e-4f5b-9d9e-0a1c3b5d7f9e",
        "project_id": body.get("project_id", ""),
        "tags": list(body.get("tags", [])),
        "config": {"weaviate_version": "1.28.2"},
        "endpoints": {"http": f"https://{host}", "grpc": f"grpc-{host}:443"},
        "created_at": created,
        "updated_at": created,
    }


def build_autoscale_pool(ctx: Ctx, body: dict[str, Any]) -> dict[str, Any]:
    # resources/autoscale_pools/examples.yml (autoscale_pool)
    created = _iso(body.get("_created", ctx.now))
    template = dict(body["droplet_template"])
    return {
        "id": ctx.new_uuid(),
        "name": body["name"],
        "config": dict(body["config"]),
        "droplet_template": template,
        "created_at": created,
        "updated_at": created,
        "current_utilization": {"memory": 0.35, "cpu": 0.12},
        "status": "active",
        "active_resources_count": int(body["config"].get("min_instances", 1)),
    }


BUILDERS = {
    "volume": build_volume,
    "snapshot": build_snapshot,
    "load_balancer": build_load_balancer,
    "database": build_database,
    "kubernetes_cluster": build_kubernetes_cluster,
    "reserved_ip": build_reserved_ip,
    "reserved_ipv6": build_reserved_ipv6,
    "firewall": build_firewall,
    "domain": build_domain,
    "vpc": build_vpc,
    "app": build_app,
    "container_registry": build_container_registry,
    "cdn_endpoint": build_cdn_endpoint,
    "certificate": build_certificate,
    "nfs_share": build_nfs_share,
    "dedicated_inference": build_dedicated_inference,
    "genai_agent": build_genai_agent,
    "knowledge_base": build_knowledge_base,
    "vector_database": build_vector_database,
    "autoscale_pool": build_autoscale_pool,
}
