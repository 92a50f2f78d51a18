"""Full sync against the simulator over loopback (DESIGN.md, "Three strikes", bootstrap)."""

from __future__ import annotations

import threading

import psycopg
import pytest
from django.db import IntegrityError, InternalError, ProgrammingError, connection, transaction

from arcadia.locks import lock_key
from conftest import make_client
from inventory.models import (
    CloudProject,
    CloudResource,
    CloudResourceEvent,
    EventType,
    Kind,
    SyncRun,
)
from inventory.services.projects import PLATFORM_PROJECT_NAME
from inventory.services.sync import run_full_sync, sync_lock_name
from tenants.models import Tenant

pytestmark = pytest.mark.django_db


def sync(client) -> SyncRun:
    return run_full_sync(Kind.DROPLET, client=client, trigger="test")


def live_ids(sim) -> set[str]:
    return {str(i) for i in sim.state.droplet_ids()}


def plain_ids(sim) -> list[int]:
    """Droplets DO lists without `type=gpus`, in listing order."""
    return [i for i in sim.state.droplet_ids() if not sim.state.droplet(i).get("gpu_info")]


def test_first_sync_mirrors_every_droplet_with_a_discovered_event(simulator, do):
    run = sync(do)

    assert run.status == SyncRun.Status.COMPLETED
    mirrored = set(CloudResource.objects.values_list("provider_id", flat=True))
    assert mirrored == live_ids(simulator)
    assert run.discovered == len(mirrored) >= 50
    assert CloudResourceEvent.objects.filter(event=EventType.DISCOVERED).count() == len(mirrored)


def test_resources_are_linked_to_their_do_projects(simulator, do):
    sync(do)

    for droplet_id in list(simulator.state.droplet_ids())[:10]:
        raw = simulator.state.droplet(droplet_id)
        resource = CloudResource.objects.get(provider_id=str(droplet_id))
        assert resource.project is not None
        assert resource.name == raw["name"]
        assert resource.size_slug == raw["size_slug"]
    assert CloudResource.objects.filter(project__isnull=True).count() == 0


def test_first_sync_creates_the_platform_project_and_maps_it_to_the_platform_tenant(simulator, do):
    assert not any(p["name"] == PLATFORM_PROJECT_NAME for p in do.list_projects())

    sync(do)

    assert any(p["name"] == PLATFORM_PROJECT_NAME for p in do.list_projects())
    project = CloudProject.objects.get(name=PLATFORM_PROJECT_NAME)
    assert project.tenant.purpose == Tenant.Purpose.INTERNAL


def test_second_sync_changes_nothing(simulator, do):
    sync(do)
    projects_before = list(CloudProject.objects.values_list("provider_id", "tenant_id"))
    events_before = CloudResourceEvent.objects.count()

    run = sync(do)

    assert run.status == SyncRun.Status.COMPLETED
    assert (run.discovered, run.updated, run.restored, run.struck, run.deleted) == (0, 0, 0, 0, 0)
    assert CloudResourceEvent.objects.count() == events_before
    assert list(CloudProject.objects.values_list("provider_id", "tenant_id")) == projects_before
    named = [p for p in do.list_projects() if p["name"] == PLATFORM_PROJECT_NAME]
    assert len(named) == 1


def test_out_of_band_resize_is_an_updated_event(simulator, do):
    sync(do)
    droplet_id = simulator.state.droplet_ids()[0]
    simulator.state.oob_resize(droplet_id, "s-4vcpu-8gb")

    run = sync(do)

    resource = CloudResource.objects.get(provider_id=str(droplet_id))
    assert run.updated == 1
    assert resource.size_slug == "s-4vcpu-8gb"
    update = resource.events.get(event=EventType.UPDATED)
    assert update.changes["size_slug"][1] == "s-4vcpu-8gb"
    assert update.actor == f"sync:droplet#{run.pk}"


def test_project_move_at_do_moves_the_resource(simulator, do):
    sync(do)
    droplet_id = simulator.state.droplet_ids()[0]
    resource = CloudResource.objects.get(provider_id=str(droplet_id))
    target = CloudProject.objects.exclude(pk=resource.project_id).exclude(
        name=PLATFORM_PROJECT_NAME
    )[0]
    simulator.state.oob_move(droplet_id, target.provider_id)

    sync(do)

    resource.refresh_from_db()
    assert resource.project == target
    move = resource.events.get(event=EventType.UPDATED)
    assert move.changes == {"project": [move.changes["project"][0], target.pk]}


def test_three_complete_syncs_without_a_droplet_tombstone_it_exactly_once(simulator, do):
    sync(do)
    gone = simulator.state.droplet_ids()[5]
    simulator.state.oob_delete(gone)

    strikes = []
    for _ in range(4):
        sync(do)
        strikes.append(CloudResource.objects.get(provider_id=str(gone)).stale_strike_count)

    resource = CloudResource.objects.get(provider_id=str(gone))
    assert strikes == [1, 2, 3, 3]
    assert resource.deleted_at is not None
    assert resource.events.filter(event=EventType.DELETED).count() == 1
    assert resource.events.filter(event=EventType.STRUCK).count() == 2
    deleted = resource.events.get(event=EventType.DELETED)
    assert deleted.changes["last_seen_at"][0] == resource.last_seen_at.isoformat()
    assert CloudResource.objects.filter(deleted_at__isnull=False).count() == 1


def test_tombstoned_droplet_seen_again_is_restored(simulator, do):
    sync(do)
    back = simulator.state.droplet_ids()[3]
    CloudResource.objects.filter(provider_id=str(back)).update(
        deleted_at=CloudResource.objects.get(provider_id=str(back)).last_seen_at,
        stale_strike_count=3,
    )

    run = sync(do)

    resource = CloudResource.objects.get(provider_id=str(back))
    assert run.restored == 1
    assert resource.deleted_at is None and resource.stale_strike_count == 0
    assert resource.events.filter(event=EventType.RESTORED).count() == 1


class _FailAfterFirstPage:
    """Delegates to a real client; after the first droplet page, turns the simulator's
    faults on, so the run fails part-way through DO itself."""

    def __init__(self, client, sim, **faults):
        self._client, self._sim, self._faults = client, sim, faults

    def __getattr__(self, name):
        return getattr(self._client, name)

    def iter_pages(self, path, key, **kwargs):
        for number, page in enumerate(self._client.iter_pages(path, key, **kwargs)):
            yield page
            if key == "droplets" and number == 0:
                self._sim.state.set_faults(**self._faults)


@pytest.mark.parametrize(
    "faults", [{"every_nth_500": 1}, {"garbage_every_nth": 1}, {"truncate_every_nth": 1}]
)
def test_sync_that_fails_part_way_strikes_nobody_and_records_the_failure(faults, simulator, do):
    sync(do)
    gone = simulator.state.droplet_ids()[-1]  # on the last page, never reached
    simulator.state.oob_delete(gone)
    simulator.state.oob_add_droplets(200)  # make several pages

    run = sync(_FailAfterFirstPage(do, simulator, **faults))

    assert run.status == SyncRun.Status.FAILED
    assert run.error
    assert run.pages == 1
    assert CloudResource.objects.filter(stale_strike_count__gt=0).count() == 0
    assert not CloudResourceEvent.objects.filter(
        event__in=[EventType.STRUCK, EventType.DELETED]
    ).exists()


class _ShiftWhileReading:
    """Destroys a droplet already read and creates a new one while pages are read, so
    DO's offsets shift under the reader (one droplet slides back onto a page already
    read). Only the first read shifts: the droplet is destroyed once."""

    def __init__(self, client, sim, destroy: int):
        self._client, self._sim, self._destroy = client, sim, destroy
        self._shifted = False

    def __getattr__(self, name):
        return getattr(self._client, name)

    def iter_pages(self, path, key, **kwargs):
        for number, page in enumerate(self._client.iter_pages(path, key, **kwargs)):
            yield page
            first_page = key == "droplets" and not kwargs.get("params") and number == 0
            if first_page and not self._shifted:
                self._shifted = True
                self._sim.state.oob_delete(self._destroy)
                self._sim.state.oob_add_droplets(1)


def test_droplets_created_or_destroyed_mid_read_are_neither_duplicated_nor_struck(simulator, do):
    simulator.state.oob_add_droplets(350)  # 400 droplets: two full pages
    sync(do)
    ids = plain_ids(simulator)
    destroyed = ids[10]  # on the first page, already read when it goes
    slid_back = ids[200]  # first of page 2: shifts onto page 1 and is never listed

    run = sync(_ShiftWhileReading(do, simulator, destroy=destroyed))

    assert run.status == SyncRun.Status.COMPLETED
    assert run.struck == 0
    assert CloudResource.objects.filter(stale_strike_count__gt=0).count() == 0
    assert CloudResource.objects.get(provider_id=str(slid_back)).stale_strike_count == 0
    assert run.discovered == 1  # the droplet created mid-read
    # Every live droplet, and the destroyed one until strikes tombstone it.
    assert CloudResource.objects.count() == len(live_ids(simulator)) + 1 == 401
    assert CloudResourceEvent.objects.filter(event=EventType.DISCOVERED).count() == 401


def test_sync_while_another_of_the_same_kind_runs_is_skipped(simulator, do):
    key = lock_key(sync_lock_name(Kind.DROPLET))
    dsn = "host={HOST} port={PORT} user={USER} dbname={NAME}".format(**connection.settings_dict)
    with psycopg.connect(dsn, autocommit=True) as other:
        other.execute("SELECT pg_advisory_lock(%s)", [key])
        run = sync(do)

    assert run.status == SyncRun.Status.SKIPPED
    assert "running" in run.error
    assert not CloudResource.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_two_syncs_started_together_run_one_at_a_time(simulator):
    simulator.state.set_faults(latency_seconds=0.02)
    runs = []

    def worker():
        try:
            client = make_client(simulator)
            runs.append(sync(client))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    statuses = sorted(run.status for run in runs)
    assert statuses == [SyncRun.Status.COMPLETED, SyncRun.Status.SKIPPED]
    assert CloudResource.objects.count() == len(live_ids(simulator))
    assert CloudResourceEvent.objects.filter(event=EventType.DISCOVERED).count() == len(
        live_ids(simulator)
    )


def test_abandoned_run_is_marked_failed_by_the_next(simulator, do):
    from django.utils import timezone

    orphan = SyncRun.objects.create(kind=Kind.DROPLET, started_at=timezone.now())

    sync(do)

    orphan.refresh_from_db()
    assert orphan.status == SyncRun.Status.FAILED
    assert "Abandoned" in orphan.error


def test_database_refuses_update_and_delete_of_events(simulator, do):
    sync(do)
    event = CloudResourceEvent.objects.first()

    for statement in (
        lambda: CloudResourceEvent.objects.filter(pk=event.pk).update(actor="tamper"),
        lambda: CloudResourceEvent.objects.filter(pk=event.pk).delete(),
    ):
        refused_errors = (InternalError, ProgrammingError, IntegrityError)
        with pytest.raises(refused_errors) as refused, transaction.atomic():
            statement()
        assert "append-only" in str(refused.value)
    event.refresh_from_db()
    assert event.actor != "tamper"


def test_a_failed_sync_is_announced_to_webhook_subscribers(simulator, do):
    from webhooks.models import WebhookDelivery, WebhookEvent
    from webhooks.services import subscribe

    subscribe(url="https://hooks.example.com/a", events=["sync.failed"], tenant=None, actor=None)
    sync(do)
    assert not WebhookEvent.objects.exists()  # a completed sync says nothing
    simulator.state.oob_add_droplets(200)

    run = sync(_FailAfterFirstPage(do, simulator, every_nth_500=1))

    assert run.status == SyncRun.Status.FAILED
    event = WebhookEvent.objects.get()
    assert event.type == "sync.failed" and event.tenant_id is None
    assert (event.payload["id"], event.payload["status"]) == (run.pk, "failed")
    assert event.payload["error"] == run.error
    assert WebhookDelivery.objects.filter(event=event).count() == 1
