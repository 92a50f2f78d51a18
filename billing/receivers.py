"""Billing's reactions to the inventory (DESIGN.md: prices refresh on every sync)."""

from __future__ import annotations

import logging
from typing import Any

from django.dispatch import receiver

from billing.services.prices import refresh_prices
from inventory.models import Kind
from inventory.signals import sync_completed

log = logging.getLogger(__name__)


@receiver(sync_completed, dispatch_uid="billing.refresh_prices_after_sync")
def refresh_prices_after_sync(sender: Any, *, kind: str, client: Any, **kwargs: Any) -> None:
    """One `GET /v2/sizes` through the sync's own client: a stale price book would price
    the month with yesterday's prices. A failure is logged; generation refreshes again."""
    if kind != Kind.DROPLET:
        return
    try:
        refresh_prices(client)
    except Exception:
        log.exception("price refresh after the %s sync failed", kind)
