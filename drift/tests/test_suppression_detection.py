"""Detection and suppressions (drift.services.detection, drift.suppression_match): new drift
a suppression matches is inserted suppressed, open drift becomes suppressed at the sweep,
drift whose suppression expired reopens, and all of it set-based."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from drift.models import Drift, DriftStatus, DriftSuppression
from drift.services.accept import accept_drift
from drift.services.detection import QUERIES_PER_BATCH, detect_drift
from drift.services.reverting import begin_revert, record_revert_failure
from drift.suppression_match import ActiveSuppressions
from drift.tests.conftest import drift_events, provision, set_live
from drift.tests.suppressions import drifted, status_of, suppression
from inventory.models import EventType
from tests.factories import CloudResourceFactory, PlatformAdminFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin():
    return PlatformAdminFactory()


def behind_the_services_back(admin, **values: Any) -> DriftSuppression:
    """A suppression the services did not apply: only a sweep can."""
    return DriftSuppression.objects.create(
        **{
            "field": "size_slug",
            "reason": "test",
            "permanent": True,
            "owner": admin,
            "created_by": admin,
            "created_at": timezone.now(),
            **values,
        }
    )


def test_new_drift_a_suppression_matches_is_inserted_suppressed(admin):
    held = suppression(admin, kind="droplet")
    droplet = CloudResourceFactory(size_slug="s-2vcpu-4gb")
    provision(droplet, size_slug="s-1vcpu-1gb")

    outcome = detect_drift()

    drift = Drift.objects.get(resource=droplet)
    assert (drift.status, drift.suppression_id) == (DriftStatus.SUPPRESSED, held.pk)
    assert (outcome.opened, outcome.suppressed) == (1, 1)
    # Detected all the same: the timeline says so.
    assert [e.event for e in drift_events(droplet)] == [EventType.DRIFT_DETECTED]


def test_open_drift_becomes_suppressed_at_the_next_sweep(admin):
    drift = drifted()
    held = behind_the_services_back(admin, kind="droplet")

    outcome = detect_drift()

    assert outcome.suppressed == 1
    assert status_of(drift) == (DriftStatus.SUPPRESSED, held.pk)
    assert detect_drift().suppressed == 0  # and nothing to do the sweep after


def test_a_suppressed_drift_is_refreshed_and_stays_suppressed(admin):
    drift = drifted()
    suppression(admin, kind="droplet")
    set_live(drift.resource, size_slug="s-8vcpu-16gb")

    outcome = detect_drift()

    drift.refresh_from_db()
    assert outcome.refreshed == 1 and outcome.opened == 0
    assert (drift.status, drift.actual) == (DriftStatus.SUPPRESSED, "s-8vcpu-16gb")


def test_expired_drift_moves_to_another_suppression_that_still_matches(admin):
    drift = drifted(tags=["sale"])
    first = suppression(admin, resource=drift.resource)
    second = behind_the_services_back(admin, tag="sale")
    DriftSuppression.objects.filter(pk=first.pk).update(
        permanent=False, expires_at=timezone.now() - timedelta(seconds=1)
    )

    detect_drift()

    assert status_of(drift) == (DriftStatus.SUPPRESSED, second.pk)


def test_a_drift_whose_revert_runs_stays_open_until_the_saga_ends(admin):
    drift = drifted()
    begin_revert(drift.pk, at=timezone.now())
    behind_the_services_back(admin, kind="droplet")

    detect_drift()
    assert status_of(drift) == (DriftStatus.OPEN, None)

    record_revert_failure(drift.pk, error="DO said no")
    detect_drift()
    assert status_of(drift)[0] == DriftStatus.SUPPRESSED


def test_a_suppressed_drift_cannot_be_accepted(admin):
    from arcadia.errors import Conflict

    drift = drifted()
    suppression(admin, kind="droplet")

    with pytest.raises(Conflict):
        accept_drift(drift.pk, actor=admin)


def test_a_batch_with_suppressions_costs_the_same_few_queries(admin):
    resources = [CloudResourceFactory(size_slug="s-2vcpu-4gb", tags=["web"]) for _ in range(30)]
    for resource in resources:
        provision(resource, size_slug="s-1vcpu-1gb", region="nyc3")
    detect_drift()
    for resource in resources[:10]:
        behind_the_services_back(admin, resource=resource)
    behind_the_services_back(admin, tag="web", field="region")
    set_live(resources, region="ams3")  # new drift on region: inserted suppressed

    with CaptureQueriesContext(connection) as captured:
        outcome = detect_drift()

    assert (outcome.opened, outcome.suppressed) == (30, 40)
    queries = [q["sql"] for q in captured.captured_queries if "SAVEPOINT" not in q["sql"]]
    assert len(queries) <= QUERIES_PER_BATCH


def test_matching_prefers_resource_then_kind_then_tag_then_the_oldest():
    active = ActiveSuppressions.of(
        [(5, None, "", "web", "size_slug"), (4, None, "", "db", "size_slug")]
    )
    assert active.match(resource_id=1, kind="droplet", tags=["web", "db"], name="size_slug") == 4
    active = ActiveSuppressions.of(
        [(1, None, "", "web", "size_slug"), (2, None, "droplet", "", "size_slug")]
    )
    assert active.match(resource_id=1, kind="droplet", tags=["web"], name="size_slug") == 2
    active = ActiveSuppressions.of(
        [(2, None, "droplet", "", "size_slug"), (3, 1, "", "", "size_slug")]
    )
    assert active.match(resource_id=1, kind="droplet", tags=[], name="size_slug") == 3
    assert active.match(resource_id=1, kind="droplet", tags=[], name="region") is None
