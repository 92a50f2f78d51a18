"""Every audit event records what wrote it (issue 16, arcadia.origin): a sync's events
name the sync run that noticed the change, whichever writer (the page statement, the
strike pass) wrote them; an event written outside any run, saga or request names none."""

from __future__ import annotations

import pytest
import structlog
from django.utils import timezone

from inventory.kinds.compute import normalize_droplet
from inventory.models import CloudResource, CloudResourceEvent, EventType, Kind, SyncRun
from inventory.services.chokepoint import upsert_resources
from inventory.services.sync import run_full_sync

pytestmark = pytest.mark.django_db


def sync(do) -> SyncRun:
    run = run_full_sync(Kind.DROPLET, client=do, trigger="test")
    assert run.status == SyncRun.Status.COMPLETED
    return run


def test_a_syncs_events_name_the_run_that_noticed_them(simulator, do):
    first = sync(do)
    renamed = simulator.state.droplet_ids()[0]
    simulator.state.oob_rename(renamed, "renamed-by-hand")
    gone = simulator.state.droplet_ids()[1]
    simulator.state.oob_delete(gone)

    second = sync(do)

    discovered = CloudResourceEvent.objects.filter(event=EventType.DISCOVERED)
    assert discovered.count() > 0
    assert set(discovered.values_list("sync_run_id", flat=True)) == {first.pk}
    updated = CloudResourceEvent.objects.get(
        event=EventType.UPDATED, resource__provider_id=str(renamed)
    )
    struck = CloudResourceEvent.objects.get(event=EventType.STRUCK, resource__provider_id=str(gone))
    assert updated.sync_run_id == second.pk
    assert struck.sync_run_id == second.pk
    for event in (updated, struck):
        assert (event.saga_run_id, event.do_action_id, event.request_id) == (None, None, "")


def test_the_run_is_unbound_once_it_is_over(simulator, do):
    sync(do)
    resource = CloudResource.objects.filter(kind=Kind.DROPLET).first()

    event = CloudResourceEvent.objects.create(
        resource=resource, event=EventType.TAGGED, actor="test", occurred_at=timezone.now()
    )

    assert (event.sync_run_id, event.saga_run_id, event.request_id) == (None, None, "")


def test_a_page_written_under_a_bound_origin_records_all_of_it(simulator, do):
    run = sync(do)
    resource = CloudResource.objects.filter(kind=Kind.DROPLET).order_by("id").first()
    raw = simulator.state.droplet(int(resource.provider_id))
    row = normalize_droplet({**raw, "name": "renamed-in-a-saga"})

    with structlog.contextvars.bound_contextvars(
        request_id="req-page", sync_run_id=run.pk, saga_id=41, do_action_id=7001
    ):
        upsert_resources(Kind.DROPLET, [row], seen_at=timezone.now(), actor="test")

    event = CloudResourceEvent.objects.get(resource=resource, event=EventType.UPDATED)
    assert (event.request_id, event.sync_run_id, event.saga_run_id, event.do_action_id) == (
        "req-page",
        run.pk,
        41,
        7001,
    )


def test_the_run_is_unbound_even_when_its_end_raises(simulator, do, monkeypatch):
    def unreadable(*args, **kwargs):
        raise RuntimeError("listing broke")

    def announcer_down(run):
        raise ConnectionError("outbox unavailable")

    monkeypatch.setattr("inventory.services.sync._read_everything", unreadable)
    monkeypatch.setattr("inventory.services.sync.announce_sync_failed", announcer_down)

    with pytest.raises(ConnectionError):
        run_full_sync(Kind.DROPLET, client=do, trigger="test")

    assert "sync_run_id" not in structlog.contextvars.get_contextvars()
