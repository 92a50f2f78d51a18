"""Detection and accept under real concurrency: threads, each on its own connection,
against committed data (DESIGN.md: at most one open drift per field; an accept is never
applied twice)."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from django.db import transaction
from django.db.models import Count

from arcadia.errors import Conflict
from drift.models import Drift, DriftStatus, Provisioned
from drift.services import detection
from drift.services.accept import accept_drift
from drift.services.detection import detect_drift
from drift.tests.conftest import open_drift, provision, set_live
from inventory.models import CloudResourceEvent, EventType
from tests.concurrency import Worker, run_all
from tests.factories import CloudResourceFactory, PlatformAdminFactory

pytestmark = pytest.mark.django_db(transaction=True)

WAIT = 10.0  # seconds; a thread still blocked after this is a failure, not a hang


def drifted_fleet(count: int) -> list:
    resources = [CloudResourceFactory(size_slug="s-2vcpu-4gb", region="nyc3") for _ in range(count)]
    for resource in resources:
        provision(resource, size_slug="s-1vcpu-1gb", region="ams3")
    return resources


def assert_one_open_drift_and_one_event_per_field(fields_per_resource: int, count: int) -> None:
    per_field = (
        Drift.objects.filter(status=DriftStatus.OPEN)
        .values("resource", "field")
        .annotate(n=Count("id"))
    )
    assert len(per_field) == count * fields_per_resource
    assert {row["n"] for row in per_field} == {1}
    detected = CloudResourceEvent.objects.filter(event=EventType.DRIFT_DETECTED)
    assert detected.count() == count * fields_per_resource


def test_two_detections_at_once_never_break_the_index():
    drifted_fleet(120)

    workers = run_all(*[lambda: detect_drift(batch_size=25)] * 3)

    assert [w.error for w in workers] == [None, None, None]
    assert sum(w.result.opened for w in workers) == 240
    assert_one_open_drift_and_one_event_per_field(2, 120)


def test_the_write_path_is_safe_even_without_the_sweep_lock(monkeypatch):
    """The advisory lock serializes sweeps; without it, ON CONFLICT and the guarded
    updates still keep one open drift and one event per field."""
    drifted_fleet(120)
    monkeypatch.setattr(detection, "xact_lock", lambda name, **kw: None)

    workers = run_all(*[lambda: detect_drift(batch_size=40)] * 3)

    assert [w.error for w in workers] == [None, None, None]
    assert sum(w.result.opened for w in workers) == 240
    assert_one_open_drift_and_one_event_per_field(2, 120)


def test_concurrent_stale_closing_writes_one_event(monkeypatch):
    resources = drifted_fleet(50)
    detect_drift()
    set_live(resources, region="ams3")
    monkeypatch.setattr(detection, "xact_lock", lambda name, **kw: None)

    workers = run_all(*[lambda: detect_drift(batch_size=10)] * 3)

    assert [w.error for w in workers] == [None, None, None]
    assert sum(w.result.closed for w in workers) == 50
    assert CloudResourceEvent.objects.filter(event=EventType.DRIFT_STALE).count() == 50


def test_concurrent_accepts_apply_once():
    [resource] = drifted_fleet(1)
    detect_drift()
    drift = Drift.objects.get(resource=resource, field="size_slug")
    admins = [PlatformAdminFactory() for _ in range(4)]

    workers = run_all(*[lambda a=a: accept_drift(drift.pk, actor=a) for a in admins])

    errors = [w.error for w in workers]
    assert sum(e is None for e in errors) == 1
    assert all(isinstance(e, Conflict) for e in errors if e is not None)
    assert Provisioned.objects.get(resource=resource).spec_version == 2
    assert CloudResourceEvent.objects.filter(event=EventType.DRIFT_ACCEPTED).count() == 1


def test_accept_waits_for_a_detection_batch_and_is_never_undone(monkeypatch):
    [resource] = drifted_fleet(1)
    detect_drift()
    drift = Drift.objects.get(resource=resource, field="size_slug")
    set_live(resource, size_slug="s-4vcpu-8gb")  # detection will refresh the actual
    planning, release = threading.Event(), threading.Event()
    real_plan = detection._plan

    def paused_plan(*args: Any) -> Any:
        planning.set()
        release.wait(WAIT)
        return real_plan(*args)

    monkeypatch.setattr(detection, "_plan", paused_plan)
    sweeper = Worker(detect_drift)
    sweeper.start()
    assert planning.wait(WAIT)
    acceptor = Worker(lambda: accept_drift(drift.pk, actor=PlatformAdminFactory()))
    acceptor.start()
    time.sleep(0.5)

    assert acceptor.is_alive(), "accept must wait for the batch holding the spec"
    release.set()
    sweeper.join(WAIT)
    acceptor.join(WAIT)
    assert (sweeper.error, acceptor.error) == (None, None)
    # Accept ran after the refresh, so it accepted the refreshed live value.
    assert Provisioned.objects.get(resource=resource).spec["size_slug"] == "s-4vcpu-8gb"
    monkeypatch.setattr(detection, "_plan", real_plan)
    assert detect_drift().opened == 0
    assert [d.field for d in open_drift(resource)] == ["region"]


def test_detection_waits_for_an_accept_and_reads_the_new_spec():
    [resource] = drifted_fleet(1)
    detect_drift()
    drift = Drift.objects.get(resource=resource, field="size_slug")
    accepted, release = threading.Event(), threading.Event()

    def accept_and_hold() -> None:
        with transaction.atomic():
            accept_drift(drift.pk, actor=PlatformAdminFactory())
            accepted.set()
            release.wait(WAIT)

    acceptor = Worker(accept_and_hold)
    acceptor.start()
    assert accepted.wait(WAIT)
    sweeper = Worker(detect_drift)
    sweeper.start()
    time.sleep(0.5)

    assert sweeper.is_alive(), "detection must wait for the accept holding the spec"
    release.set()
    acceptor.join(WAIT)
    sweeper.join(WAIT)
    assert (acceptor.error, sweeper.error) == (None, None)
    assert sweeper.result.opened == 0
    assert Drift.objects.get(pk=drift.pk).status == DriftStatus.ACCEPTED
    assert [d.field for d in open_drift(resource)] == ["region"]
