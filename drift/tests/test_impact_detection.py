"""Detection and `price_drift` store what a drift costs a month (DESIGN.md, "Cost of
drift"), reading the price book once per sweep or run."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from io import StringIO
from typing import Any, cast

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from drift.models import Drift
from drift.services import impact as impact_module
from drift.services.detection import QUERIES_PER_BATCH, detect_drift
from drift.services.impact import QUERIES_PER_REPRICE_BATCH, reprice_open_drift
from drift.services.suppressions import suppress
from drift.tests.conftest import open_drift, provision, set_live
from tests.factories import CloudResourceFactory, DriftFactory, PlatformAdminFactory, PriceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def sizes() -> None:
    for slug, hourly, monthly in (
        ("s-1vcpu-1gb", "0.00893", "6.00"),
        ("s-2vcpu-4gb", "0.03571", "24.00"),
        ("s-4vcpu-8gb", "0.07143", "48.00"),
    ):
        PriceFactory(size_slug=slug, price_hourly=Decimal(hourly), price_monthly=Decimal(monthly))


def only_drift(resource: Any) -> Drift:
    [drift] = open_drift(resource)
    return drift


def test_detection_stores_the_impact_of_a_new_drift():
    droplet = CloudResourceFactory(size_slug="s-4vcpu-8gb")
    provision(droplet, size_slug="s-1vcpu-1gb")

    detect_drift()

    drift = only_drift(droplet)
    assert (drift.monthly_impact, drift.impact_currency) == (Decimal("42.00"), "USD")


def test_detection_reprices_a_drift_whose_live_value_changed():
    droplet = CloudResourceFactory(size_slug="s-4vcpu-8gb")
    provision(droplet, size_slug="s-1vcpu-1gb")
    detect_drift()
    set_live(droplet, size_slug="s-2vcpu-4gb")

    outcome = detect_drift()

    assert outcome.refreshed == 1
    assert only_drift(droplet).monthly_impact == Decimal("18.00")


def test_detection_stores_zero_for_a_name_and_null_for_an_unknown_size():
    renamed = CloudResourceFactory(name="web-renamed")
    provision(renamed, name="web-1")
    unknown = CloudResourceFactory(size_slug="s-96vcpu-unknown")
    provision(unknown, size_slug="s-1vcpu-1gb")

    detect_drift()

    assert only_drift(renamed).monthly_impact == Decimal("0.00")
    assert only_drift(unknown).monthly_impact is None


def test_a_sweep_with_nothing_to_write_reads_no_price_book():
    droplet = CloudResourceFactory(size_slug="s-4vcpu-8gb")
    provision(droplet, size_slug="s-1vcpu-1gb")
    detect_drift()

    with CaptureQueriesContext(connection) as captured:
        detect_drift()

    assert not [q for q in captured.captured_queries if "billing_prices" in q["sql"]]


@pytest.mark.parametrize("size", [3, 60])
def test_a_sweep_reads_the_price_book_once_whatever_the_number_of_drifts(size):
    resources = [CloudResourceFactory(size_slug="s-4vcpu-8gb") for _ in range(size)]
    for resource in resources:
        provision(resource, size_slug="s-1vcpu-1gb")

    with CaptureQueriesContext(connection) as captured:
        outcome = detect_drift(batch_size=size)

    queries = [q["sql"] for q in captured.captured_queries if "SAVEPOINT" not in q["sql"]]
    assert outcome.opened == size
    assert len([q for q in queries if "billing_prices" in q]) == 1
    assert len(queries) <= QUERIES_PER_BATCH
    assert set(Drift.objects.values_list("monthly_impact", flat=True)) == {Decimal("42.00")}


def test_price_drift_fills_open_drift_opened_before_impacts_existed():
    drift = _drift("s-2vcpu-4gb")
    assert drift.monthly_impact is None
    out = StringIO()

    call_command("price_drift", stdout=out)

    drift.refresh_from_db()
    assert drift.monthly_impact == Decimal("18.00")
    assert "priced 1 unresolved drift: 1 changed, 0 unpriced" in out.getvalue()


def test_price_drift_reprices_after_the_book_changed_and_leaves_resolved_drift():
    open_one = _drift("s-2vcpu-4gb", monthly_impact=Decimal("1.00"))
    resolved = _drift(
        "s-2vcpu-4gb", monthly_impact=Decimal("1.00"), status="stale", resolved_at=timezone.now()
    )

    outcome = reprice_open_drift()

    open_one.refresh_from_db()
    resolved.refresh_from_db()
    assert (outcome.seen, outcome.changed) == (1, 1)
    assert open_one.monthly_impact == Decimal("18.00")
    assert resolved.monthly_impact == Decimal("1.00")


def test_price_drift_unpriced_only_touches_drift_without_an_impact():
    kept = _drift("s-2vcpu-4gb", monthly_impact=Decimal("1.00"))
    missing = _drift("s-4vcpu-8gb")

    outcome = reprice_open_drift(only_unpriced=True)

    kept.refresh_from_db()
    missing.refresh_from_db()
    assert outcome.seen == 1
    assert (kept.monthly_impact, missing.monthly_impact) == (Decimal("1.00"), Decimal("42.00"))


def test_a_second_price_drift_changes_nothing():
    _drift("s-2vcpu-4gb")
    reprice_open_drift()

    assert reprice_open_drift().changed == 0


@pytest.mark.parametrize("count", [3, 30])
def test_price_drift_costs_the_same_queries_whatever_the_number_of_drifts(count):
    for _ in range(count):
        _drift("s-4vcpu-8gb")

    with CaptureQueriesContext(connection) as captured:
        outcome = reprice_open_drift(batch_size=1000)

    queries = [q["sql"] for q in captured.captured_queries if "SAVEPOINT" not in q["sql"]]
    assert outcome.changed == count
    # The book once, then one read and one update for the one batch.
    assert len(queries) == 1 + QUERIES_PER_REPRICE_BATCH


def _drift(live_size: str, **kwargs: Any) -> Drift:
    resource = CloudResourceFactory(size_slug=live_size)
    drift = DriftFactory(
        resource=resource,
        provisioned__resource=resource,
        expected="s-1vcpu-1gb",
        actual=live_size,
        **kwargs,
    )
    return cast(Drift, drift)


def test_a_sweep_of_only_unknown_sizes_opens_them_unpriced():
    unknown = CloudResourceFactory(size_slug="s-96vcpu-unknown")
    provision(unknown, size_slug="s-1vcpu-1gb")

    detect_drift()
    outcome = reprice_open_drift()

    assert only_drift(unknown).monthly_impact is None
    assert (outcome.seen, outcome.changed, outcome.unpriced) == (1, 0, 1)


def test_repricing_prices_suppressed_drift_too_and_leaves_a_drift_refreshed_meanwhile():
    held = _drift("s-2vcpu-4gb", monthly_impact=Decimal("1.00"))
    suppress(
        field="size_slug",
        reason="known",
        actor=PlatformAdminFactory(),
        resource=held.resource,
        expires_at=timezone.now() + timedelta(days=7),
    )
    refreshed = _drift("s-2vcpu-4gb", monthly_impact=Decimal("1.00"))
    real_update = impact_module._UPDATE_SQL
    # A sweep refreshes `refreshed` between the reprice's read and its write.
    monkey = (
        "UPDATE cloud_drift SET updated_at = now() + interval '1 second' "
        f"WHERE id = {refreshed.pk}; "
    )

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(impact_module, "_UPDATE_SQL", monkey + real_update)
        reprice_open_drift()

    held.refresh_from_db()
    refreshed.refresh_from_db()
    assert held.status == "suppressed"
    assert held.monthly_impact == Decimal("18.00")
    assert refreshed.monthly_impact == Decimal("1.00")
