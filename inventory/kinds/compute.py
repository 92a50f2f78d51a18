"""Compute: Droplets (GPU Droplets too) and Droplet autoscale pools."""

from __future__ import annotations

from typing import Any

from inventory.kinds.backup_policies import BACKUP_POLICY_KEY, BackupPolicies
from inventory.kinds.base import (
    KindSpec,
    Listing,
    ResourceRow,
    canonical_tags,
    fetch_by,
    pick,
    slug_of,
    sorted_dicts,
    sorted_ids,
)
from inventory.models import Kind


def _ip(networks: dict[str, Any], version: str, kind: str) -> str | None:
    for net in networks.get(version) or ():
        if net.get("type") == kind:
            return net.get("ip_address")
    return None


def _gpu_info(raw: Any) -> dict[str, Any] | None:
    """DO's `gpu_info` {count, model, vram: {amount, unit}} as {model, count, vram_gb}
    (specification/resources/sizes/models/gpu_info.yml)."""
    if not isinstance(raw, dict) or not raw:
        return None
    vram = raw.get("vram") or {}
    amount = vram.get("amount")
    unit = (vram.get("unit") or "gib").lower()
    vram_gb = amount * 1024 if amount is not None and unit in ("tib", "tb") else amount
    return {"model": raw.get("model"), "count": raw.get("count"), "vram_gb": vram_gb}


def _kernel(raw: Any) -> Any:
    """DO's kernel object (id, name, version), or None on droplets DO manages the
    kernel of (the field is null there)."""
    if not isinstance(raw, dict):
        return None
    return pick(raw, "id", "name")


def _backup_policy(record: Any) -> dict[str, Any] | None:
    """A policy record (droplet_backup_policy_record.yml) as its settings: whether
    backups are on, and their plan, weekday, hour, window and retention. Left out:
    `next_backup_window` (moves every backup)."""
    if not isinstance(record, dict):
        return None
    policy = record.get("backup_policy") or {}
    return {
        "enabled": bool(record.get("backup_enabled")),
        **pick(policy, "plan", "weekday", "hour", "window_length_hours", "retention_period_days"),
    }


def normalize_droplet(raw: dict[str, Any]) -> ResourceRow:
    """A Droplet (droplets/models/droplet.yml), GPU Droplets included.

    Meaningful: memory, vcpus, disk, image (id, slug, distribution, name, type),
    created_at, vpc_uuid, features, volume_ids, the three addresses, backup_ids,
    snapshot_ids, kernel (id, name), gpu_info, disk_info, backup_policy.
    Left out as volatile: `locked` (true only while an action runs), `next_backup_window`
    (moves with every backup), `size` (its prices and the regions it is sold in are
    the catalogue's, not the droplet's; `size_slug` says which size it is), `region`'s
    feature and size lists (the catalogue again), the kernel's `version` (DO bumps it
    without the droplet changing)."""
    image = raw.get("image") or {}
    networks = raw.get("networks") or {}
    return ResourceRow(
        kind=Kind.DROPLET,
        provider_id=str(raw["id"]),
        name=raw.get("name") or "",
        region=slug_of(raw.get("region")),
        size_slug=raw.get("size_slug") or (raw.get("size") or {}).get("slug") or "",
        status=raw.get("status") or "",
        tags=canonical_tags(raw.get("tags")),
        attrs={
            "memory": raw.get("memory"),
            "vcpus": raw.get("vcpus"),
            "disk": raw.get("disk"),
            "image": pick(image, "id", "slug", "distribution", "name", "type"),
            "created_at": raw.get("created_at"),
            "vpc_uuid": raw.get("vpc_uuid"),
            "features": sorted(raw.get("features") or []),
            "volume_ids": sorted_ids(raw.get("volume_ids")),
            "public_ipv4": _ip(networks, "v4", "public"),
            "private_ipv4": _ip(networks, "v4", "private"),
            "public_ipv6": _ip(networks, "v6", "public"),
            "backup_ids": sorted_ids(raw.get("backup_ids")),
            "snapshot_ids": sorted_ids(raw.get("snapshot_ids")),
            "kernel": _kernel(raw.get("kernel")),
            "gpu_info": _gpu_info(raw.get("gpu_info")),
            "disk_info": sorted_dicts(raw.get("disk_info"), "type"),
            "backup_policy": _backup_policy(raw.get(BACKUP_POLICY_KEY)),
        },
    )


def normalize_autoscale_pool(raw: dict[str, Any]) -> ResourceRow:
    """A Droplet autoscale pool (autoscale_pools/models/autoscale_pool.yml).

    Meaningful: config (min/max instances, target utilizations, cooldown, or a fixed
    target count), the droplet template's size, region, image, tags, vpc_uuid,
    created_at. `size_slug` and `region` come from the template.
    Left out as volatile: `current_utilization` (a live metric), `active_resources_count`
    (moves with every scaling step), `updated_at`; the template's `user_data` and
    `ssh_keys` (secrets and key material, not the pool's shape)."""
    template = raw.get("droplet_template") or {}
    return ResourceRow(
        kind=Kind.AUTOSCALE_POOL,
        provider_id=str(raw["id"]),
        name=raw.get("name") or "",
        region=slug_of(template.get("region")),
        size_slug=template.get("size") or "",
        status=raw.get("status") or "",
        tags=canonical_tags(template.get("tags")),
        attrs={
            "config": dict(sorted((raw.get("config") or {}).items())),
            "image": template.get("image"),
            "vpc_uuid": template.get("vpc_uuid"),
            "created_at": raw.get("created_at"),
        },
    )


DROPLET = KindSpec(
    kind=Kind.DROPLET,
    # DO lists GPU Droplets only under `type=gpus` (droplets/droplets_list.yml).
    listings=(
        Listing("/v2/droplets", "droplets"),
        Listing("/v2/droplets", "droplets", params={"type": "gpus"}),
    ),
    normalize=normalize_droplet,
    fetch=fetch_by("/v2/droplets/{id}", "droplet"),
    supplement=BackupPolicies,
)

AUTOSCALE_POOL = KindSpec(
    kind=Kind.AUTOSCALE_POOL,
    listings=(Listing("/v2/droplets/autoscale", "autoscale_pools"),),
    normalize=normalize_autoscale_pool,
    fetch=fetch_by("/v2/droplets/autoscale/{id}", "autoscale_pool"),
)
