"""Reverting drift through sagas (DESIGN.md, "Revert"): resize for `size_slug`, tag and
untag for `tags`, rename for `name`; the drift closes `reverted` when the saga succeeds and
stays open with the saga's error when it fails; while the saga runs the drift can be
neither accepted nor closed by detection."""

from __future__ import annotations

from importlib import import_module
from types import SimpleNamespace
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from arcadia.errors import Conflict, InvalidInput, NotFound
from drift.models import Drift, DriftStatus
from drift.services.accept import accept_drift
from drift.services.detection import detect_drift
from drift.services.provisioned import record_provisioned
from drift.services.reverting import RevertInProgress, record_revert_failure, settle_revert
from inventory.models import CloudResource, CloudResourceEvent, EventType
from provisioning.models import SagaRun
from provisioning.revert import revert_drift
from provisioning.sagas import revert as revert_sagas
from provisioning.tests.conftest import drive, mirror
from tests.factories import DriftFactory, PlatformAdminFactory, SagaRunFactory

pytestmark = pytest.mark.django_db

SPEC_SIZE = "s-1vcpu-2gb"
DRIFTED_SIZE = "s-2vcpu-4gb"


@pytest.fixture
def operator():
    return PlatformAdminFactory()


def drifted(sim, droplet: CloudResource, field: str) -> Drift:
    """Record the droplet's spec, change it behind our back at DO, sync, detect."""
    droplet_id = int(droplet.provider_id)
    spec = {"size_slug": droplet.size_slug, "name": droplet.name, "tags": sorted(droplet.tags)}
    record_provisioned(droplet, spec, actor="test")
    if field == "size_slug":
        sim.state.oob_power(droplet_id, on=False)
        sim.state.oob_resize(droplet_id, DRIFTED_SIZE)
        sim.state.oob_power(droplet_id, on=True)
    elif field == "name":
        sim.state.oob_rename(droplet_id, "renamed-by-hand")
    else:
        sim.state.oob_retag(droplet_id, [*droplet.tags[:1], "added-by-hand"])
    mirror(sim, droplet_id)
    detect_drift()
    return Drift.objects.get(resource=droplet, field=field, status=DriftStatus.OPEN)


@pytest.fixture
def small_droplet(sim) -> CloudResource:
    droplet_id = sim.state.droplet_ids()[0]
    sim.state.oob_power(droplet_id, on=False)
    sim.state.oob_resize(droplet_id, SPEC_SIZE, disk=True)
    sim.state.oob_power(droplet_id, on=True)
    return mirror(sim, droplet_id)


def test_reverting_size_slug_resizes_the_droplet_back_and_closes_the_drift(
    sim, small_droplet, operator
):
    drift = drifted(sim, small_droplet, "size_slug")

    started = revert_drift(drift.pk, actor=operator)
    run = drive(started.run)

    assert run.saga == "resize_droplet" and run.status == "succeeded"
    assert sim.state.droplet(int(small_droplet.provider_id))["size_slug"] == SPEC_SIZE
    drift.refresh_from_db()
    assert drift.status == DriftStatus.REVERTED
    assert drift.resolved_by == operator and drift.resolved_at is not None
    event = CloudResourceEvent.objects.get(resource=small_droplet, event=EventType.DRIFT_REVERTED)
    assert event.changes == {"size_slug": [DRIFTED_SIZE, SPEC_SIZE]}
    assert event.actor == f"saga:{run.pk}"


def test_a_revert_never_rewrites_the_spec(sim, small_droplet, operator):
    drift = drifted(sim, small_droplet, "size_slug")
    version = drift.provisioned.spec_version

    drive(revert_drift(drift.pk, actor=operator).run)

    drift.provisioned.refresh_from_db()
    assert drift.provisioned.spec_version == version


def test_reverting_tags_tags_and_untags(sim, droplet, operator):
    wanted = sorted(droplet.tags)
    drift = drifted(sim, droplet, "tags")

    run = drive(revert_drift(drift.pk, actor=operator).run)

    assert run.saga == "retag_droplet" and run.status == "succeeded"
    assert sorted(sim.state.droplet(int(droplet.provider_id))["tags"]) == wanted
    assert run.steps.get(name="retag").result["removed"] == ["added-by-hand"]
    drift.refresh_from_db()
    assert drift.status == DriftStatus.REVERTED


def test_reverting_name_renames(sim, droplet, operator):
    drift = drifted(sim, droplet, "name")

    run = drive(revert_drift(drift.pk, actor=operator).run)

    assert run.saga == "rename_droplet" and run.status == "succeeded"
    assert sim.state.droplet(int(droplet.provider_id))["name"] == droplet.name
    drift.refresh_from_db()
    assert drift.status == DriftStatus.REVERTED


def test_two_reverts_of_one_drift_start_one_saga(sim, small_droplet, operator):
    drift = drifted(sim, small_droplet, "size_slug")

    first = revert_drift(drift.pk, actor=operator)
    second = revert_drift(drift.pk, actor=operator)

    assert first.created and not second.created
    assert second.run.pk == first.run.pk
    assert SagaRun.objects.filter(drift=drift).count() == 1


def test_a_failed_revert_leaves_the_drift_open_with_the_sagas_error(sim, droplet, operator):
    drift = drifted(sim, droplet, "name")
    sim.state.fail_next_action(int(droplet.provider_id))

    run = drive(revert_drift(drift.pk, actor=operator).run)

    assert run.status == "compensated"
    drift.refresh_from_db()
    assert drift.status == DriftStatus.OPEN
    assert drift.error == run.last_error and "ActionErrored" in drift.error


def test_after_a_failed_revert_a_new_one_may_start(sim, droplet, operator):
    drift = drifted(sim, droplet, "name")
    sim.state.fail_next_action(int(droplet.provider_id))
    failed = drive(revert_drift(drift.pk, actor=operator).run)

    retry = revert_drift(drift.pk, actor=operator)
    run = drive(retry.run)

    assert retry.created and run.pk != failed.pk and run.status == "succeeded"
    drift.refresh_from_db()
    assert drift.status == DriftStatus.REVERTED and drift.error == ""


def test_a_field_that_cannot_be_reverted_is_refused(operator):
    drift = DriftFactory(field="region", expected="nyc3", actual="sfo3")

    with pytest.raises(InvalidInput, match="cannot be reverted"):
        revert_drift(drift.pk, actor=operator)
    assert not SagaRun.objects.exists()


def test_a_drift_that_is_not_open_is_refused(operator):
    drift = DriftFactory()
    accept_drift(drift.pk, actor=operator)

    with pytest.raises(Conflict, match="not open"):
        revert_drift(drift.pk, actor=operator)


def test_an_unknown_drift_is_not_found(operator):
    with pytest.raises(NotFound):
        revert_drift(999_999, actor=operator)


def test_a_revert_waits_its_turn_behind_another_saga_on_the_droplet(sim, small_droplet, operator):
    drift = drifted(sim, small_droplet, "size_slug")
    SagaRunFactory(resource=small_droplet)  # e.g. an operator's resize, still running

    with pytest.raises(Conflict, match="already has a live saga"):
        revert_drift(drift.pk, actor=operator)


def test_starting_a_revert_marks_the_drift_as_reverting(operator):
    drift = DriftFactory()

    revert_drift(drift.pk, actor=operator)

    drift.refresh_from_db()
    assert drift.revert_running and drift.status == DriftStatus.OPEN


def test_accept_is_refused_while_the_drifts_revert_saga_runs(operator):
    drift = DriftFactory()
    spec = dict(drift.provisioned.spec)
    revert_drift(drift.pk, actor=operator)

    with pytest.raises(RevertInProgress, match="revert saga"):
        accept_drift(drift.pk, actor=operator)

    drift.refresh_from_db()
    assert drift.status == DriftStatus.OPEN
    assert drift.provisioned.spec == spec and drift.provisioned.spec_version == 1
    assert not CloudResourceEvent.objects.filter(event=EventType.DRIFT_ACCEPTED).exists()


def test_detection_leaves_a_drift_open_while_its_revert_runs_even_if_the_value_matches(operator):
    drift = DriftFactory(expected="s-1vcpu-1gb", actual="s-2vcpu-4gb")  # the droplet matches
    revert_drift(drift.pk, actor=operator)

    outcome = detect_drift()

    drift.refresh_from_db()
    assert drift.status == DriftStatus.OPEN and outcome.closed == 0
    assert not CloudResourceEvent.objects.filter(
        resource=drift.resource, event__in=[EventType.DRIFT_STALE, EventType.DRIFT_REVERTED]
    ).exists()


def test_detection_closes_a_matching_drift_stale_once_its_revert_has_ended(operator):
    drift = DriftFactory(expected="s-1vcpu-1gb", actual="s-2vcpu-4gb")  # the droplet matches
    revert_drift(drift.pk, actor=operator)
    record_revert_failure(drift.pk, error="resize: boom")

    detect_drift()

    drift.refresh_from_db()
    assert drift.status == DriftStatus.STALE and not drift.revert_running
    assert CloudResourceEvent.objects.filter(
        resource=drift.resource, event=EventType.DRIFT_STALE
    ).exists()


def test_a_value_seen_back_mid_revert_is_closed_reverted_by_the_saga_not_stale(
    sim, droplet, operator, monkeypatch
):
    drift = drifted(sim, droplet, "name")
    seen_mid_revert: list[str] = []

    def detection_first(drift_id: int, **kwargs: Any) -> str:
        # A sync and a detection land after DO renamed the droplet, before the saga settles.
        mirror(sim, int(droplet.provider_id))
        detect_drift()
        seen_mid_revert.append(Drift.objects.get(pk=drift_id).status)
        return settle_revert(drift_id, **kwargs)

    monkeypatch.setattr(revert_sagas, "settle_revert", detection_first)

    run = drive(revert_drift(drift.pk, actor=operator).run)

    assert run.status == "succeeded" and seen_mid_revert == [DriftStatus.OPEN]
    drift.refresh_from_db()
    assert drift.status == DriftStatus.REVERTED and not drift.revert_running
    events = CloudResourceEvent.objects.filter(resource=droplet)
    assert events.filter(event=EventType.DRIFT_REVERTED).count() == 1
    assert not events.filter(event=EventType.DRIFT_STALE).exists()


def test_after_the_revert_saga_fails_accept_works_again(sim, droplet, operator):
    drift = drifted(sim, droplet, "name")
    sim.state.fail_next_action(int(droplet.provider_id))
    run = drive(revert_drift(drift.pk, actor=operator).run)
    assert run.status == "compensated"

    accepted = accept_drift(drift.pk, actor=operator)

    assert accepted.status == DriftStatus.ACCEPTED and not accepted.revert_running
    assert accepted.provisioned.spec["name"] == "renamed-by-hand"


def test_the_migration_marks_open_drift_whose_revert_saga_is_live():
    backfill = import_module("drift.migrations.0003_revert_started_at").backfill
    live = DriftFactory()
    run = SagaRunFactory(resource=live.resource, drift=live, status="waiting")
    ended = DriftFactory()
    SagaRunFactory(
        resource=ended.resource, drift=ended, status="compensated", finished_at=timezone.now()
    )
    never = DriftFactory()

    backfill(None, SimpleNamespace(connection=connection))

    assert Drift.objects.get(pk=live.pk).revert_started_at == run.created_at
    assert Drift.objects.get(pk=ended.pk).revert_started_at is None
    assert Drift.objects.get(pk=never.pk).revert_started_at is None
