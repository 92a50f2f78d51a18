"""Reading query plans in tests: EXPLAIN a statement and walk its nodes.

Shared by the plan tests that hold statements to index lookups: inventory's page
statement and drift detection's batch on tables never analyzed (issue 13), and the
dashboard's drift-per-day counts on an analyzed year of drift. The fills below build
their large accounts, a statement each.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db import connection

INDEX_SCANS = {"Index Scan", "Index Only Scan", "Bitmap Index Scan"}


def plan(sql: str, params: Any) -> dict[str, Any]:
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        (explained,) = cursor.fetchone()
    return explained[0]["Plan"]


def nodes(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield node
    for child in node.get("Plans", []):
        yield from nodes(child)


def outline(node: dict[str, Any], depth: int = 0) -> str:
    """The plan as an indented outline, for a failure's message."""
    described = " ".join(
        str(node[key])
        for key in (
            "Node Type",
            "Relation Name",
            "Index Name",
            "Index Cond",
            "Filter",
            "Plan Rows",
            "Total Cost",
        )
        if key in node
    )
    return "\n".join(
        ["  " * depth + described, *(outline(c, depth + 1) for c in node.get("Plans", []))]
    )


# --- large tables in one statement each (the plan tests' accounts) ----------------------


def insert_droplets(cursor: Any, count: int, *, at: Any) -> None:
    """`count` droplets `web-1` ... seen at `at`, provider ids `1` ... `count`."""
    cursor.execute(
        "INSERT INTO cloud_resources (provider, kind, provider_id, urn, name, region,"
        " size_slug, status, tags, attrs, first_seen_at, last_seen_at,"
        " stale_strike_count, created_at, updated_at)"
        " SELECT 'digitalocean', 'droplet', i::text, 'do:droplet:' || i, 'web-' || i,"
        " 'nyc3', 's-1vcpu-1gb', 'active', '{web}', '{}', %(t)s, %(t)s, 0, %(t)s, %(t)s"
        " FROM generate_series(1, %(n)s) AS i",
        {"t": at, "n": count},
    )


def provision_every_resource(cursor: Any, *, at: Any) -> None:
    """A `size_slug: s-1vcpu-1gb` spec for every stored resource."""
    cursor.execute(
        "INSERT INTO cloud_provisioned (resource_id, spec, spec_version, created_at,"
        ' updated_at) SELECT id, \'{"size_slug": "s-1vcpu-1gb"}\', 1, %(t)s, %(t)s'
        " FROM cloud_resources",
        {"t": at},
    )
