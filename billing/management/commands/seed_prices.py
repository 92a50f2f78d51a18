"""`manage.py seed_prices`

Seeds the price book with DO's published prices of the products its API does not price
(billing.meters.published); keys the book already holds are left as they are. Idempotent:
`bin/up` runs it after `migrate`."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from billing.services.prices import seed_published_prices


class Command(BaseCommand):
    help = "Seed the price book with DO's published prices (what its API does not price)."

    def handle(self, *args: Any, **opts: Any) -> None:
        written = seed_published_prices()
        self.stdout.write(f"{written} published prices seeded")
