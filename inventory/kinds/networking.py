"""Networking: load balancers, reserved IPs (v4 and v6), firewalls, domains, VPCs, CDN
endpoints and certificates."""

from __future__ import annotations

from typing import Any

from inventory.kinds.base import (
    KindSpec,
    Listing,
    ResourceRow,
    canonical_tags,
    fetch_by,
    pick,
    slug_of,
    sorted_ids,
)
from inventory.models import Kind

# A firewall rule's sources/destinations: lists whose order DO does not keep.
_TARGET_LISTS = ("addresses", "droplet_ids", "load_balancer_uids", "kubernetes_ids", "tags")


def normalize_load_balancer(raw: dict[str, Any]) -> ResourceRow:
    """A load balancer (load_balancers/models/load_balancer_base.yml).

    Meaningful: size_unit, forwarding_rules (sorted by entry protocol and port),
    health_check, sticky_sessions, droplet_ids, tag, algorithm, redirect_http_to_https,
    enable_proxy_protocol, enable_backend_keepalive, http_idle_timeout_seconds, vpc_uuid,
    type, network, ip, created_at. `size_slug` is DO's `size` (lb-small...) where DO
    still gives one. Left out: the region's catalogue, `project_id` (the project
    assignment says that)."""
    return ResourceRow(
        kind=Kind.LOAD_BALANCER,
        provider_id=str(raw["id"]),
        name=raw.get("name") or "",
        region=slug_of(raw.get("region")),
        size_slug=raw.get("size") or "",
        status=raw.get("status") or "",
        tags=canonical_tags(raw.get("tags")),
        attrs={
            "size_unit": None if raw.get("size_unit") is None else int(raw["size_unit"]),
            "forwarding_rules": sorted(
                (dict(sorted(rule.items())) for rule in raw.get("forwarding_rules") or ()),
                key=lambda r: (str(r.get("entry_protocol")), int(r.get("entry_port") or 0)),
            ),
            "health_check": dict(sorted((raw.get("health_check") or {}).items())),
            "sticky_sessions": dict(sorted((raw.get("sticky_sessions") or {}).items())),
            "droplet_ids": sorted_ids(raw.get("droplet_ids")),
            "tag": raw.get("tag") or "",
            "algorithm": raw.get("algorithm"),
            "redirect_http_to_https": raw.get("redirect_http_to_https"),
            "enable_proxy_protocol": raw.get("enable_proxy_protocol"),
            "enable_backend_keepalive": raw.get("enable_backend_keepalive"),
            "http_idle_timeout_seconds": raw.get("http_idle_timeout_seconds"),
            "vpc_uuid": raw.get("vpc_uuid"),
            "type": raw.get("type"),
            "network": raw.get("network"),
            "ip": raw.get("ip"),
            "created_at": raw.get("created_at"),
        },
    )


def normalize_reserved_ip(raw: dict[str, Any]) -> ResourceRow:
    """A reserved IPv4 (reserved_ips/models/reserved_ip.yml) or IPv6
    (reserved_ipv6/models/reserved_ipv6.yml); the IP is the id.

    Meaningful: droplet_id (what it is assigned to, None when free), ip_version. Left
    out: `locked` (true only while an assign runs), the droplet object beyond its id
    (that droplet is its own row), the region's catalogue, `project_id`, `reserved_at`."""
    ip = str(raw["ip"])
    droplet = raw.get("droplet")
    return ResourceRow(
        kind=Kind.RESERVED_IP,
        provider_id=ip,
        name=ip,
        region=slug_of(raw.get("region")) or raw.get("region_slug") or "",
        status="assigned" if droplet else "unassigned",
        attrs={
            "droplet_id": int(droplet["id"]) if isinstance(droplet, dict) else None,
            "ip_version": 6 if ":" in ip else 4,
        },
    )


def _canonical_rule(rule: dict[str, Any], side: str) -> dict[str, Any]:
    targets = rule.get(side) or {}
    return {
        "protocol": rule.get("protocol"),
        "ports": str(rule.get("ports") or ""),
        side: {k: sorted(str(v) for v in targets[k]) for k in _TARGET_LISTS if targets.get(k)},
    }


def _canonical_rules(rules: Any, side: str) -> list[dict[str, Any]]:
    return sorted(
        (_canonical_rule(rule, side) for rule in rules or ()),
        key=lambda r: (str(r["protocol"]), r["ports"], repr(r[side])),
    )


def normalize_firewall(raw: dict[str, Any]) -> ResourceRow:
    """A cloud firewall (firewalls/models/firewall.yml).

    Meaningful: inbound_rules and outbound_rules (each rule's lists sorted, rules sorted
    by protocol and ports), droplet_ids; the tags column is the firewall's tags (the
    droplets it applies to). Left out: `pending_changes` (the progress of applying the
    rules, not the rules), `created_at`."""
    return ResourceRow(
        kind=Kind.FIREWALL,
        provider_id=str(raw["id"]),
        name=raw.get("name") or "",
        status=raw.get("status") or "",
        tags=canonical_tags(raw.get("tags")),
        attrs={
            "inbound_rules": _canonical_rules(raw.get("inbound_rules"), "sources"),
            "outbound_rules": _canonical_rules(raw.get("outbound_rules"), "destinations"),
            "droplet_ids": sorted_ids(raw.get("droplet_ids")),
        },
    )


def normalize_domain(raw: dict[str, Any]) -> ResourceRow:
    """A domain (domains/models/domain.yml); the name is the id.

    Meaningful: ttl. Left out: `zone_file` (DO regenerates it, SOA serial included,
    whenever any record changes; records are not inventory rows)."""
    return ResourceRow(
        kind=Kind.DOMAIN,
        provider_id=str(raw["name"]),
        name=str(raw["name"]),
        attrs={"ttl": raw.get("ttl")},
    )


def normalize_vpc(raw: dict[str, Any]) -> ResourceRow:
    """A VPC (vpcs/models/vpc.yml).

    Meaningful: ip_range, description, default, created_at. Left out: `urn` (derived
    from the id)."""
    return ResourceRow(
        kind=Kind.VPC,
        provider_id=str(raw["id"]),
        name=raw.get("name") or "",
        region=slug_of(raw.get("region")),
        attrs={
            "ip_range": raw.get("ip_range"),
            "description": raw.get("description") or "",
            "default": bool(raw.get("default")),
            "created_at": raw.get("created_at"),
        },
    )


def normalize_cdn_endpoint(raw: dict[str, Any]) -> ResourceRow:
    """A CDN endpoint (cdn/models/cdn_endpoint.yml). Its name is its origin.

    Meaningful: origin, endpoint, ttl, certificate_id, custom_domain, created_at.
    Nothing DO reports about an endpoint is volatile."""
    return ResourceRow(
        kind=Kind.CDN_ENDPOINT,
        provider_id=str(raw["id"]),
        name=raw.get("origin") or "",
        attrs={
            **pick(raw, "origin", "endpoint", "ttl", "certificate_id", "custom_domain"),
            "created_at": raw.get("created_at"),
        },
    )


def normalize_certificate(raw: dict[str, Any]) -> ResourceRow:
    """A TLS certificate (certificates/models/certificate.yml).

    Meaningful: type (custom or lets_encrypt), dns_names (sorted), not_after (the expiry:
    a renewal moves it, and that is worth an event), sha1_fingerprint, created_at; the
    status column is DO's `state` (pending, verified, error), which is meaningful too.
    Nothing is left out."""
    return ResourceRow(
        kind=Kind.CERTIFICATE,
        provider_id=str(raw["id"]),
        name=raw.get("name") or "",
        status=raw.get("state") or "",
        attrs={
            "type": raw.get("type"),
            "dns_names": sorted(raw.get("dns_names") or []),
            "not_after": raw.get("not_after"),
            "sha1_fingerprint": raw.get("sha1_fingerprint"),
            "created_at": raw.get("created_at"),
        },
    )


def _fetch_reserved_ip(client: Any, ip: str) -> dict[str, Any]:
    if ":" in ip:
        return fetch_by("/v2/reserved_ipv6/{id}", "reserved_ipv6")(client, ip)
    return fetch_by("/v2/reserved_ips/{id}", "reserved_ip")(client, ip)


LOAD_BALANCER = KindSpec(
    kind=Kind.LOAD_BALANCER,
    listings=(Listing("/v2/load_balancers", "load_balancers"),),
    normalize=normalize_load_balancer,
    fetch=fetch_by("/v2/load_balancers/{id}", "load_balancer"),
)

RESERVED_IP = KindSpec(
    kind=Kind.RESERVED_IP,
    listings=(
        Listing("/v2/reserved_ips", "reserved_ips"),
        Listing("/v2/reserved_ipv6", "reserved_ipv6s"),
    ),
    normalize=normalize_reserved_ip,
    fetch=_fetch_reserved_ip,
)

FIREWALL = KindSpec(
    kind=Kind.FIREWALL,
    listings=(Listing("/v2/firewalls", "firewalls"),),
    normalize=normalize_firewall,
    fetch=fetch_by("/v2/firewalls/{id}", "firewall"),
)

DOMAIN = KindSpec(
    kind=Kind.DOMAIN,
    listings=(Listing("/v2/domains", "domains"),),
    normalize=normalize_domain,
    fetch=fetch_by("/v2/domains/{id}", "domain"),
)

VPC = KindSpec(
    kind=Kind.VPC,
    listings=(Listing("/v2/vpcs", "vpcs"),),
    normalize=normalize_vpc,
    fetch=fetch_by("/v2/vpcs/{id}", "vpc"),
)

CDN_ENDPOINT = KindSpec(
    kind=Kind.CDN_ENDPOINT,
    listings=(Listing("/v2/cdn/endpoints", "endpoints"),),
    normalize=normalize_cdn_endpoint,
    fetch=fetch_by("/v2/cdn/endpoints/{id}", "endpoint"),
)

CERTIFICATE = KindSpec(
    kind=Kind.CERTIFICATE,
    listings=(Listing("/v2/certificates", "certificates"),),
    normalize=normalize_certificate,
    fetch=fetch_by("/v2/certificates/{id}", "certificate"),
)
