"""Detection, rule by rule (DESIGN.md, "Detection"), on real Postgres."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from drift.models import Drift, DriftStatus, DriftSuppression, Provisioned
from drift.services.accept import accept_drift
from drift.services.detection import QUERIES_PER_BATCH, QUERIES_PER_SWEEP, detect_drift
from drift.services.reverting import begin_revert, record_revert_failure
from drift.tests.conftest import drift_events, open_drift, provision, set_live
from inventory.models import CloudResourceEvent, EventType
from tests.factories import CloudResourceFactory, PlatformAdminFactory

pytestmark = pytest.mark.django_db

TOMBSTONED_AT = datetime(2026, 3, 1, 12, tzinfo=UTC)


def test_the_whole_story_detect_accept_detect_again(droplet):
    """A wrong size and a right region: one drift, on size_slug, one event; accept makes
    the spec the live value and closes it; detection again finds nothing."""
    provision(droplet, size_slug="s-1vcpu-1gb", region="nyc3")

    first = detect_drift()

    [drift] = open_drift(droplet)
    assert (first.opened, first.refreshed, first.closed) == (1, 0, 0)
    assert (drift.field, drift.expected, drift.actual) == (
        "size_slug",
        "s-1vcpu-1gb",
        "s-2vcpu-4gb",
    )
    [detected] = drift_events(droplet)
    assert detected.event == EventType.DRIFT_DETECTED
    assert detected.changes == {"size_slug": ["s-1vcpu-1gb", "s-2vcpu-4gb"]}

    accept_drift(drift.pk, actor=PlatformAdminFactory())

    provisioned = Provisioned.objects.get(resource=droplet)
    assert provisioned.spec == {"size_slug": "s-2vcpu-4gb", "region": "nyc3"}
    assert Drift.objects.get(pk=drift.pk).status == DriftStatus.ACCEPTED

    again = detect_drift()

    assert (again.opened, again.refreshed, again.closed) == (0, 0, 0)
    assert open_drift(droplet) == []


def test_matching_fields_open_nothing(droplet):
    provision(droplet, size_slug="s-2vcpu-4gb", region="nyc3", tags=["web"])

    outcome = detect_drift()

    assert outcome.opened == 0
    assert drift_events(droplet) == []


def test_repeated_detection_writes_no_duplicate_rows_or_events(droplet):
    provision(droplet, size_slug="s-1vcpu-1gb", name="api-1")

    detect_drift()
    second = detect_drift()
    third = detect_drift()

    assert (second.opened, second.refreshed, second.closed) == (0, 0, 0)
    assert (third.opened, third.refreshed, third.closed) == (0, 0, 0)
    assert Drift.objects.count() == 2
    assert len(drift_events(droplet, EventType.DRIFT_DETECTED)) == 2


def test_an_open_drift_whose_live_value_changed_gets_its_actual_refreshed(droplet):
    provision(droplet, size_slug="s-1vcpu-1gb")
    detect_drift()
    [drift] = open_drift(droplet)
    set_live(droplet, size_slug="s-4vcpu-8gb")

    outcome = detect_drift()

    [refreshed] = open_drift(droplet)
    assert outcome.refreshed == 1 and outcome.opened == 0
    assert refreshed.pk == drift.pk
    assert refreshed.actual == "s-4vcpu-8gb"
    assert refreshed.detected_at == drift.detected_at
    assert len(drift_events(droplet)) == 1  # still the one drift_detected


def test_a_changed_spec_refreshes_the_expected_value_of_an_open_drift(droplet):
    provision(droplet, size_slug="s-1vcpu-1gb")
    detect_drift()
    provision(droplet, size_slug="s-8vcpu-16gb")

    outcome = detect_drift()

    [drift] = open_drift(droplet)
    assert outcome.refreshed == 1
    assert drift.expected == "s-8vcpu-16gb"


def test_a_loosely_equal_change_is_not_a_refresh(droplet):
    set_live(droplet, tags=["web", "prod"])
    provision(droplet, tags=["db"])
    detect_drift()
    set_live(droplet, tags=["prod", "web"])

    outcome = detect_drift()

    assert outcome.refreshed == 0


def test_a_field_that_matches_again_closes_stale(droplet):
    provision(droplet, size_slug="s-1vcpu-1gb")
    detect_drift()
    set_live(droplet, size_slug="s-1vcpu-1gb")

    outcome = detect_drift()

    drift = Drift.objects.get(resource=droplet)
    assert outcome.closed == 1
    assert drift.status == DriftStatus.STALE
    assert drift.resolved_at is not None and drift.resolved_by is None
    [stale] = drift_events(droplet, EventType.DRIFT_STALE)
    assert stale.changes == {"size_slug": ["s-2vcpu-4gb", "s-1vcpu-1gb"]}


def test_a_field_that_left_the_spec_closes_stale(droplet):
    provision(droplet, size_slug="s-1vcpu-1gb", region="nyc3")
    detect_drift()
    provision(droplet, region="nyc3")

    outcome = detect_drift()

    assert outcome.closed == 1
    assert Drift.objects.get(resource=droplet).status == DriftStatus.STALE


@pytest.mark.parametrize("spec_change", ["matches again", "left the spec"])
def test_a_drift_whose_revert_is_running_is_not_closed(droplet, spec_change):
    provision(droplet, size_slug="s-1vcpu-1gb", region="nyc3")
    detect_drift()
    [drift] = open_drift(droplet)
    begin_revert(drift.pk, at=timezone.now())
    if spec_change == "matches again":
        set_live(droplet, size_slug="s-1vcpu-1gb")
    else:
        provision(droplet, region="nyc3")

    outcome = detect_drift()

    assert outcome.closed == 0
    assert Drift.objects.get(pk=drift.pk).status == DriftStatus.OPEN
    assert drift_events(droplet, EventType.DRIFT_STALE) == []
    record_revert_failure(drift.pk, error="resize: boom")  # the saga ends
    assert detect_drift().closed == 1


def test_drift_that_comes_back_after_going_stale_opens_a_new_row(droplet):
    provision(droplet, size_slug="s-1vcpu-1gb")
    detect_drift()
    set_live(droplet, size_slug="s-1vcpu-1gb")
    detect_drift()
    set_live(droplet, size_slug="s-2vcpu-4gb")

    outcome = detect_drift()

    assert outcome.opened == 1
    statuses = sorted(Drift.objects.filter(resource=droplet).values_list("status", flat=True))
    assert statuses == [DriftStatus.OPEN, DriftStatus.STALE]


def test_a_tombstoned_resource_is_drift(droplet):
    provision(droplet, size_slug="s-2vcpu-4gb")
    set_live(droplet, deleted_at=TOMBSTONED_AT)

    outcome = detect_drift()

    [drift] = open_drift(droplet)
    assert outcome.opened == 1
    assert (drift.field, drift.expected, drift.actual) == (
        "deleted_at",
        None,
        "2026-03-01T12:00:00+00:00",
    )
    assert drift_events(droplet)[0].changes == {"deleted_at": [None, "2026-03-01T12:00:00+00:00"]}


def test_a_restored_resource_closes_its_tombstone_drift_stale(droplet):
    provision(droplet, size_slug="s-2vcpu-4gb")
    set_live(droplet, deleted_at=TOMBSTONED_AT)
    detect_drift()
    set_live(droplet, deleted_at=None)

    outcome = detect_drift()

    assert outcome.closed == 1
    assert Drift.objects.get(resource=droplet).status == DriftStatus.STALE


def test_an_accepted_tombstone_is_expected_from_then_on(droplet):
    provision(droplet, size_slug="s-2vcpu-4gb")
    set_live(droplet, deleted_at=TOMBSTONED_AT)
    detect_drift()
    [drift] = open_drift(droplet)

    accept_drift(drift.pk, actor=PlatformAdminFactory())
    outcome = detect_drift()

    assert Provisioned.objects.get(resource=droplet).spec["deleted_at"] == (
        "2026-03-01T12:00:00+00:00"
    )
    assert (outcome.opened, outcome.closed) == (0, 0)


def test_values_resolve_from_columns_then_attrs_with_dotted_paths(droplet):
    provision(droplet, **{"region": "nyc3", "memory": "1024", "image.slug": "debian-12-x64"})

    detect_drift()

    [drift] = open_drift(droplet)
    assert (drift.field, drift.actual) == ("image.slug", "ubuntu-24-04-x64")


def test_a_spec_field_the_resource_lacks_is_drift_with_a_null_actual(droplet):
    provision(droplet, **{"backups": True})

    detect_drift()

    [drift] = open_drift(droplet)
    assert (drift.field, drift.expected, drift.actual) == ("backups", True, None)


def test_a_spec_expecting_null_matches_a_missing_field(droplet):
    provision(droplet, **{"backups": None})

    assert detect_drift().opened == 0


def test_detection_sweeps_every_batch(droplet):
    resources = [CloudResourceFactory(size_slug="s-2vcpu-4gb") for _ in range(7)]
    for resource in resources:
        provision(resource, size_slug="s-1vcpu-1gb")

    outcome = detect_drift(batch_size=3)

    assert outcome.batches == 3
    assert outcome.provisioned == 7
    assert outcome.opened == 7
    assert CloudResourceEvent.objects.filter(event=EventType.DRIFT_DETECTED).count() == 7


@pytest.mark.parametrize("size", [3, 60])
def test_a_batch_costs_a_fixed_number_of_queries_whatever_its_size(size):
    resources = [CloudResourceFactory(size_slug="s-2vcpu-4gb", region="nyc3") for _ in range(size)]
    for resource in resources:
        provision(resource, size_slug="s-1vcpu-1gb", region="ams3", name=resource.name)
    detect_drift()
    # Every kind of write at once: size_slug refreshes, region closes, name opens, and
    # size_slug is suppressed by a suppression made behind the services' back (so it is
    # this sweep that applies it).
    set_live(resources, size_slug="s-4vcpu-8gb", region="ams3", name="renamed")
    DriftSuppression.objects.create(
        kind="droplet",
        field="size_slug",
        reason="test",
        permanent=True,
        owner=(admin := PlatformAdminFactory()),
        created_by=admin,
        created_at=timezone.now(),
    )

    with CaptureQueriesContext(connection) as captured:
        outcome = detect_drift()

    assert (outcome.opened, outcome.refreshed, outcome.closed) == (size, size, size)
    assert outcome.suppressed == size
    # The test's own transaction turns each batch's atomic block into a savepoint pair.
    queries = [q["sql"] for q in captured.captured_queries if "SAVEPOINT" not in q["sql"]]
    # Plus, once a sweep, the check for suppressions whose expiry is due.
    assert len(queries) == QUERIES_PER_SWEEP + QUERIES_PER_BATCH
