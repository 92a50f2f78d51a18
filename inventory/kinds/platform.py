"""Managed platforms: database clusters, Kubernetes clusters, App Platform apps, the
container registry, vector databases."""

from __future__ import annotations

from typing import Any

from inventory.kinds.base import (
    KindSpec,
    Listing,
    ResourceRow,
    canonical_tags,
    fetch_by,
    fetch_single,
    pick,
    slug_of,
)
from inventory.models import Kind


def normalize_database(raw: dict[str, Any]) -> ResourceRow:
    """A managed database cluster (databases/models/database_cluster.yml).

    Meaningful: engine, version, num_nodes, storage_size_mib, private_network_uuid,
    db_names (sorted), created_at; `size_slug` is DO's `size` (db-s-1vcpu-1gb).
    Left out as volatile or secret: `connection`, `private_connection`,
    `standby_connection` and `users` (hosts and passwords DO rotates), and
    `maintenance_window` (DO flips its `pending` flag and rewrites its description as
    updates queue up); `project_id` (the project assignment says that)."""
    return ResourceRow(
        kind=Kind.DATABASE,
        provider_id=str(raw["id"]),
        name=raw.get("name") or "",
        region=slug_of(raw.get("region")),
        size_slug=raw.get("size") or "",
        status=raw.get("status") or "",
        tags=canonical_tags(raw.get("tags")),
        attrs={
            "engine": raw.get("engine"),
            "version": None if raw.get("version") is None else str(raw["version"]),
            "num_nodes": None if raw.get("num_nodes") is None else int(raw["num_nodes"]),
            "storage_size_mib": raw.get("storage_size_mib"),
            "private_network_uuid": raw.get("private_network_uuid"),
            "db_names": sorted(raw.get("db_names") or []),
            "created_at": raw.get("created_at"),
        },
    )


def _node_pool(pool: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": pool.get("id"),
        "size": pool.get("size"),
        "count": pool.get("count"),
        "auto_scale": bool(pool.get("auto_scale")),
        "min_nodes": pool.get("min_nodes") or 0,
        "max_nodes": pool.get("max_nodes") or 0,
    }


def normalize_kubernetes_cluster(raw: dict[str, Any]) -> ResourceRow:
    """A Kubernetes cluster (kubernetes/models/cluster.yml).

    Meaningful: version, ha, node_pools (a dict keyed by pool name: id, size, count,
    auto_scale, min_nodes, max_nodes), vpc_uuid, cluster_subnet, service_subnet,
    auto_upgrade, surge_upgrade, registry_enabled, maintenance_policy (start_time, day),
    created_at; the status column is `status.state`. `size_slug` stays empty: a
    cluster's sizes are its pools'.
    Left out as volatile: `status.message` (free text DO rewrites during every
    operation), each pool's `nodes` (node names and states churn with every recycle;
    their droplets are droplet rows), `endpoint`, `ipv4`, `updated_at`."""
    pools = {pool.get("name") or str(pool.get("id")): pool for pool in raw.get("node_pools") or ()}
    return ResourceRow(
        kind=Kind.KUBERNETES_CLUSTER,
        provider_id=str(raw["id"]),
        name=raw.get("name") or "",
        region=slug_of(raw.get("region")),
        size_slug="",
        status=(raw.get("status") or {}).get("state") or "",
        tags=canonical_tags(raw.get("tags")),
        attrs={
            "version": raw.get("version"),
            "ha": bool(raw.get("ha")),
            "node_pools": {name: _node_pool(pools[name]) for name in sorted(pools)},
            "vpc_uuid": raw.get("vpc_uuid"),
            "cluster_subnet": raw.get("cluster_subnet"),
            "service_subnet": raw.get("service_subnet"),
            "auto_upgrade": raw.get("auto_upgrade"),
            "surge_upgrade": raw.get("surge_upgrade"),
            "registry_enabled": raw.get("registry_enabled"),
            "maintenance_policy": pick(raw.get("maintenance_policy"), "start_time", "day"),
            "created_at": raw.get("created_at"),
        },
    )


def normalize_app(raw: dict[str, Any]) -> ResourceRow:
    """An App Platform app (apps/models/app.yml). Its name and region are its spec's.

    Meaningful: spec (the whole app spec: what the app is), tier_slug, live_url,
    created_at. Left out as volatile: `active_deployment`, `in_progress_deployment`,
    `pending_deployment` and the `last_deployment_*` stamps (every deploy moves them),
    `updated_at`, `project_id`."""
    spec = raw.get("spec") or {}
    return ResourceRow(
        kind=Kind.APP,
        provider_id=str(raw["id"]),
        name=spec.get("name") or "",
        region=slug_of(raw.get("region")) or spec.get("region") or "",
        attrs={
            "spec": spec,
            "tier_slug": raw.get("tier_slug"),
            "live_url": raw.get("live_url"),
            "created_at": raw.get("created_at"),
        },
    )


def normalize_container_registry(raw: dict[str, Any]) -> ResourceRow:
    """The account's container registry (registry/models/registry.yml); its name is
    its id. Meaningful: the subscription tier, created_at. Left out as volatile:
    `storage_usage_bytes` and `storage_usage_bytes_updated_at` (every push moves them)."""
    subscription = raw.get("subscription") or {}
    return ResourceRow(
        kind=Kind.CONTAINER_REGISTRY,
        provider_id=str(raw["name"]),
        name=str(raw["name"]),
        region=slug_of(raw.get("region")),
        attrs={
            "subscription_tier": (subscription.get("tier") or {}).get("slug"),
            "created_at": raw.get("created_at"),
        },
    )


def normalize_vector_database(raw: dict[str, Any]) -> ResourceRow:
    """A vector database (vector_databases/definitions.yml, vectordbVectorDB).

    Meaningful: config, forked_from_id, created_at; `size_slug` is DO's `size`. Left out:
    `endpoints` (hosts DO may move), `last_restore_id` (an operation's id),
    `updated_at`, `owner_uuid`, `project_id`."""
    return ResourceRow(
        kind=Kind.VECTOR_DATABASE,
        provider_id=str(raw["id"]),
        name=raw.get("name") or "",
        region=slug_of(raw.get("region")),
        size_slug=raw.get("size") or "",
        status=raw.get("status") or "",
        tags=canonical_tags(raw.get("tags")),
        attrs={
            "config": raw.get("config") or {},
            "forked_from_id": raw.get("forked_from_id") or None,
            "created_at": raw.get("created_at"),
        },
    )


DATABASE = KindSpec(
    kind=Kind.DATABASE,
    listings=(Listing("/v2/databases", "databases"),),
    normalize=normalize_database,
    fetch=fetch_by("/v2/databases/{id}", "database"),
)

KUBERNETES_CLUSTER = KindSpec(
    kind=Kind.KUBERNETES_CLUSTER,
    listings=(Listing("/v2/kubernetes/clusters", "kubernetes_clusters"),),
    normalize=normalize_kubernetes_cluster,
    fetch=fetch_by("/v2/kubernetes/clusters/{id}", "kubernetes_cluster"),
)

APP = KindSpec(
    kind=Kind.APP,
    listings=(Listing("/v2/apps", "apps"),),
    normalize=normalize_app,
    fetch=fetch_by("/v2/apps/{id}", "app"),
)

# One registry per account: `GET /v2/registry` -> {"registry": {...}}, 404 when none.
CONTAINER_REGISTRY = KindSpec(
    kind=Kind.CONTAINER_REGISTRY,
    listings=(Listing("/v2/registry", "registry", single=True),),
    normalize=normalize_container_registry,
    fetch=fetch_single("/v2/registry", "registry", "name"),
)

# vector_databases/definitions.yml: list `vector_dbs`, get `vector_db`.
VECTOR_DATABASE = KindSpec(
    kind=Kind.VECTOR_DATABASE,
    listings=(Listing("/v2/vector-databases", "vector_dbs"),),
    normalize=normalize_vector_database,
    fetch=fetch_by("/v2/vector-databases/{id}", "vector_db"),
)
