"""Load balancers and reserved IPs.

- Load balancers: $12 per node and month, hourly up to that; a load balancer sized by
  `size_unit` has that many nodes, a legacy one by `size` slug has that slug's price
  (lb-small $12, lb-medium $36, lb-large $72)
  (https://docs.digitalocean.com/products/networking/load-balancers/details/pricing/).
  DO's API has no load balancer price: the rows are the operators' price book.
- Reserved IPv4: free while assigned to a Droplet, $5 a month ($0.00744 an hour) while
  not (https://docs.digitalocean.com/products/networking/reserved-ips/details/pricing/);
  a segment starts at every assignment and unassignment. Reserved IPv6 is not charged
  (DO's page prices only IPv4: our reading).
Both stay `hourly`: DO's per-second note names Droplets only.
"""

from __future__ import annotations

from decimal import Decimal

from billing.meters.base import Charge, MeterRule, Product, State, Unit, quantity_text, whole
from inventory.models import Kind

LB_NODE_KEY = "lb-node"
RESERVED_IPV4_KEY = "reserved-ipv4"


def load_balancer_charges(state: State) -> list[Charge]:
    nodes = whole(state.get("size_unit"))
    if nodes is not None:
        label = f"{quantity_text(nodes)} node{'s' if nodes != 1 else ''}"
        return [Charge(Product.LOAD_BALANCER, LB_NODE_KEY, nodes, Unit.HOURS, label)]
    size = str(state.get("size_slug") or "")
    if size:
        return [Charge(Product.LOAD_BALANCER, size, Decimal(1), Unit.HOURS, size)]
    return []


def reserved_ip_charges(state: State) -> list[Charge]:
    if state.get("droplet_id") is not None or state.get("ip_version") == 6:
        return []
    return [Charge(Product.RESERVED_IP, RESERVED_IPV4_KEY, Decimal(1), Unit.HOURS, "unassigned")]


LOAD_BALANCER = MeterRule(
    kind=Kind.LOAD_BALANCER,
    fields=("size_unit",),
    charges=load_balancer_charges,
    per_second=frozenset(),
    sources=("https://docs.digitalocean.com/products/networking/load-balancers/details/pricing/",),
)
RESERVED_IP = MeterRule(
    kind=Kind.RESERVED_IP,
    fields=("droplet_id", "ip_version"),
    charges=reserved_ip_charges,
    per_second=frozenset(),
    sources=("https://docs.digitalocean.com/products/networking/reserved-ips/details/pricing/",),
)
