"""What a metering rule is (DESIGN.md, "Every product").

A `MeterRule` says, for one inventory kind, which of its fields are priced and how a
state of those fields becomes `Charge`s: a product, a price key (a row of the price book:
a size slug, a tier, a plan), how many of it (nodes, GiB, components) and in which unit
it is billed. A change to a priced field starts a new segment; nothing else does.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any

# A state: the priced fields of one resource at one instant (`size_slug` and the
# rule's attrs, by name).
State = Mapping[str, Any]


class Unit(StrEnum):
    """How a charge is billed. Both are capped at the monthly price (DO's 672 hours)."""

    # Per hour (or second) at `price_hourly`, at most `price_monthly`, times the count.
    HOURS = "hours"
    # Per GiB and month at `price_monthly`, pro rata by time (the hourly price is
    # monthly / 672, as DO prices volumes), times the GiB.
    GIB_MONTHS = "GiB-months"


class Product(StrEnum):
    """Every product Arcadia meters; the names DO's invoice items carry are in
    `PROVIDER_PRODUCT`."""

    DROPLET = "droplet"
    GPU_DROPLET = "gpu_droplet"
    DROPLET_BACKUP = "droplet_backup"
    VOLUME = "volume"
    SNAPSHOT = "snapshot"
    LOAD_BALANCER = "load_balancer"
    RESERVED_IP = "reserved_ip"
    DATABASE = "database"
    DATABASE_STORAGE = "database_storage"
    KUBERNETES_HA = "kubernetes_ha"
    APP = "app"
    CONTAINER_REGISTRY = "container_registry"


@dataclass(frozen=True, slots=True)
class Charge:
    """One priced thing a resource holds during a segment."""

    product: str
    price_key: str  # `Price.size_slug`: unique across products
    quantity: Decimal  # nodes, components, GiB: the price is multiplied by it
    unit: Unit
    label: str = ""  # what the invoice line says after the product's name


@dataclass(frozen=True)
class MeterRule:
    """How one inventory kind is metered.

    `fields`: the priced attrs (besides `size_slug` and the project, which always count);
    `charges`: a state -> what it costs; `per_second`: the products of this kind DO bills
    per second from 2026-01 (the others stay `hourly`); `sources`: DO's pages the rule
    and its prices come from."""

    kind: str
    fields: tuple[str, ...]
    charges: Callable[[State], list[Charge]]
    per_second: frozenset[str]
    sources: tuple[str, ...]


def whole(value: Any) -> Decimal | None:
    """A positive count or size as a Decimal, else None (missing, zero, nonsense)."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = Decimal(str(value))
    except ArithmeticError:
        return None
    return number if number.is_finite() and number > 0 else None


def quantity_text(value: Decimal) -> str:
    return format(value.normalize(), "f")
