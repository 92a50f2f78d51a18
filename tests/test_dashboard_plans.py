"""The dashboard's drift-per-day counts read only the window's drift by index, never the
whole drift history: an account that has resolved 40,000 drifts over a year still reads
only the last 30 days' few to draw the chart."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection

from console.dashboard import closed_per_day, opened_per_day
from tests.plans import (
    INDEX_SCANS,
    insert_droplets,
    nodes,
    outline,
    plan,
    provision_every_resource,
)

pytestmark = pytest.mark.django_db

HISTORY = 40_000
NOW = datetime(2026, 12, 1, tzinfo=UTC)


@pytest.fixture
def a_year_of_drift() -> None:
    """HISTORY drifts detected and resolved over the year before the window, plus 20 in it
    and 20 open ones; analyzed, as autovacuum leaves a table that size."""
    with connection.cursor() as cursor:
        params = {"t": NOW - timedelta(days=365), "n": HISTORY}
        insert_droplets(cursor, HISTORY + 40, at=params["t"])
        provision_every_resource(cursor, at=params["t"])
        # Row i: resolved within the year before the window for i <= HISTORY, then 20
        # resolved in the window and 20 open.
        cursor.execute(
            "INSERT INTO cloud_drift (resource_id, provisioned_id, field, expected, actual,"
            " status, detected_at, resolved_at, comment, error, created_at, updated_at)"
            " SELECT resource_id, id, 'size_slug', '\"s-1vcpu-1gb\"', '\"s-2vcpu-2gb\"',"
            "   CASE WHEN n > %(n)s + 20 THEN 'open' ELSE 'stale' END, at, "
            "   CASE WHEN n > %(n)s + 20 THEN NULL ELSE at + interval '1 hour' END,"
            "   '', '', at, at"
            " FROM (SELECT id, resource_id, row_number() OVER (ORDER BY id) AS n,"
            "         CASE WHEN row_number() OVER (ORDER BY id) <= %(n)s"
            "              THEN %(t)s + (row_number() OVER (ORDER BY id))"
            "                   * interval '1 second' * (330 * 86400 / %(n)s)"
            "              ELSE %(now)s - interval '2 days' END AS at"
            "       FROM cloud_provisioned) AS p",
            {**params, "now": NOW},
        )
        cursor.execute("ANALYZE cloud_drift")


def read_by_index(queryset) -> dict:
    sql, params = queryset.query.sql_with_params()
    root = plan(sql, params)
    reads = [n for n in nodes(root) if n.get("Relation Name") == "cloud_drift"]
    assert reads, outline(root)
    for node in reads:
        scans = [node] if node["Node Type"] != "Bitmap Heap Scan" else node["Plans"]
        assert all(s["Node Type"] in INDEX_SCANS for s in scans), outline(root)
    return root


def test_drift_closed_per_day_reads_the_window_by_the_resolved_at_index(a_year_of_drift):
    root = read_by_index(closed_per_day(NOW - timedelta(days=30)))

    assert "cloud_drift_resolved" in outline(root)
    assert sum(n for _, n in closed_per_day(NOW - timedelta(days=30))) == 20


def test_drift_opened_per_day_reads_the_window_by_the_detected_at_index(a_year_of_drift):
    read_by_index(opened_per_day(NOW - timedelta(days=30)))

    assert sum(n for _, n in opened_per_day(NOW - timedelta(days=30))) == 40
