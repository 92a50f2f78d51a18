"""The chokepoint's statements find a page's stored rows by index, whatever the statistics
say (issue 13, section 1).

On a new install's first sync the tables have never been analyzed: the planner expects one
row for any (provider, kind), and a join on them can hash the kind's whole table once per
page, which makes a sync quadratic. These tests fill the tables with one INSERT, take no
ANALYZE (or one taken while the kind was absent, the stale case) and read the plans.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection

from inventory.kinds import ResourceRow
from inventory.kinds.backup_policies import stored_policies_statement
from inventory.models import Kind
from inventory.services.chokepoint import page_statement
from inventory.tests.conftest import droplet_row
from tests.plans import INDEX_SCANS, insert_droplets, nodes, outline, plan

pytestmark = pytest.mark.django_db

STORED = 50_000
NATURAL_KEY = "cloud_resources_natural_key"
LOOKED_UP = {"cloud_resources", "cloud_project_assignments"}


@pytest.fixture(
    params=["never analyzed", "analyzed while empty", "analyzed before the kind existed"]
)
def large_kind(request, at) -> None:
    """STORED droplets with their project assignments, in one INSERT each."""
    with connection.cursor() as cursor:
        if request.param == "analyzed while empty":
            # An autoanalyze (or a restore's ANALYZE) before the first sync wrote a row.
            cursor.execute("ANALYZE cloud_resources; ANALYZE cloud_project_assignments")
        if request.param == "analyzed before the kind existed":
            # What an autoanalyze early in a new install leaves: statistics that know of
            # some volumes and no droplet at all.
            cursor.execute(
                "INSERT INTO cloud_resources (provider, kind, provider_id, urn, first_seen_at,"
                " last_seen_at, stale_strike_count, created_at, updated_at, name, region,"
                " size_slug, status, tags, attrs)"
                " SELECT 'digitalocean', 'volume', i::text, 'do:volume:' || i, %(t)s, %(t)s,"
                " 0, %(t)s, %(t)s, '', '', '', '', '{}', '{}'"
                " FROM generate_series(1, 1000) AS i;"
                " ANALYZE cloud_resources; ANALYZE cloud_project_assignments",
                {"t": at(0)},
            )
        cursor.execute(
            "INSERT INTO cloud_projects (provider, provider_id, name, description, purpose,"
            " environment, is_default, created_at, updated_at)"
            " VALUES ('digitalocean', 'p-1', 'p', '', '', '', false, %s, %s) RETURNING id",
            [at(0), at(0)],
        )
        (project_id,) = cursor.fetchone()
        insert_droplets(cursor, STORED, at=at(0))
        cursor.execute(
            "INSERT INTO cloud_project_assignments (urn, project_id, seen_at)"
            " SELECT 'do:droplet:' || i, %s, %s FROM generate_series(1, %s) AS i",
            [project_id, at(0), STORED],
        )


def keyed_lookup(node: dict[str, Any]) -> bool:
    """An index scan that finds rows by the page's keys (provider_id, urn or id), not one
    that reads a whole kind through the index's leading (provider, kind) columns."""
    cond = node.get("Index Cond", "")
    return node["Node Type"] in INDEX_SCANS and any(
        key in cond for key in ("provider_id", "urn", "(id ")
    )


def assert_found_by_index(root: dict[str, Any], index: str = NATURAL_KEY) -> None:
    """Every read of a table a page looks its rows up in is a keyed index lookup (never a
    Seq Scan, nor a whole kind read through an index, to hash or materialize); and
    cloud_resources is reached through `index` (its natural key's, unless told)."""
    reads = [n for n in nodes(root) if n.get("Relation Name") in LOOKED_UP]
    for node in reads:
        if node["Node Type"] in {"ModifyTable", "Bitmap Heap Scan"}:
            continue  # the write itself; a bitmap heap scan reads what its index found
        assert keyed_lookup(node), f"{node['Relation Name']} is not read by key:\n{outline(root)}"
    for node in nodes(root):
        if node["Node Type"] == "Bitmap Heap Scan" and node.get("Relation Name") in LOOKED_UP:
            assert all(keyed_lookup(c) for c in node["Plans"]), outline(root)
    assert any(
        n["Node Type"] in INDEX_SCANS and n.get("Index Name") == index and keyed_lookup(n)
        for n in nodes(root)
    ), f"cloud_resources is not reached by {index}:\n{outline(root)}"


def page(first: int, count: int) -> dict[str, ResourceRow]:
    """A page of `count` droplets from `first` on: stored ones, then new ones past STORED."""
    return {str(i): droplet_row(i, attrs={}) for i in range(first, first + count)}


def test_page_statement_finds_stored_rows_by_index(large_kind, at):
    # A third of the page stored and unchanged (rows to bump), a third stored and renamed
    # (rows to diff and write, read again by primary key), a third new (rows to insert):
    # every part of the statement has work.
    rows = page(STORED - 132, 200)
    for pid in list(rows)[67:133]:
        rows[pid] = droplet_row(int(pid), attrs={}, name=f"renamed-{pid}")
    sql, params = page_statement(Kind.DROPLET, rows, at(1), "test")

    root = plan(sql, params)
    assert_found_by_index(root)
    assert any(
        n.get("Index Name") == "cloud_resources_pkey" and keyed_lookup(n) for n in nodes(root)
    ), f"changed rows are not read again by primary key:\n{outline(root)}"


def test_stored_policies_read_finds_rows_by_natural_key(large_kind):
    """A re-sync's per-page read of the stored backup policies (carried forward between
    full reads of DO's listing) probes the natural key per id, never the whole kind."""
    sql, params = stored_policies_statement(str(i) for i in range(1, 201))

    assert_found_by_index(plan(sql, params))
