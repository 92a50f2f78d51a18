"""Volumes and snapshots: per GiB and month, pro rata by time, a resize splitting the
segment.

- Volumes: $0.10 per GiB and month, billed hourly up to the monthly price
  (https://docs.digitalocean.com/products/volumes/details/pricing/).
- Snapshots (of Droplets and volumes): $0.06 per GiB and month by the snapshot's size,
  with a minimum charge of $0.01
  (https://docs.digitalocean.com/products/snapshots/details/pricing/).
Neither price is in DO's API: both are rows of the operators' price book, seeded with
these. DO's pages are silent on per-second billing for storage: both stay `hourly`.
"""

from __future__ import annotations

from decimal import Decimal

from billing.meters.base import Charge, MeterRule, Product, State, Unit, whole
from inventory.models import Kind

VOLUME_KEY = "volume-gib"
SNAPSHOT_KEY = "snapshot-gib"
GIB_EXP = Decimal("0.000001")


def _gib(value: object) -> Decimal | None:
    size = whole(value)
    return None if size is None else size.quantize(GIB_EXP)


def volume_charges(state: State) -> list[Charge]:
    gib = _gib(state.get("size_gigabytes"))
    return [] if gib is None else [Charge(Product.VOLUME, VOLUME_KEY, gib, Unit.GIB_MONTHS)]


def snapshot_charges(state: State) -> list[Charge]:
    gib = _gib(state.get("size_gigabytes"))
    return [] if gib is None else [Charge(Product.SNAPSHOT, SNAPSHOT_KEY, gib, Unit.GIB_MONTHS)]


VOLUME = MeterRule(
    kind=Kind.VOLUME,
    fields=("size_gigabytes",),
    charges=volume_charges,
    per_second=frozenset(),
    sources=("https://docs.digitalocean.com/products/volumes/details/pricing/",),
)
SNAPSHOT = MeterRule(
    kind=Kind.SNAPSHOT,
    fields=("size_gigabytes",),
    charges=snapshot_charges,
    per_second=frozenset(),
    sources=("https://docs.digitalocean.com/products/snapshots/details/pricing/",),
)
