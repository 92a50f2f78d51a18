"""Database clusters, Kubernetes' HA control plane, App Platform, the container registry.

- Database clusters: the size's price times the number of nodes, hourly up to the
  monthly price (https://docs.digitalocean.com/products/databases/details/pricing/),
  plus storage beyond the size's included disk at $0.21 per GiB and month (ibid.,
  "additional storage"). `/v2/databases/options` lists sizes and node counts but no
  prices and no included disk: prices are the operators' price book; the included
  disk is `INCLUDED_STORAGE_GIB` below (a size not listed there bills no extra storage:
  our choice, rather than guessing).
- Kubernetes: the control plane is free; the HA control plane costs $40 a month,
  "prorated hourly" (https://docs.digitalocean.com/products/kubernetes/details/pricing/).
  Worker nodes are Droplets in the inventory and bill as Droplets. `/v2/kubernetes/options`
  has no price: the row is the price book's.
- App Platform: each service, worker or job component bills its instance size times its
  instance count, hourly up to the monthly price
  (https://docs.digitalocean.com/products/app-platform/details/pricing/); static sites
  are not metered (DO gives three free per account: our simplification).
- Container registry: by subscription tier (starter free, basic $5, professional $20 a
  month), prices from `GET /v2/registries/options` (`monthly_price_in_cents`,
  registry/models/subscription_tier.yml) when it answers, else the price book's seed.
  DO publishes no hourly price for a tier: `registry_hourly` is the monthly price / 672
  (DO's 28-day cap) at five places, as the seed (billing.meters.published) has it.
DO's per-second note names Droplets (and Kubernetes worker nodes) only: these stay
`hourly`.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from billing.meters.base import Charge, MeterRule, Product, State, Unit, quantity_text, whole
from inventory.models import Kind

DATABASE_STORAGE_KEY = "db-storage-gib"
KUBERNETES_HA_KEY = "doks-ha-control-plane"
FREE_REGISTRY_TIER = "starter"
MIB_PER_GIB = Decimal(1024)
HOURS_PER_MONTH = Decimal(672)  # DO's monthly cap: 4 weeks
APP_COMPONENTS = ("services", "workers", "jobs")

# Disk included with each database size, GiB (DO's pricing page's table).
INCLUDED_STORAGE_GIB: dict[str, Decimal] = {
    "db-s-1vcpu-1gb": Decimal(10),
    "db-s-1vcpu-2gb": Decimal(25),
    "db-s-2vcpu-4gb": Decimal(60),
    "db-s-4vcpu-8gb": Decimal(115),
    "db-s-6vcpu-16gb": Decimal(340),
    "db-s-8vcpu-32gb": Decimal(640),
}


def registry_key(tier: str) -> str:
    return f"registry-{tier}"


def registry_hourly(monthly: Decimal) -> Decimal:
    """A tier's hourly price from its monthly one: / 672 hours, five places (5.00 -> 0.00744)."""
    return (monthly / HOURS_PER_MONTH).quantize(Decimal("0.00001"), rounding=ROUND_HALF_UP)


def database_charges(state: State) -> list[Charge]:
    size = str(state.get("size_slug") or "")
    nodes = whole(state.get("num_nodes")) or Decimal(1)
    if not size:
        return []
    label = f"{size} x {quantity_text(nodes)} node{'s' if nodes != 1 else ''}"
    out = [Charge(Product.DATABASE, size, nodes, Unit.HOURS, label)]
    storage = whole(state.get("storage_size_mib"))
    included = INCLUDED_STORAGE_GIB.get(size)
    if storage is not None and included is not None:
        extra = (storage / MIB_PER_GIB - included).quantize(Decimal("0.000001"))
        if extra > 0:
            out.append(
                Charge(
                    Product.DATABASE_STORAGE,
                    DATABASE_STORAGE_KEY,
                    extra,
                    Unit.GIB_MONTHS,
                    "additional storage",
                )
            )
    return out


def kubernetes_charges(state: State) -> list[Charge]:
    if not state.get("ha"):
        return []
    return [
        Charge(Product.KUBERNETES_HA, KUBERNETES_HA_KEY, Decimal(1), Unit.HOURS, "HA control plane")
    ]


def app_charges(state: State) -> list[Charge]:
    spec: Any = state.get("spec") or {}
    counts: dict[str, Decimal] = {}
    if isinstance(spec, dict):
        for section in APP_COMPONENTS:
            for component in spec.get(section) or ():
                if not isinstance(component, dict) or not component.get("instance_size_slug"):
                    continue
                size = str(component["instance_size_slug"])
                count = whole(component.get("instance_count")) or Decimal(1)
                counts[size] = counts.get(size, Decimal(0)) + count
    return [
        Charge(Product.APP, size, count, Unit.HOURS, f"{size} x {quantity_text(count)}")
        for size, count in sorted(counts.items())
    ]


def registry_charges(state: State) -> list[Charge]:
    tier = str(state.get("subscription_tier") or "")
    if not tier or tier == FREE_REGISTRY_TIER:
        return []
    return [Charge(Product.CONTAINER_REGISTRY, registry_key(tier), Decimal(1), Unit.HOURS, tier)]


DATABASE = MeterRule(
    kind=Kind.DATABASE,
    fields=("num_nodes", "storage_size_mib"),
    charges=database_charges,
    per_second=frozenset(),
    sources=("https://docs.digitalocean.com/products/databases/details/pricing/",),
)
KUBERNETES_CLUSTER = MeterRule(
    kind=Kind.KUBERNETES_CLUSTER,
    fields=("ha",),
    charges=kubernetes_charges,
    per_second=frozenset(),
    sources=("https://docs.digitalocean.com/products/kubernetes/details/pricing/",),
)
APP = MeterRule(
    kind=Kind.APP,
    fields=("spec",),
    charges=app_charges,
    per_second=frozenset(),
    sources=("https://docs.digitalocean.com/products/app-platform/details/pricing/",),
)
CONTAINER_REGISTRY = MeterRule(
    kind=Kind.CONTAINER_REGISTRY,
    fields=("subscription_tier",),
    charges=registry_charges,
    per_second=frozenset(),
    sources=("https://docs.digitalocean.com/products/container-registry/details/pricing/",),
)
