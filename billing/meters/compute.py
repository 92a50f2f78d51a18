"""Droplets, GPU Droplets and their backups.

- A Droplet (GPU Droplets too) bills per size and hour up to its monthly price, per second
  from 2026-01 with a minimum of 60 s and $0.01; prices from `GET /v2/sizes`
  (https://docs.digitalocean.com/products/droplets/details/pricing/, and DO's note of
  1 Jan 2026: https://www.digitalocean.com/community/questions/droplet-billing-is-it-granular-after-the-first-hour).
- Backups (basic plans) add 20 % of the Droplet's cost for weekly and 30 % for daily
  backups (https://docs.digitalocean.com/products/backups/details/pricing/). DO charges
  "each successful backup" a share of that; the inventory cannot see backups succeed, so
  the percentage is pro-rated by the time the policy was in force (our choice). A
  backup line is priced as the Droplet's size: `price_hourly` and `price_monthly` times
  the percentage, so it follows the same rule version and cap as the Droplet. Usage-based
  plans (per GiB) are not metered: the API does not say which plan kind a policy is.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from billing.meters.base import Charge, MeterRule, Product, State, Unit
from inventory.models import Kind

SIZES_PAGE = "https://docs.digitalocean.com/products/droplets/details/pricing/"
BACKUPS_PAGE = "https://docs.digitalocean.com/products/backups/details/pricing/"

# Plan (droplet_backup_policy.yml `plan`) -> share of the Droplet's price.
BACKUP_PERCENT: dict[str, Decimal] = {"weekly": Decimal("0.20"), "daily": Decimal("0.30")}
# A policy with no plan is DO's default, weekly (droplets/models/droplet_backup_policy.yml).
DEFAULT_BACKUP_PLAN = "weekly"
BACKUP_KEY_SEP = "+backups-"


def backup_key(size_slug: str, plan: str) -> str:
    """The price key of a backup plan on a size: unique across the price book."""
    return f"{size_slug}{BACKUP_KEY_SEP}{plan}"


def backup_plan(policy: Any) -> str | None:
    """The plan of a policy in force, or None when backups are off."""
    if not isinstance(policy, dict) or not policy.get("enabled"):
        return None
    plan = str(policy.get("plan") or DEFAULT_BACKUP_PLAN)
    return plan if plan in BACKUP_PERCENT else None


def is_gpu(state: State) -> bool:
    return bool(state.get("gpu_info")) or str(state.get("size_slug") or "").startswith("gpu-")


def droplet_charges(state: State) -> list[Charge]:
    size = str(state.get("size_slug") or "")
    if not size:
        return []
    product = Product.GPU_DROPLET if is_gpu(state) else Product.DROPLET
    out = [Charge(product, size, Decimal(1), Unit.HOURS, size)]
    plan = backup_plan(state.get("backup_policy"))
    if plan is not None:
        out.append(
            Charge(
                Product.DROPLET_BACKUP,
                backup_key(size, plan),
                Decimal(1),
                Unit.HOURS,
                f"{size}, {plan}",
            )
        )
    return out


DROPLET = MeterRule(
    kind=Kind.DROPLET,
    fields=("backup_policy", "gpu_info"),
    charges=droplet_charges,
    per_second=frozenset({Product.DROPLET, Product.GPU_DROPLET, Product.DROPLET_BACKUP}),
    sources=(SIZES_PAGE, BACKUPS_PAGE),
)
