"""`manage.py price_drift`: sets the monthly cost impact of open drift from the price book.

Detection prices a drift when it opens and whenever its value changes; this prices the
rest: drift opened before impacts existed (run it once after upgrading), and every open
drift again after the price book changed. `--unpriced` prices only open drift that has
no impact yet."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from drift.services.impact import reprice_open_drift


class Command(BaseCommand):
    help = "Price open drift (its monthly cost impact) from the price book."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--unpriced",
            action="store_true",
            help="Only open drift without an impact yet (the rest keeps its price).",
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        outcome = reprice_open_drift(only_unpriced=opts["unpriced"])
        self.stdout.write(f"price_drift: {outcome}")
