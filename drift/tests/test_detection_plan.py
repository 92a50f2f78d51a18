"""Drift detection's set-based reads find their rows by index whatever the statistics say
(issue 13, section 1: "check drift detection's statements for the same trap").

A sweep reads the provisioned specs a batch at a time with their live rows, then the
batch's open drift. On a new install the tables have never been analyzed (or were
analyzed while empty): a plain join may then hash the whole resource table once per
batch, and `resource_id = ANY(...)` may read the whole drift history to filter it, which
makes a sweep quadratic in the account's size. These tests fill the tables with one INSERT
each, take no ANALYZE (or one taken while they were empty) and read the plans.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from django.db import connection

from drift.services.detection import _BATCH_SQL, _OPEN_SQL, BATCH_SIZE
from tests.plans import (
    INDEX_SCANS,
    insert_droplets,
    nodes,
    outline,
    plan,
    provision_every_resource,
)

pytestmark = pytest.mark.django_db

STORED = 50_000
WHOLE_TABLE_READS = {"Seq Scan", "Hash", "Materialize", "Sort"}


@pytest.fixture(params=["never analyzed", "analyzed while empty"])
def large_account(request) -> None:
    """STORED droplets, each provisioned, each with a closed drift, and a few open ones."""
    with connection.cursor() as cursor:
        if request.param == "analyzed while empty":
            cursor.execute(
                "ANALYZE cloud_resources; ANALYZE cloud_provisioned; ANALYZE cloud_drift"
            )
        params = {"t": datetime(2026, 11, 1, tzinfo=UTC), "n": STORED}
        insert_droplets(cursor, STORED, at=params["t"])
        provision_every_resource(cursor, at=params["t"])
        cursor.execute(
            "INSERT INTO cloud_drift (resource_id, provisioned_id, field, expected, actual,"
            " status, detected_at, resolved_at, comment, error, created_at, updated_at)"
            " SELECT resource_id, id, 'size_slug', '\"s-1vcpu-1gb\"', '\"s-2vcpu-2gb\"',"
            " CASE WHEN id %% 100 = 0 THEN 'open' ELSE 'stale' END, %(t)s,"
            " CASE WHEN id %% 100 = 0 THEN NULL ELSE %(t)s END, '', '', %(t)s, %(t)s"
            " FROM cloud_provisioned",
            params,
        )


def reads_by_key(root: dict[str, Any], table: str) -> None:
    """`table` is reached only through index lookups, never read whole (a Seq Scan, or a
    scan feeding a hash, a sort or a materialized copy)."""
    reads = [n for n in nodes(root) if n.get("Relation Name") == table]
    assert reads, f"{table} is not read at all:\n{outline(root)}"
    for node in reads:
        if node["Node Type"] == "Bitmap Heap Scan":
            assert all(c["Node Type"] in INDEX_SCANS for c in node["Plans"]), outline(root)
            continue
        assert node["Node Type"] in INDEX_SCANS, f"{table} is read whole:\n{outline(root)}"
    for node in nodes(root):
        if node["Node Type"] in WHOLE_TABLE_READS - {"Seq Scan"}:
            below = {n.get("Relation Name") for n in nodes(node)}
            assert table not in below, f"{table} feeds a {node['Node Type']}:\n{outline(root)}"


def test_batch_finds_live_rows_by_primary_key(large_account):
    """A batch of specs from the middle of the table joins its live rows one probe each."""
    root = plan(_BATCH_SQL, [STORED // 2, BATCH_SIZE])

    reads_by_key(root, "cloud_resources")
    reads_by_key(root, "cloud_provisioned")


def test_open_drift_of_a_batch_is_read_by_index(large_account):
    """A batch's open drift comes off the partial index of open drift, not out of the
    whole history of closed drift."""
    root = plan(_OPEN_SQL, [list(range(1, BATCH_SIZE + 1))])

    reads_by_key(root, "cloud_drift")
