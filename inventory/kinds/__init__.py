"""What Arcadia keeps of each kind of DO resource (DESIGN.md, "Kinds").

A normalizer turns DO's JSON into a `ResourceRow`: the shared columns plus `attrs`, which
holds an explicit list of kind-specific fields. Everything a normalizer keeps is
meaningful (a change to it is an `updated` event); what it leaves out is volatile and
never counts; each normalizer's docstring says which and why. One module per family.
"""

from __future__ import annotations

from inventory.kinds import ai, compute, networking, platform, storage
from inventory.kinds.base import (
    MEANINGFUL_COLUMNS,
    KindSpec,
    Listing,
    PageSupplement,
    ResourceRow,
    canonical_tags,
    urn_for,
)
from inventory.kinds.compute import BACKUP_POLICY_KEY, normalize_droplet
from inventory.models import Kind

_SPECS = (
    compute.DROPLET,
    compute.AUTOSCALE_POOL,
    storage.VOLUME,
    storage.SNAPSHOT,
    storage.NFS_SHARE,
    networking.LOAD_BALANCER,
    networking.RESERVED_IP,
    networking.FIREWALL,
    networking.DOMAIN,
    networking.VPC,
    networking.CDN_ENDPOINT,
    networking.CERTIFICATE,
    platform.DATABASE,
    platform.KUBERNETES_CLUSTER,
    platform.APP,
    platform.CONTAINER_REGISTRY,
    platform.VECTOR_DATABASE,
    ai.DEDICATED_INFERENCE,
    ai.GENAI_AGENT,
    ai.KNOWLEDGE_BASE,
)

# Every kind Arcadia syncs, droplets first (billing reads them), in `Kind`'s order.
KINDS: dict[str, KindSpec] = {
    kind: spec for kind in Kind.values for spec in _SPECS if spec.kind == kind
}


def kind_spec(kind: str) -> KindSpec:
    try:
        return KINDS[kind]
    except KeyError:
        supported = ", ".join(sorted(KINDS))
        raise ValueError(f"Unknown or unsupported kind {kind!r} (supported: {supported})") from None


__all__ = [
    "BACKUP_POLICY_KEY",
    "KINDS",
    "MEANINGFUL_COLUMNS",
    "KindSpec",
    "Listing",
    "PageSupplement",
    "ResourceRow",
    "canonical_tags",
    "kind_spec",
    "normalize_droplet",
    "urn_for",
]
