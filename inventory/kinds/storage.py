"""Storage: block storage volumes, snapshots (of droplets and volumes), NFS shares."""

from __future__ import annotations

from typing import Any

from inventory.kinds.base import (
    KindSpec,
    Listing,
    ResourceRow,
    canonical_tags,
    fetch_by,
    slug_of,
    sorted_ids,
)
from inventory.models import Kind


def normalize_volume(raw: dict[str, Any]) -> ResourceRow:
    """A volume (volumes/models/volume_base.yml, volumes_ext4/xfs).

    Meaningful: size_gigabytes, filesystem_type, filesystem_label, droplet_ids (attached
    to), description, created_at. `size_slug` stays empty: a volume's size is its
    gigabytes. Left out: the region's catalogue (sizes and features sold there) and
    nothing else: everything a volume reports is its own shape, even `created_at`,
    which never moves."""
    return ResourceRow(
        kind=Kind.VOLUME,
        provider_id=str(raw["id"]),
        name=raw.get("name") or "",
        region=slug_of(raw.get("region")),
        size_slug="",
        status="",
        tags=canonical_tags(raw.get("tags")),
        attrs={
            "size_gigabytes": _int(raw.get("size_gigabytes")),
            "filesystem_type": raw.get("filesystem_type") or "",
            "filesystem_label": raw.get("filesystem_label") or "",
            "droplet_ids": sorted_ids(raw.get("droplet_ids")),
            "description": raw.get("description") or "",
            "created_at": raw.get("created_at"),
        },
    )


def normalize_snapshot(raw: dict[str, Any]) -> ResourceRow:
    """A droplet or volume snapshot (snapshots/models/snapshots.yml).

    Meaningful: resource_type and resource_id (what it is a snapshot of), regions (where
    it is stored; the row's region is the first), min_disk_size, size_gigabytes,
    created_at. A snapshot never changes after it is taken, so nothing is volatile."""
    regions = sorted(raw.get("regions") or [])
    return ResourceRow(
        kind=Kind.SNAPSHOT,
        provider_id=str(raw["id"]),
        name=raw.get("name") or "",
        region=regions[0] if regions else "",
        tags=canonical_tags(raw.get("tags")),
        attrs={
            "resource_type": raw.get("resource_type"),
            "resource_id": str(raw["resource_id"]) if raw.get("resource_id") else None,
            "regions": regions,
            "min_disk_size": raw.get("min_disk_size"),
            "size_gigabytes": raw.get("size_gigabytes"),
            "created_at": raw.get("created_at"),
        },
    )


def normalize_nfs_share(raw: dict[str, Any]) -> ResourceRow:
    """An NFS share (nfs/models/nfs_response.yml).

    Meaningful: size_gib, vpc_ids (sorted), performance_tier, mount_path, host,
    created_at; the status column is DO's share status. Left out: `access_points`
    (their own objects with their own lifecycle, not the share's shape)."""
    return ResourceRow(
        kind=Kind.NFS_SHARE,
        provider_id=str(raw["id"]),
        name=raw.get("name") or "",
        region=slug_of(raw.get("region")),
        status=raw.get("status") or "",
        attrs={
            "size_gib": _int(raw.get("size_gib")),
            "vpc_ids": sorted_ids(raw.get("vpc_ids")),
            "performance_tier": raw.get("performance_tier"),
            "mount_path": raw.get("mount_path"),
            "host": raw.get("host"),
            "created_at": raw.get("created_at"),
        },
    )


def _int(value: Any) -> int | None:
    # JSON numbers with a fraction come back as Decimal (do_client); sizes are whole.
    return None if value is None else int(value)


VOLUME = KindSpec(
    kind=Kind.VOLUME,
    listings=(Listing("/v2/volumes", "volumes"),),
    normalize=normalize_volume,
    fetch=fetch_by("/v2/volumes/{id}", "volume"),
)

SNAPSHOT = KindSpec(
    kind=Kind.SNAPSHOT,
    listings=(Listing("/v2/snapshots", "snapshots"),),
    normalize=normalize_snapshot,
    fetch=fetch_by("/v2/snapshots/{id}", "snapshot"),
)

# nfs/responses/nfs_list.yml: `shares`; nfs_get.yml: `share`.
NFS_SHARE = KindSpec(
    kind=Kind.NFS_SHARE,
    listings=(Listing("/v2/nfs", "shares"),),
    normalize=normalize_nfs_share,
    fetch=fetch_by("/v2/nfs/{id}", "share"),
)
