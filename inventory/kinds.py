"""What Arcadia keeps of each kind of DO resource.

A normalizer turns DO's JSON into a `ResourceRow`: the shared columns plus `attrs`, which
holds an explicit list of kind-specific fields. Everything a normalizer keeps is
meaningful (a change to it is an `updated` event); what it leaves out is volatile and
never counts (`next_backup_window`, `locked`, per-size prices, ...).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from inventory.models import Kind

# The columns that count as a change; `attrs` counts key by key.
MEANINGFUL_COLUMNS = ("name", "region", "size_slug", "status", "tags")


def urn_for(kind: str, provider_id: str) -> str:
    return f"do:{kind}:{provider_id}"


def canonical_tags(tags: Iterable[str] | None) -> list[str]:
    """Tag order and duplicates never count."""
    return sorted(set(tags or ()))


@dataclass(frozen=True)
class ResourceRow:
    kind: str
    provider_id: str
    name: str = ""
    region: str = ""
    size_slug: str = ""
    status: str = ""
    tags: list[str] = field(default_factory=list)
    attrs: dict[str, Any] = field(default_factory=dict)

    @property
    def urn(self) -> str:
        return urn_for(self.kind, self.provider_id)


def _ip(networks: dict[str, Any], version: str, kind: str) -> str | None:
    for net in networks.get(version) or ():
        if net.get("type") == kind:
            return net.get("ip_address")
    return None


def normalize_droplet(raw: dict[str, Any]) -> ResourceRow:
    image = raw.get("image") or {}
    networks = raw.get("networks") or {}
    return ResourceRow(
        kind=Kind.DROPLET,
        provider_id=str(raw["id"]),
        name=raw.get("name") or "",
        region=(raw.get("region") or {}).get("slug") or "",
        size_slug=raw.get("size_slug") or (raw.get("size") or {}).get("slug") or "",
        status=raw.get("status") or "",
        tags=canonical_tags(raw.get("tags")),
        attrs={
            "memory": raw.get("memory"),
            "vcpus": raw.get("vcpus"),
            "disk": raw.get("disk"),
            "image": {
                "id": image.get("id"),
                "slug": image.get("slug"),
                "distribution": image.get("distribution"),
                "name": image.get("name"),
            },
            "created_at": raw.get("created_at"),
            "vpc_uuid": raw.get("vpc_uuid"),
            "features": sorted(raw.get("features") or []),
            "volume_ids": sorted(str(v) for v in raw.get("volume_ids") or []),
            "public_ipv4": _ip(networks, "v4", "public"),
            "private_ipv4": _ip(networks, "v4", "private"),
            "public_ipv6": _ip(networks, "v6", "public"),
        },
    )


@dataclass(frozen=True)
class KindSpec:
    """How to list, fetch and normalize one kind through the DO API."""

    kind: str
    list_path: str
    list_key: str
    normalize: Callable[[dict[str, Any]], ResourceRow]
    # Fetches one resource by id (raising DONotFound when DO no longer has it).
    fetch: Callable[[Any, str], dict[str, Any]]


KINDS: dict[str, KindSpec] = {
    Kind.DROPLET: KindSpec(
        kind=Kind.DROPLET,
        list_path="/v2/droplets",
        list_key="droplets",
        normalize=normalize_droplet,
        fetch=lambda client, provider_id: client.get_droplet(int(provider_id)),
    ),
}


def kind_spec(kind: str) -> KindSpec:
    try:
        return KINDS[kind]
    except KeyError:
        supported = ", ".join(sorted(KINDS))
        raise ValueError(f"Unknown or unsupported kind {kind!r} (supported: {supported})") from None
