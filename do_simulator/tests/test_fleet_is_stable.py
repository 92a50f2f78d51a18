"""A restarted simulator serves the same fleet, so a re-sync against it changes nothing."""

from __future__ import annotations

from do_simulator.state import SimState, month_start


def test_same_seed_later_in_the_month_gives_the_same_droplets():
    early = SimState(droplets=30, seed=4, clock=lambda: 1_780_000_000.0)
    later = SimState(droplets=30, seed=4, clock=lambda: 1_780_000_000.0 + 3 * 86_400)

    assert [early.droplet(i) for i in early.droplet_ids()] == [
        later.droplet(i) for i in later.droplet_ids()
    ]


def test_month_start_is_the_first_second_of_the_utc_month():
    # 2026-05-28T20:26:40Z -> 2026-05-01T00:00:00Z
    assert month_start(1_780_000_000) == 1_777_593_600
