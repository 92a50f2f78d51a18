"""A seeded, realistic account of every non-droplet kind, beside the droplet fleet.

`build_resources` draws everything from one `random.Random` (seeded apart from the
droplet fleet's), so a seed and the same droplets give the same records every time,
and adding resources never changes the droplets. Kubernetes node pools are made of
existing droplets grouped by region and size; the state tags those droplets
`k8s`, `k8s:<cluster id>` and `k8s:worker`, as DOKS does.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .catalog import REGIONS
from .fleet import DAY, new_uuid
from .resource_kinds import BUILDERS, DB_ENGINES, DB_SIZES, KINDS, Ctx, build_node, build_node_pool

WORDS = ["orders", "billing", "search", "media", "auth", "events", "ledger", "catalog", "ml"]
TLDS = ["com", "io", "net", "dev", "ai"]
TENANTS = ["acme", "globex", "initech", "umbrella", "hooli"]


@dataclass
class ResourceSeed:
    records: dict[str, list[dict[str, Any]]]
    # droplet id -> tags DOKS puts on its node droplets
    node_tags: dict[int, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class DropletInfo:
    id: int
    region: str
    size: str


def build_resources(
    *,
    seed: int,
    counts: Mapping[str, int],
    droplets: Sequence[DropletInfo],
    project_ids: Sequence[str],
    now: int,
    vpc_for: Callable[[str], str],
) -> ResourceSeed:
    unknown = set(counts) - set(KINDS)
    if unknown:
        raise ValueError(f"unknown resource kinds: {sorted(unknown)}")
    rng = random.Random(f"{seed}:resources")
    seq = [0]

    def ctx(created: int) -> Ctx:
        seq[0] += 1
        return Ctx(new_uuid=lambda: new_uuid(rng), now=created, vpc_for=vpc_for, seq=seq[0])

    def past() -> int:
        return now - rng.randint(DAY, 400 * DAY)

    by_region: dict[str, list[DropletInfo]] = {}
    for d in droplets:
        by_region.setdefault(d.region, []).append(d)
    regions = sorted(by_region) or list(REGIONS)
    seed_out = ResourceSeed({name: [] for name in KINDS})
    used: set[int] = set()

    def attach(region: str, most: int) -> list[int]:
        # Sample positions, not a filtered copy: 100,000 droplets make copies costly.
        pool = by_region.get(region, [])
        picked = rng.sample(range(len(pool)), min(most, len(pool)))
        return sorted(pool[i].id for i in picked if pool[i].id not in used)

    def add(kind: str, body: dict[str, Any]) -> dict[str, Any]:
        created = body.pop("_created", past())
        record = BUILDERS[kind](ctx(created), {**body, "_created": created})
        record["_project_id"] = rng.choice(project_ids)
        record["_assigned_at"] = created
        seed_out.records[kind].append(record)
        return record

    for n in range(counts.get("vpc", 0)):
        region = rng.choice(regions)
        add("vpc", {"name": f"{rng.choice(TENANTS)}-{region}-vpc-{n + 1}", "region": region})
    for n in range(counts.get("volume", 0)):
        region = rng.choice(regions)
        name = f"vol-{rng.choice(WORDS)}-{n + 1:04d}"
        attached = attach(region, 1) if rng.random() < 0.7 else []
        size = rng.choice([10, 50, 100, 100, 250, 500, 1000])
        add(
            "volume",
            {
                "name": name,
                "region": region,
                "size_gigabytes": size,
                "droplet_ids": attached,
                "description": f"{name} data",
                "filesystem_type": rng.choice(["ext4", "ext4", "xfs"]),
            },
        )
    volumes = seed_out.records["volume"]
    for n in range(counts.get("snapshot", 0)):
        if volumes and rng.random() < 0.4:
            volume = rng.choice(volumes)
            source = {"resource_id": volume["id"], "resource_type": "volume"}
            region, disk, used_gb = volume["region"], volume["size_gigabytes"], 0.1
        elif droplets:
            droplet = rng.choice(droplets)
            source = {"resource_id": str(droplet.id), "resource_type": "droplet"}
            region, disk, used_gb = droplet.region, 25, 2.0
        else:
            continue
        add(
            "snapshot",
            {
                "name": f"{source['resource_type']}-{source['resource_id'][:8]}-{n + 1}",
                "regions": [region],
                "min_disk_size": disk,
                "size_gigabytes": round(used_gb + rng.random() * 5, 2),
                **source,
            },
        )
    for n in range(counts.get("load_balancer", 0)):
        region = rng.choice(regions)
        body: dict[str, Any] = {
            "name": f"lb-{rng.choice(WORDS)}-{region}-{n + 1}",
            "region": region,
            "forwarding_rules": _forwarding_rules(rng),
            "droplet_ids": attach(region, rng.randint(2, 4)),
        }
        if rng.random() < 0.5:
            body["size_unit"] = rng.choice([1, 2, 3])
        else:
            body["size"] = rng.choice(["lb-small", "lb-small", "lb-medium", "lb-large"])
        add("load_balancer", body)
    for n in range(counts.get("database", 0)):
        engine = rng.choice(["pg", "pg", "mysql", "valkey", "mongodb"])
        add(
            "database",
            {
                "name": f"{engine}-{rng.choice(WORDS)}-{n + 1}",
                "engine": engine,
                "version": DB_ENGINES[engine],
                "num_nodes": rng.choice([1, 1, 2, 3]),
                "size": rng.choice(list(DB_SIZES)[:4]),
                "region": rng.choice(regions),
                "tags": [f"tenant:{rng.choice(TENANTS)}"],
            },
        )
    # Node pools are droplets of one region and size, built once: (region, size) -> ids.
    groups: dict[tuple[str, str], list[int]] = {}
    for d in droplets:
        groups.setdefault((d.region, d.size), []).append(d.id)
    for n in range(counts.get("kubernetes_cluster", 0)):
        _add_cluster(rng, n, add, ctx, groups, regions, used, seed_out)
    for _ in range(counts.get("reserved_ip", 0)):
        region = rng.choice(regions)
        holder = attach(region, 1) if rng.random() < 0.75 else []
        add("reserved_ip", {"region": region, "droplet_id": holder[0] if holder else None})
    for _ in range(counts.get("reserved_ipv6", 0)):
        region = rng.choice(regions)
        holder = attach(region, 1) if rng.random() < 0.5 else []
        add("reserved_ipv6", {"region_slug": region, "droplet_id": holder[0] if holder else None})
    for n in range(counts.get("firewall", 0)):
        region = rng.choice(regions)
        add(
            "firewall",
            {
                "name": f"fw-{rng.choice(WORDS)}-{n + 1}",
                "inbound_rules": _inbound_rules(rng),
                "outbound_rules": [
                    {
                        "protocol": p,
                        "ports": "0",
                        "destinations": {"addresses": ["0.0.0.0/0", "::/0"]},
                    }
                    for p in ("tcp", "udp")
                ],
                "droplet_ids": attach(region, rng.randint(0, 3)),
                "tags": [f"role:{rng.choice(['web', 'api', 'db'])}"] if rng.random() < 0.5 else [],
            },
        )
    for n in range(counts.get("domain", 0)):
        domain = add(
            "domain",
            {"name": f"{rng.choice(TENANTS)}-{rng.choice(WORDS)}{n + 1}.{rng.choice(TLDS)}"},
        )
        for kind, name, data in [
            ("A", "@", f"104.131.{n % 250}.{rng.randint(2, 250)}"),
            ("A", "www", f"104.131.{n % 250}.{rng.randint(2, 250)}"),
            ("CNAME", "api", "@"),
            ("TXT", "@", "v=spf1 include:_spf.google.com ~all"),
        ]:
            seq[0] += 1
            from .resource_kinds import build_domain_record

            domain["_records"].append(
                build_domain_record(seq[0], {"type": kind, "name": name, "data": data})
            )
    for n in range(counts.get("app", 0)):
        name = f"{rng.choice(WORDS)}-app-{n + 1}"
        region = rng.choice(["nyc", "ams", "fra", "sfo"])
        add("app", {"spec": _app_spec(rng, name, region)})
    if counts.get("container_registry", 0):
        add(
            "container_registry",
            {"name": "skyai-registry", "subscription_tier_slug": "basic", "region": "nyc3"},
        )
    certificates = []
    for n in range(counts.get("certificate", 0)):
        dns = f"{rng.choice(WORDS)}{n + 1}.example.com"
        certificates.append(
            add(
                "certificate", {"name": f"cert-{n + 1}", "type": "lets_encrypt", "dns_names": [dns]}
            )
        )
    for n in range(counts.get("cdn_endpoint", 0)):
        body = {"origin": f"{rng.choice(WORDS)}-assets-{n + 1}.nyc3.digitaloceanspaces.com"}
        if certificates and rng.random() < 0.5:
            cert = rng.choice(certificates)
            body |= {"certificate_id": cert["id"], "custom_domain": cert["dns_names"][0]}
        add("cdn_endpoint", body)
    for n in range(counts.get("nfs_share", 0)):
        add(
            "nfs_share",
            {
                "name": f"share-{rng.choice(WORDS)}-{n + 1}",
                "size_gib": rng.choice([50, 100, 1024]),
                "region": rng.choice(["nyc3", "atl1"] if "atl1" in regions else ["nyc3"]),
            },
        )
    for n in range(counts.get("dedicated_inference", 0)):
        add("dedicated_inference", {"spec": {"name": f"infer-{n + 1}", "region": "nyc2"}})
    for n in range(counts.get("genai_agent", 0)):
        add(
            "genai_agent",
            {
                "name": f"{rng.choice(WORDS)}-agent-{n + 1}",
                "instruction": "You answer customer questions about their orders.",
                "model_uuid": new_uuid(rng),
                "region": "tor1",
                "project_id": rng.choice(project_ids),
            },
        )
    for n in range(counts.get("knowledge_base", 0)):
        add(
            "knowledge_base",
            {
                "name": f"{rng.choice(WORDS)}-kb-{n + 1}",
                "embedding_model_uuid": new_uuid(rng),
                "region": "tor1",
                "project_id": rng.choice(project_ids),
            },
        )
    for n in range(counts.get("vector_database", 0)):
        add(
            "vector_database",
            {
                "name": f"vdb-{rng.choice(WORDS)}-{n + 1}",
                "region": "nyc3",
                "size": "vdb-s-2vcpu-4gb",
            },
        )
    for n in range(counts.get("autoscale_pool", 0)):
        region = rng.choice(regions)
        add(
            "autoscale_pool",
            {
                "name": f"asg-{rng.choice(WORDS)}-{n + 1}",
                "config": {
                    "min_instances": 1,
                    "max_instances": 5,
                    "target_cpu_utilization": 0.6,
                    "cooldown_minutes": 10,
                },
                "droplet_template": {
                    "size": "s-2vcpu-4gb",
                    "region": region,
                    "image": "ubuntu-24-04-x64",
                    "tags": ["asg"],
                    "ssh_keys": ["3b:16:e4:bf:8b:00:8b:b8:59:8c:a9:d3:f0:19:fa:45"],
                    "vpc_uuid": vpc_for(region),
                    "with_droplet_agent": True,
                    "ipv6": False,
                    "public_networking": True,
                },
            },
        )
    # Records keep only their `_project_id` for projects; the genai kinds carry it too.
    for kind in ("genai_agent", "knowledge_base"):
        for record in seed_out.records[kind]:
            record["_project_id"] = record["project_id"]
    return seed_out


def _add_cluster(
    rng: random.Random,
    n: int,
    add: Callable[[str, dict[str, Any]], dict[str, Any]],
    ctx: Callable[[int], Ctx],
    groups: dict[tuple[str, str], list[int]],
    regions: list[str],
    used: set[int],
    seed_out: ResourceSeed,
) -> None:
    # Each pool takes droplets of one region and size off `groups`, so none serves twice.
    candidates = sorted((key for key, ids in groups.items() if len(ids) >= 2), key=str)
    region = rng.choice(candidates)[0] if candidates else rng.choice(regions)
    cluster = add(
        "kubernetes_cluster",
        {
            "name": f"k8s-{rng.choice(TENANTS)}-{region}-{n + 1}",
            "region": region,
            "ha": rng.random() < 0.3,
        },
    )
    created = cluster["_assigned_at"]
    pool_names = ["worker"] if rng.random() < 0.6 else ["worker", "gpu-batch"]
    for pool_name in pool_names:
        options = sorted(
            (key for key, ids in groups.items() if key[0] == region and len(ids) >= 2), key=str
        )
        key = rng.choice(options) if options else None
        members = []
        if key:
            take = rng.randint(2, 4)
            members, groups[key] = groups[key][:take], groups[key][take:]
        size = key[1] if key else "s-2vcpu-4gb"
        auto = rng.random() < 0.3
        pool = build_node_pool(
            ctx(created),
            cluster["id"],
            {
                "name": pool_name,
                "size": size,
                "count": max(len(members), 1),
                "auto_scale": auto,
                "min_nodes": 1 if auto else 0,
                "max_nodes": 6 if auto else 0,
            },
        )
        node_ctx = ctx(created)
        pool["nodes"] = [build_node(node_ctx, pool_name, i, created) for i in members]
        if not members:  # no droplets to stand for the node: one node without a droplet
            pool["nodes"] = [build_node(node_ctx, pool_name, None, created)]
        for droplet_id in members:
            used.add(droplet_id)
            seed_out.node_tags[droplet_id] = ("k8s", f"k8s:{cluster['id']}", "k8s:worker")
        cluster["node_pools"].append(pool)


def _forwarding_rules(rng: random.Random) -> list[dict[str, Any]]:
    rules = [
        {
            "entry_protocol": "http",
            "entry_port": 80,
            "target_protocol": "http",
            "target_port": 80,
            "certificate_id": "",
            "tls_passthrough": False,
        },
    ]
    if rng.random() < 0.6:
        rules.append(
            {
                "entry_protocol": "https",
                "entry_port": 443,
                "target_protocol": "http",
                "target_port": 8080,
                "certificate_id": "",
                "tls_passthrough": True,
            }
        )
    return rules


def _inbound_rules(rng: random.Random) -> list[dict[str, Any]]:
    rules = [
        {"protocol": "tcp", "ports": "22", "sources": {"addresses": ["10.0.0.0/8"]}},
        {"protocol": "tcp", "ports": "443", "sources": {"addresses": ["0.0.0.0/0", "::/0"]}},
    ]
    if rng.random() < 0.5:
        rules.append(
            {"protocol": "tcp", "ports": "80", "sources": {"addresses": ["0.0.0.0/0", "::/0"]}}
        )
    if rng.random() < 0.3:
        rules.append(
            {"protocol": "icmp", "ports": "0", "sources": {"addresses": ["0.0.0.0/0", "::/0"]}}
        )
    return rules


def _app_spec(rng: random.Random, name: str, region: str) -> dict[str, Any]:
    return {
        "name": name,
        "region": region,
        "services": [
            {
                "name": "web",
                "github": {"repo": f"skyai/{name}", "branch": "main", "deploy_on_push": True},
                "run_command": "bin/start",
                "environment_slug": rng.choice(["node-js", "python", "go"]),
                "instance_size_slug": rng.choice(["apps-s-1vcpu-0.5gb", "apps-s-1vcpu-1gb"]),
                "instance_count": rng.choice([1, 2, 3]),
                "http_port": 8080,
                "routes": [{"path": "/"}],
            }
        ],
    }
