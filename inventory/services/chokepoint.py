"""The upsert chokepoint (DESIGN.md, "The upsert chokepoint").

Every write of a synced resource goes through `upsert_resources`, which for each row:
1. inserts a resource never seen before, with a `discovered` event;
2. updates an existing one only when a meaningful field changed, with an `updated` event
   holding the diff (`tagged` when only tags changed);
3. restores a tombstoned resource that is seen again (`restored`);
4. always bumps `last_seen_at` and resets `stale_strike_count` to 0.

It is set-based: a page costs the same queries whatever its size. One round trip takes
the kind's writer lock, bumps the unchanged rows and inserts the new ones with their
events; at most one more writes the changed and restored rows with theirs. The SQL and
the Python are built from one tuple of column names, `COLUMNS`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import datetime
from decimal import Decimal
from typing import Any

import orjson
from django.db import connection, transaction
from django.utils import timezone
from psycopg.rows import class_row

from arcadia.locks import execute_locked
from inventory.kinds import MEANINGFUL_COLUMNS, ResourceRow
from inventory.models import PROVIDER_DO, EventType

# The columns a synced row carries beside its key (`provider_id`) and `urn`: every SQL
# column list below and every Python dict of a row is built from this one tuple. `tags`
# travels as a jsonb array and is stored as varchar[]; `attrs` compares as a whole here
# and key by key in `diff_row`. A new column is one entry here (and in `ResourceRow`).
COLUMNS = (*MEANINGFUL_COLUMNS, "attrs")
_JSON_COLUMNS = frozenset({"tags", "attrs"})
_TAG_ARRAY = "ARRAY(SELECT jsonb_array_elements_text({}))::varchar[]"


def _recordset(*extra: str) -> str:
    """The page's columns as `jsonb_to_recordset` declares them."""
    typed = [f"{c} {'jsonb' if c in _JSON_COLUMNS else 'text'}" for c in COLUMNS]
    return ", ".join(["provider_id text", "urn text", *typed, *extra])


def _stored(column: str, source: str) -> str:
    """A page column as the table stores it."""
    return _TAG_ARRAY.format(f"{source}.{column}") if column == "tags" else f"{source}.{column}"


def _columns(prefix: str = "") -> str:
    return ", ".join(f"{prefix}{c}" for c in COLUMNS)


# One statement per page does the common cases in Postgres: it compares the page (one
# jsonb parameter) with the stored rows, bumps the unchanged ones, inserts the new ones
# with their `discovered` events, and hands back the rows that differ (with their old
# values) for Python to diff, each carrying the statement's two counts by name (a page
# with no such row gets one row of counts alone). It runs under the kind's writer lock
# in the same round trip (`execute_locked`); one round trip matters because each is a
# wait for the GIL behind the page prefetch thread.
_PAGE_SQL = f"""
WITH page AS (
    SELECT p.*, {_TAG_ARRAY.format("p.tags")} AS tag_array
      FROM jsonb_to_recordset(%(rows)s::jsonb) AS p({_recordset()})
), joined AS (
    SELECT page.*, r.id AS rid, r.project_id AS old_project, r.deleted_at,
           COALESCE(a.project_id, r.project_id) AS project_id,
           r.id IS NOT NULL AND r.deleted_at IS NULL
             AND ({_columns("r.")})
                 IS NOT DISTINCT FROM
                 ({", ".join("page.tag_array" if c == "tags" else f"page.{c}" for c in COLUMNS)})
             AND COALESCE(a.project_id, r.project_id) IS NOT DISTINCT FROM r.project_id
             AS unchanged
      FROM page
      -- Each page row finds its stored row (and its assignment) by one probe of a unique
      -- index, whatever the statistics say. A LATERAL subquery kept apart by OFFSET 0 is
      -- planned on its own with the page's key as a parameter, so the planner cannot turn
      -- it into a read of the kind's whole table to hash or filter, as it does with a
      -- plain join on a never-analyzed table (it expects one row for any (provider,
      -- kind)). Not LIMIT 1: a limit scales a path's cost by the rows it expects.
      -- inventory/tests/test_page_plan.py holds the plans to this.
      LEFT JOIN LATERAL (
          SELECT id, project_id, deleted_at, {_columns()} FROM cloud_resources
           WHERE provider = %(provider)s AND kind = %(kind)s
             AND provider_id = page.provider_id
           OFFSET 0) r ON true
      LEFT JOIN LATERAL (
          SELECT project_id FROM cloud_project_assignments WHERE urn = page.urn OFFSET 0
      ) a ON true
), bumped AS (
    UPDATE cloud_resources r SET last_seen_at = %(seen_at)s, stale_strike_count = 0
     WHERE r.id = ANY(ARRAY(SELECT rid FROM joined WHERE unchanged))  -- by key, not a join
    RETURNING r.id
), inserted AS (
    INSERT INTO cloud_resources (
        provider, kind, provider_id, urn, project_id, {_columns()},
        first_seen_at, last_seen_at, stale_strike_count, deleted_at, created_at, updated_at)
    SELECT %(provider)s, %(kind)s, provider_id, urn, project_id,
           {", ".join("tag_array" if c == "tags" else c for c in COLUMNS)},
           %(seen_at)s, %(seen_at)s, 0, NULL, %(now)s, %(now)s
      FROM joined WHERE rid IS NULL
    ON CONFLICT (provider, kind, provider_id) DO NOTHING
    RETURNING id, provider_id, project_id
), discovered AS (
    INSERT INTO cloud_resource_events (resource_id, event, changes, actor, occurred_at)
    SELECT inserted.id, '{EventType.DISCOVERED}',
           jsonb_build_object(
               {", ".join(f"'{c}', jsonb_build_array(NULL, page.{c})" for c in MEANINGFUL_COLUMNS)},
               'project', jsonb_build_array(NULL, inserted.project_id)),
           %(actor)s, %(seen_at)s
      FROM inserted JOIN page USING (provider_id)
), counts AS (
    SELECT (SELECT count(*) FROM inserted) AS discovered_count,
           (SELECT count(*) FROM bumped) AS unchanged_count
)
SELECT counts.*, changed.*
  FROM counts
  LEFT JOIN (SELECT provider_id, rid AS resource_id, old_project, project_id, deleted_at,
                    -- the stored values, built only for the few rows that differ (by
                    -- primary key; the statement's snapshot, before its own writes)
                    (SELECT jsonb_build_object(
                         {", ".join(f"'{c}', to_jsonb(o.{c})" for c in COLUMNS)})::text
                       FROM cloud_resources o WHERE o.id = joined.rid) AS old
               FROM joined WHERE rid IS NOT NULL AND NOT unchanged) AS changed ON true
"""

# Rows that changed or came back are written, with their events, in one statement, found
# by the ids the page statement read (`= ANY`: by the primary key, never a join that
# could hash the whole table).
_WRITE_SQL = f"""
WITH page AS (
    SELECT * FROM jsonb_to_recordset(%(rows)s::jsonb)
        AS x({_recordset("resource_id bigint", "project_id bigint", "event text", "changes jsonb")})
), written AS (
    UPDATE cloud_resources AS r SET
        urn = page.urn, project_id = page.project_id,
        {", ".join(f"{c} = {_stored(c, 'page')}" for c in COLUMNS)},
        last_seen_at = %(seen_at)s, stale_strike_count = 0,
        deleted_at = NULL, updated_at = %(now)s
      FROM page
     WHERE r.id = ANY(ARRAY(SELECT resource_id FROM page)) AND r.id = page.resource_id
    RETURNING r.id
)
INSERT INTO cloud_resource_events (resource_id, event, changes, actor, occurred_at)
SELECT written.id, page.event, page.changes, %(actor)s, %(seen_at)s
  FROM written JOIN page ON page.resource_id = written.id
"""

_BUMP_SQL = """
UPDATE cloud_resources SET last_seen_at = %s, stale_strike_count = 0
 WHERE id = ANY(%s::bigint[])
"""


@dataclass(frozen=True)
class _PageResult:
    """One row the page statement hands back: its counts, and a row that differs from
    the stored one (none of whose fields are set when nothing differs)."""

    discovered_count: int
    unchanged_count: int
    provider_id: str | None
    resource_id: int | None
    old_project: int | None
    project_id: int | None
    deleted_at: datetime | None
    old: str | None  # the stored COLUMNS as JSON text


@dataclass
class UpsertOutcome:
    seen: int = 0
    discovered: int = 0
    updated: int = 0
    restored: int = 0
    unchanged: int = 0

    def add(self, other: UpsertOutcome) -> None:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))


def writer_lock_name(kind: str) -> str:
    return f"inventory:write:{kind}"


def diff_row(old: dict[str, Any], new: dict[str, Any]) -> dict[str, list[Any]]:
    """Field -> [old, new] for every meaningful difference; attrs compare key by key."""
    changes: dict[str, list[Any]] = {}
    for column in (*MEANINGFUL_COLUMNS, "project"):
        if old.get(column) != new.get(column):
            changes[column] = [old.get(column), new.get(column)]
    old_attrs, new_attrs = old.get("attrs") or {}, new.get("attrs") or {}
    for key in sorted(old_attrs.keys() | new_attrs.keys()):
        if old_attrs.get(key) != new_attrs.get(key):
            changes[key] = [old_attrs.get(key), new_attrs.get(key)]
    return changes


def _values(row: ResourceRow) -> dict[str, Any]:
    """A row's COLUMNS, by name, as the statements take them."""
    return {c: list(row.tags) if c == "tags" else getattr(row, c) for c in COLUMNS}


def page_statement(
    kind: str, batch: dict[str, ResourceRow], seen_at: datetime, actor: str
) -> tuple[str, dict[str, Any]]:
    """The page statement and its parameters for a batch (provider_id -> row); apart so a
    test can EXPLAIN exactly what a sync runs."""
    return _PAGE_SQL, {
        "rows": _dumps(
            [{"provider_id": pid, "urn": row.urn, **_values(row)} for pid, row in batch.items()]
        ),
        "provider": PROVIDER_DO,
        "kind": kind,
        "seen_at": seen_at,
        "now": timezone.now(),
        "actor": actor,
    }


def write_statement(
    to_write: list[dict[str, Any]], seen_at: datetime, actor: str
) -> tuple[str, dict[str, Any]]:
    """The statement writing the changed and restored rows `_plan_changes` planned."""
    return _WRITE_SQL, {
        "rows": _dumps(to_write),
        "seen_at": seen_at,
        "now": timezone.now(),
        "actor": actor,
    }


def bump_statement(ids: list[int], seen_at: datetime) -> tuple[str, list[Any]]:
    """Bumps rows Postgres saw differ but Python's equality did not (1 against 1.0)."""
    return _BUMP_SQL, [seen_at, _pg_array(ids)]


def upsert_resources(
    kind: str, rows: Iterable[ResourceRow], *, seen_at: datetime, actor: str
) -> UpsertOutcome:
    """Writes one batch (a page) of synced rows of one kind; see the module docstring."""
    # A resource listed twice in a batch (offsets shifting under the reader) counts once.
    batch = {row.provider_id: row for row in rows}
    outcome = UpsertOutcome(seen=len(batch))
    if not batch:
        return outcome

    with transaction.atomic(), connection.cursor() as cursor:
        # The kind's writer lock serialises chokepoint writers (a sync page and a saga
        # recording its new droplet) so two never both "discover" one resource; the
        # comparison reads a snapshot taken after it is granted.
        cursor.cursor.row_factory = class_row(_PageResult)
        execute_locked(cursor, writer_lock_name(kind), *page_statement(kind, batch, seen_at, actor))
        to_write, unchanged_ids = _plan_changes(cursor.fetchall(), batch, outcome)
        if to_write:
            cursor.execute(*write_statement(to_write, seen_at, actor))
        if unchanged_ids:
            cursor.execute(*bump_statement(unchanged_ids, seen_at))
    return outcome


def _plan_changes(
    results: list[_PageResult], batch: dict[str, ResourceRow], outcome: UpsertOutcome
) -> tuple[list[dict[str, Any]], list[int]]:
    """Diffs the rows the page statement handed back (changed or tombstoned ones) and
    plans their writes; adds the counts the statement did itself."""
    to_write: list[dict[str, Any]] = []
    unchanged_ids: list[int] = []
    if results:  # always one row at least; every row carries the same counts
        outcome.discovered += results[0].discovered_count
        outcome.unchanged += results[0].unchanged_count
    for result in results:
        if result.provider_id is None or result.resource_id is None or result.old is None:
            continue  # the counts alone: nothing on the page differs
        row = batch[result.provider_id]
        values = {**_values(row), "project": result.project_id}
        changes = diff_row({**json.loads(result.old), "project": result.old_project}, values)
        event: EventType
        if result.deleted_at is not None:
            changes["deleted_at"] = [result.deleted_at.isoformat(), None]
            event = EventType.RESTORED
            outcome.restored += 1
        elif changes:
            event = EventType.TAGGED if changes.keys() == {"tags"} else EventType.UPDATED
            outcome.updated += 1
        else:
            # Postgres saw a difference Python's equality does not (e.g. 1 against 1.0).
            unchanged_ids.append(result.resource_id)
            outcome.unchanged += 1
            continue
        to_write.append(
            {
                "provider_id": result.provider_id,
                "resource_id": result.resource_id,
                "urn": row.urn,
                "project_id": result.project_id,
                **_values(row),
                "event": event,
                "changes": changes,
            }
        )
    return to_write, unchanged_ids


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def _dumps(value: Any) -> str:
    """A page as JSON text for one jsonb parameter. orjson: a page is serialized twice per
    sync write, and the stdlib encoder was a sizeable share of a page's time."""
    return orjson.dumps(value, default=_json_default).decode()


def _pg_array(ids: list[int]) -> str:
    """An int array as one literal: one parameter to bind instead of hundreds."""
    return "{" + ",".join(str(int(i)) for i in ids) + "}"
