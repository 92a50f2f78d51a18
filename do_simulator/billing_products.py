"""DO's bill for every product besides the Droplets' own usage (DESIGN.md, "Every
product"), from the records as they stand.

The rules are DO's, as Arcadia's meters read them (billing/meters/, each with its page):
- per size (or node, instance) and hour up to the monthly price, times the count: load
  balancers (`size_unit` nodes, or the legacy `size`), database clusters (size x
  `num_nodes`), App Platform components (size x `instance_count`), the Kubernetes HA
  control plane, container registry tiers (starter is free), unassigned reserved IPv4s;
- per GiB and month, pro rata by the hour up to the monthly price: volumes, snapshots,
  database storage beyond the size's included disk;
- Droplet backups: 20 % (weekly) or 30 % (daily) of the Droplet's cost, per second from
  2026-01 like the Droplet.
All but backups stay hourly (whole hours) in every month: DO's per-second note names
Droplets only. Each record's charges are kept as `Span`s (state_billing's ledger), a new
one starting whenever a change (a resize, an unassignment) alters them and the last one
ending when the record is deleted; the first starts at the record's `created_at`. The
ledger is not persisted: a restored state starts it again from the records. Backups bill
the droplet's backup policy as it stands.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, NamedTuple

from .catalog import SIZES
from .resource_kinds import DB_SIZES

CENT = Decimal("0.01")
PER_SECOND_FROM = (2026, 1)
Period = tuple[int, int]

# key -> (price_hourly, price_monthly), DO's published prices (billing/meters/published.py
# cites each page).
PRICES: dict[str, tuple[Decimal, Decimal]] = {
    key: (Decimal(h), Decimal(m))
    for key, h, m in (
        ("volume-gib", "0.000149", "0.10"),
        ("snapshot-gib", "0.0000893", "0.06"),
        ("lb-node", "0.01786", "12.00"),
        ("lb-small", "0.01786", "12.00"),
        ("lb-medium", "0.05357", "36.00"),
        ("lb-large", "0.10714", "72.00"),
        ("reserved-ipv4", "0.00744", "5.00"),
        ("doks-ha-control-plane", "0.05952", "40.00"),
        ("db-s-1vcpu-1gb", "0.02232", "15.00"),
        ("db-s-1vcpu-2gb", "0.04464", "30.00"),
        ("db-s-2vcpu-4gb", "0.08929", "60.00"),
        ("db-s-4vcpu-8gb", "0.17857", "120.00"),
        ("db-s-6vcpu-16gb", "0.35714", "240.00"),
        ("db-s-8vcpu-32gb", "0.71429", "480.00"),
        ("db-storage-gib", "0.0003125", "0.21"),
        ("apps-s-1vcpu-0.5gb", "0.00744", "5.00"),
        ("apps-s-1vcpu-1gb-fixed", "0.01488", "10.00"),
        ("apps-s-1vcpu-1gb", "0.01786", "12.00"),
        ("apps-s-1vcpu-2gb", "0.03720", "25.00"),
        ("apps-s-2vcpu-4gb", "0.07440", "50.00"),
        ("registry-basic", "0.00744", "5.00"),
        ("registry-professional", "0.02976", "20.00"),
    )
}
BACKUP_PERCENT = {"weekly": Decimal("0.20"), "daily": Decimal("0.30")}

# `GET /v2/registries/options`: DO's example tiers (https://github.com/digitalocean/openapi,
# specification/resources/registry/responses/registry_options_response.yml), each priced
# as this simulator bills it (`PRICES`; starter is free), so a price book refreshed from
# the options agrees with the bill.
_GIB = 1024**3
_TIERS: tuple[dict[str, Any], ...] = (
    {"name": "Starter", "slug": "starter", "included_repositories": 1,
     "included_storage_bytes": 524288000, "allow_storage_overage": False,
     "included_bandwidth_bytes": 524288000, "eligible": False,
     "eligibility_reasons": ["OverRepositoryLimit"]},
    {"name": "Basic", "slug": "basic", "included_repositories": 5,
     "included_storage_bytes": 5 * _GIB, "allow_storage_overage": True,
     "included_bandwidth_bytes": 5 * _GIB, "eligible": True},
    {"name": "Professional", "slug": "professional", "included_repositories": 0,
     "included_storage_bytes": 100 * _GIB, "allow_storage_overage": True,
     "included_bandwidth_bytes": 100 * _GIB, "eligible": True},
)  # fmt: skip
REGISTRY_REGIONS = ("nyc3", "sfo3", "ams3", "sgp1", "fra1")


def registry_options() -> dict[str, Any]:
    tiers = []
    for tier in _TIERS:
        priced = PRICES.get(f"registry-{tier['slug']}")
        cents = int(priced[1] * 100) if priced else 0
        tiers.append({**tier, "monthly_price_in_cents": cents})
    return {"options": {"available_regions": list(REGISTRY_REGIONS), "subscription_tiers": tiers}}


MIB_PER_GIB = Decimal(1024)


class Charge(NamedTuple):
    product: str  # DO's invoice `product`
    key: str
    quantity: Decimal
    label: str


class ProductItem(NamedTuple):
    product: str
    resource_id: str
    description: str
    hours: Decimal
    amount: Decimal
    start: int
    end: int
    kind: str = ""  # the store the resource is in ("droplet" for backups)
    group: str = ""  # DO's `group_description`


# DO's `group_description` is "the invoice item when it is a grouped set of usage, such as
# DOKS or databases" (resources/billing/models/invoice_item.yml): the cluster's name for
# those two kinds, empty for the rest (our reading; DO gives no other example).
GROUPED_KINDS = frozenset({"database", "kubernetes_cluster"})


def _count(value: Any, default: int = 1) -> Decimal:
    try:
        number = Decimal(str(value))
    except ArithmeticError:
        return Decimal(default)
    return number if number.is_finite() and number > 0 else Decimal(default)


def charges(kind: str, record: Mapping[str, Any]) -> list[Charge]:
    """What one record costs while it stands as it is."""
    if kind == "volume":
        return [Charge("Volumes", "volume-gib", _count(record.get("size_gigabytes"), 0), "")]
    if kind == "snapshot":
        gib = _count(record.get("size_gigabytes"), 0)
        return [Charge("Snapshots", "snapshot-gib", gib, "")]
    if kind == "load_balancer":
        if record.get("size_unit"):
            return [Charge("Load Balancers", "lb-node", _count(record["size_unit"]), "")]
        return [Charge("Load Balancers", str(record.get("size") or "lb-small"), Decimal(1), "")]
    if kind == "reserved_ip":
        return (
            []
            if record.get("droplet_id")
            else [Charge("Reserved IPs", "reserved-ipv4", Decimal(1), "")]
        )
    if kind == "database":
        size = str(record.get("size") or "")
        out = [Charge("Managed Databases", size, _count(record.get("num_nodes")), "")]
        included = DB_SIZES.get(size)
        storage = record.get("storage_size_mib")
        if included is not None and storage:
            extra = (Decimal(int(storage)) - included) / MIB_PER_GIB
            if extra > 0:
                out.append(Charge("Managed Databases", "db-storage-gib", extra, "storage"))
        return out
    if kind == "kubernetes_cluster":
        return (
            [Charge("Kubernetes Clusters", "doks-ha-control-plane", Decimal(1), "HA")]
            if (record.get("ha"))
            else []
        )
    if kind == "app":
        counts: dict[str, Decimal] = {}
        spec = record.get("spec") or {}
        for section in ("services", "workers", "jobs"):
            for component in spec.get(section) or ():
                size = component.get("instance_size_slug")
                if size:
                    counts[size] = counts.get(size, Decimal(0)) + _count(
                        component.get("instance_count")
                    )
        return [Charge("App Platform", s, n, "") for s, n in sorted(counts.items())]
    if kind == "container_registry":
        tier = str(((record.get("subscription") or {}).get("tier") or {}).get("slug") or "")
        return (
            []
            if tier in ("", "starter")
            else [Charge("Container Registry", f"registry-{tier}", Decimal(1), "")]
        )
    return []


def hourly_cost(key: str, seconds: int, quantity: Decimal) -> tuple[Decimal, Decimal]:
    """(whole hours, amount rounded to the cent): quantity x min(hours x hourly, monthly)."""
    hourly, monthly = PRICES[key]
    hours = Decimal(math.ceil(seconds / 3600))
    raw = min(hours * hourly, monthly) * quantity
    return hours, raw.quantize(CENT, rounding=ROUND_HALF_UP)


def backup_cost(size: str, seconds: int, period: Period, plan: str) -> Decimal:
    """The backups' share of a Droplet's (size, month): the percentage of its cost, by the
    Droplet's own rule version."""
    price, percent = SIZES[size], BACKUP_PERCENT[plan]
    hourly, monthly = price.price_hourly * percent, price.price_monthly * percent
    if period < PER_SECOND_FROM:
        raw = min(Decimal(math.ceil(seconds / 3600)) * hourly, monthly)
    else:
        raw = max(min(Decimal(max(seconds, 60)) * hourly / 3600, monthly), CENT)
    return raw.quantize(CENT, rounding=ROUND_HALF_UP)


def parse_ts(value: Any) -> int | None:
    """A record's ISO-8601 instant as a Unix timestamp, or None."""
    if not isinstance(value, str) or not value:
        return None
    try:
        return int(datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp())
    except ValueError:
        return None


class Span(NamedTuple):
    """One stretch of a record at one set of charges; `end` None while it lasts."""

    kind: str
    rid: str
    name: str
    start: int
    end: int | None
    charges: tuple[Charge, ...]


def month_product_items(spans: Iterable[Span], *, start: int, end: int) -> Iterator[ProductItem]:
    """Items of the spans over [start, end) (one month, or its part to date): one per
    (record, charge) with the seconds of its spans added up, as DO bills a resource at one
    price in one month."""
    usage: dict[tuple[str, str, str, Charge], list[Any]] = {}
    for span in spans:
        lo, hi = max(span.start, start), min(span.end if span.end is not None else end, end)
        if hi <= lo:
            continue
        for charge in span.charges:
            if charge.quantity <= 0 or charge.key not in PRICES:
                continue
            key = (span.kind, span.rid, span.name, charge)
            acc = usage.get(key)
            if acc is None:
                usage[key] = [hi - lo, lo, hi]
            else:
                acc[0] += hi - lo
                acc[1], acc[2] = min(acc[1], lo), max(acc[2], hi)
    for (kind, rid, name, charge), (seconds, lo, hi) in usage.items():
        hours, amount = hourly_cost(charge.key, seconds, charge.quantity)
        label = f" {charge.label}" if charge.label else ""
        yield ProductItem(
            charge.product,
            rid,
            f"{name}{label} ({charge.key} x {charge.quantity.normalize():f})",
            hours,
            amount,
            lo,
            hi,
            kind,
            name if kind in GROUPED_KINDS else "",
        )
