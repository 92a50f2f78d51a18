"""A restarted simulator serves the same fleet, so a re-sync against it changes nothing."""

from __future__ import annotations

from typing import Any

from do_simulator.state import SimState, month_start


def test_same_seed_later_in_the_month_gives_the_same_droplets():
    early = SimState(droplets=30, seed=4, clock=lambda: 1_780_000_000.0)
    later = SimState(droplets=30, seed=4, clock=lambda: 1_780_000_000.0 + 3 * 86_400)

    assert [_without_window(early.droplet(i)) for i in early.droplet_ids()] == [
        _without_window(later.droplet(i)) for i in later.droplet_ids()
    ]


def _without_window(droplet: dict[str, Any]) -> dict[str, Any]:
    """The next backup window moves with the clock, at DO too; the droplet does not."""
    return {k: v for k, v in droplet.items() if k != "next_backup_window"}


def test_month_start_is_the_first_second_of_the_utc_month():
    # 2026-05-28T20:26:40Z -> 2026-05-01T00:00:00Z
    assert month_start(1_780_000_000) == 1_777_593_600
