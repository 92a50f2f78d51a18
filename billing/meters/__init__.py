"""One metering rule per product (DESIGN.md, "Every product"); see each module for its
rule, its prices and DO's page they come from.

`METERS`: inventory kind -> its rule, droplets first. `METERED_PRODUCTS`: what the rules
can charge; anything else DO bills (Spaces, bandwidth overage: the inventory cannot see
them) is not metered, and reconciliation reports DO's items for it as `only_provider`
with the reason `NOT_METERED_REASON`, never drops them.
"""

from __future__ import annotations

from billing.meters import compute, networking, platform, storage
from billing.meters.base import Charge, MeterRule, Product, State, Unit
from inventory.models import Kind

METERS: dict[str, MeterRule] = {
    rule.kind: rule
    for rule in (
        compute.DROPLET,
        storage.VOLUME,
        storage.SNAPSHOT,
        networking.LOAD_BALANCER,
        networking.RESERVED_IP,
        platform.DATABASE,
        platform.KUBERNETES_CLUSTER,
        platform.APP,
        platform.CONTAINER_REGISTRY,
    )
}

NOT_METERED_REASON = "not metered"

# Inventory kinds without a rule: free at DO (firewalls, domains, VPCs, certificates),
# billed as what they make (autoscale pools' Droplets), or not priced here yet.
NOT_METERED_KINDS: frozenset[str] = frozenset(set(Kind.values) - set(METERS))

# Every product a rule can charge: DO's items under any other product (Spaces, bandwidth
# overage, NFS, GenAI, ...) are what the inventory cannot see or Arcadia does not price;
# reconciliation reports them `only_provider` with `NOT_METERED_REASON`.
# `billing.products.PROVIDER_PRODUCT` gives DO's name of each.
METERED_PRODUCTS: frozenset[str] = frozenset(Product)

# DO's invoice `product` names (invoice_item.yml) of what Arcadia does not meter: the
# inventory cannot see them (Spaces storage and transfer, bandwidth overage) or no rule
# prices them. DO publishes no list; these are its pricing pages' product names.
NOT_METERED_PRODUCTS: frozenset[str] = frozenset(
    {
        "Spaces Subscription",
        "Spaces",
        "Bandwidth",
        "Droplet Bandwidth",
        "CDN",
        "Functions",
        "Network File Storage",
        "GenAI Platform",
        "Dedicated Inference",
        "Vector Databases",
    }
)

# Our product -> the `product` DO's invoice items carry (the simulator's too). The
# OpenAPI invoice example names "Kubernetes Clusters"
# (specification/resources/billing/responses/invoice.yml); the others are DO's pricing
# pages' product names (https://www.digitalocean.com/pricing), our choice.
PROVIDER_PRODUCT: dict[str, str] = {
    Product.DROPLET: "Droplets",
    Product.GPU_DROPLET: "GPU Droplets",
    Product.DROPLET_BACKUP: "Backups",
    Product.VOLUME: "Volumes",
    Product.SNAPSHOT: "Snapshots",
    Product.LOAD_BALANCER: "Load Balancers",
    Product.RESERVED_IP: "Reserved IPs",
    Product.DATABASE: "Managed Databases",
    Product.DATABASE_STORAGE: "Managed Databases",
    Product.KUBERNETES_HA: "Kubernetes Clusters",
    Product.APP: "App Platform",
    Product.CONTAINER_REGISTRY: "Container Registry",
}

# What an invoice line calls each product.
PRODUCT_LABEL: dict[str, str] = {
    Product.DROPLET: "Droplet",
    Product.GPU_DROPLET: "GPU Droplet",
    Product.DROPLET_BACKUP: "Droplet backups",
    Product.VOLUME: "Volume",
    Product.SNAPSHOT: "Snapshot",
    Product.LOAD_BALANCER: "Load balancer",
    Product.RESERVED_IP: "Reserved IP",
    Product.DATABASE: "Database cluster",
    Product.DATABASE_STORAGE: "Database storage",
    Product.KUBERNETES_HA: "Kubernetes",
    Product.APP: "App Platform",
    Product.CONTAINER_REGISTRY: "Container registry",
}

# The products some rule bills per second from 2026-01.
_PER_SECOND: frozenset[str] = frozenset(p for rule in METERS.values() for p in rule.per_second)


def bills_per_second(product: str) -> bool:
    """Whether DO's per-second rule (from 2026-01) applies to `product`."""
    return product in _PER_SECOND


__all__ = [
    "METERED_PRODUCTS",
    "METERS",
    "NOT_METERED_KINDS",
    "NOT_METERED_PRODUCTS",
    "NOT_METERED_REASON",
    "PRODUCT_LABEL",
    "PROVIDER_PRODUCT",
    "Charge",
    "MeterRule",
    "Product",
    "State",
    "Unit",
    "bills_per_second",
]
