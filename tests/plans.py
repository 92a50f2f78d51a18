"""Reading query plans in tests: EXPLAIN a statement and walk its nodes.

Shared by the plan tests that hold set-based statements to index lookups on tables that
were never analyzed (issue 13): inventory's page statement, drift detection's batch.
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
