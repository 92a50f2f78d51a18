"""Backup policies are read in full only when due and carried forward in between
(inventory/kinds/backup_policies.py): a re-sync costs the droplet pages alone."""

from __future__ import annotations

from datetime import timedelta

import pytest

from do_simulator.backups import DropletExtras
from inventory.kinds import backup_policies
from inventory.models import CloudResource, CloudResourceEvent, EventType, Kind, SyncRun
from inventory.services.sync import run_full_sync

pytestmark = pytest.mark.django_db

# The conftest simulator's 50 droplets fit one page of each listing (and none is a GPU
# Droplet): a run costs 2 requests (both droplet listings), 3 with the policies' listing.
LISTING_REQUESTS = 2


def sync(client) -> SyncRun:
    run = run_full_sync(Kind.DROPLET, client=client, trigger="test", with_projects=False)
    assert run.status == SyncRun.Status.COMPLETED, run.error
    return run


def policy_of(provider_id: int) -> dict | None:
    return CloudResource.objects.get(kind=Kind.DROPLET, provider_id=str(provider_id)).attrs[
        "backup_policy"
    ]


def without_backups(sim) -> list[int]:
    extras = sim.state.droplet_extras
    return [i for i in sim.state.droplet_ids() if not (extras.get(i) and extras[i].plan)]


def with_backups(sim) -> list[int]:
    extras = sim.state.droplet_extras
    return [i for i in sim.state.droplet_ids() if extras.get(i) and extras[i].plan]


def test_the_first_sync_reads_every_policy_and_a_re_sync_reads_none(simulator, do):
    first = sync(do)
    assert first.supplement_read and first.requests == LISTING_REQUESTS + 1
    on = with_backups(simulator)
    assert on and policy_of(on[0])["enabled"] is True

    again = sync(do)

    assert not again.supplement_read and again.requests == LISTING_REQUESTS
    assert again.updated == 0
    assert policy_of(on[0])["enabled"] is True
    assert not CloudResourceEvent.objects.filter(
        event=EventType.UPDATED, occurred_at__gte=again.started_at
    ).exists()


def test_backups_turned_on_between_full_reads_cost_one_request_for_that_droplet(simulator, do):
    sync(do)
    droplet = without_backups(simulator)[0]
    assert policy_of(droplet)["enabled"] is False
    simulator.state.droplet_extras[droplet] = DropletExtras(plan="daily", hour=8)

    run = sync(do)

    assert not run.supplement_read and run.requests == LISTING_REQUESTS + 1
    assert policy_of(droplet)["enabled"] is True and policy_of(droplet)["plan"] == "daily"
    assert run.updated == 1


def test_backups_turned_off_cost_nothing(simulator, do):
    sync(do)
    droplet = with_backups(simulator)[0]
    simulator.state.droplet_extras[droplet] = DropletExtras()

    run = sync(do)

    assert run.requests == LISTING_REQUESTS
    assert policy_of(droplet)["enabled"] is False


def test_a_plan_change_shows_at_the_next_full_read(simulator, do, settings):
    settings.INVENTORY_BACKUP_POLICIES_REFRESH_SECONDS = 3600
    sync(do)
    droplet = with_backups(simulator)[0]
    before = policy_of(droplet)
    plan = "weekly" if before["plan"] == "daily" else "daily"
    simulator.state.droplet_extras[droplet] = DropletExtras(plan=plan, weekday="MON", hour=4)

    assert sync(do).requests == LISTING_REQUESTS  # carried forward: not seen yet
    assert policy_of(droplet) == before
    # The full read an hour later: the listing again, and the new plan with it.
    SyncRun.objects.update(
        started_at=SyncRun.objects.earliest("id").started_at - timedelta(hours=2)
    )
    due = sync(do)

    assert due.supplement_read and due.requests == LISTING_REQUESTS + 1
    assert policy_of(droplet)["plan"] == plan


def test_a_failed_run_that_read_the_listing_does_not_count_as_a_read(simulator, do):
    sync(do)
    SyncRun.objects.update(status=SyncRun.Status.FAILED)

    assert sync(do).supplement_read


def test_many_unknown_policies_read_the_listing_instead_of_one_request_each(
    simulator, do, monkeypatch
):
    sync(do)
    turned_on = without_backups(simulator)[:4]
    for droplet in turned_on:
        simulator.state.droplet_extras[droplet] = DropletExtras(plan="daily", hour=0)
    monkeypatch.setattr(backup_policies, "FETCH_ALONE_LIMIT", 3)

    run = sync(do)

    assert run.supplement_read and run.requests == LISTING_REQUESTS + 1
    assert all(policy_of(d)["enabled"] for d in turned_on)
