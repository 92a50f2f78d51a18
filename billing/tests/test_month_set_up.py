"""The month's set-up, one for generation and reconciliation (billing/services/month.py)."""

from __future__ import annotations

import pytest
from django.db import connection, transaction

from arcadia.errors import InvalidInput
from arcadia.locks import lock_key
from billing.models import UsageSegment
from billing.services.month import prepare_month
from billing.services.segments import month_lock_name
from billing.tests.conftest import Droplet, at, month

pytestmark = pytest.mark.django_db


def _droplet(project, size: str = "s-1vcpu-1gb") -> Droplet:
    return Droplet(
        project=project,
        size=size,
        created=at("2024-06-01 00:00"),
        discovered=at("2024-06-01 00:00"),
        seen_until=at("2026-11-20 00:00"),
    )


def _holds(name: str) -> bool:
    key = lock_key(name)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'"
            " AND pid = pg_backend_pid() AND objid = (%s::bigint & 4294967295)::oid"
            " AND classid = ((%s::bigint >> 32) & 4294967295)::oid",
            [key, key],
        )
        return cursor.fetchone()[0] == 1


def test_prepare_month_locks_the_month_writes_its_segments_and_loads_its_prices(prices, project):
    _droplet(project)
    with transaction.atomic():
        prepared = prepare_month(
            month("2026-03"), prices_needed=lambda usage: {(s, "USD") for _, s in usage}
        )
        assert _holds(month_lock_name(month("2026-03")))
    assert prepared.plan.to_insert == UsageSegment.objects.count() == 1
    assert prepared.book.get("s-1vcpu-1gb", "USD") == prices["s-1vcpu-1gb"]


def test_prepare_month_writes_no_segment_when_a_needed_price_is_missing(prices, project):
    _droplet(project, size="gpu-h100x1-80gb")
    with pytest.raises(InvalidInput, match=r"gpu-h100x1-80gb \(EUR\)"), transaction.atomic():
        prepare_month(month("2026-03"), prices_needed=lambda usage: {(s, "EUR") for _, s in usage})
    assert UsageSegment.objects.count() == 0
