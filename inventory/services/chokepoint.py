"""The upsert chokepoint (DESIGN.md, "The upsert chokepoint").

Every write of a synced resource goes through `upsert_resources`, which for each row:
1. inserts a resource never seen before, with a `discovered` event;
2. updates an existing one only when a meaningful field changed, with an `updated` event
   holding the diff (`tagged` when only tags changed);
3. restores a tombstoned resource that is seen again (`restored`);
4. always bumps `last_seen_at` and resets `stale_strike_count` to 0.

It is set-based: a page costs one round trip whatever its size or mix. One query string
takes the kind's writer lock, bumps the unchanged rows, inserts the new ones and writes
the changed and restored ones, each with its event (diffs built in SQL). The SQL and the
Python are built from one tuple of column names, `COLUMNS`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, fields
from datetime import datetime
from decimal import Decimal
from typing import Any

import orjson
from django.db import connection
from django.utils import timezone
from psycopg.rows import class_row

from arcadia import origin
from arcadia.locks import execute_locked
from inventory.kinds import MEANINGFUL_COLUMNS, ResourceRow
from inventory.models import PROVIDER_DO, EventType

# The columns a synced row carries beside its key (`provider_id`) and `urn`: every SQL
# column list below and every Python dict of a row is built from this one tuple. `tags`
# travels as a jsonb array and is stored as varchar[]; `attrs` compares as a whole here
# and key by key in `_diff`. A new column is one entry here (and in `ResourceRow`).
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


def _diff(old: str, new: str) -> str:
    """SQL for a changed row's diff, as an event's `changes` holds it: field -> [old, new]
    for every meaningful column and the project, then `attrs` key by key (a missing key
    and a JSON null are the same "no value": a normalizer may drop a key it has no value for)."""
    columns = ", ".join(
        f"('{c}', to_jsonb({old}.{c}), {new}.{c})"
        if c in _JSON_COLUMNS  # the page's tags are a jsonb array already
        else f"('{c}', to_jsonb({old}.{c}), to_jsonb({new}.{c}))"
        for c in MEANINGFUL_COLUMNS
    )
    return f"""
        (SELECT COALESCE(jsonb_object_agg(c.field, jsonb_build_array(c.old, c.new)), '{{}}')
           FROM (VALUES {columns},
                        ('project', to_jsonb({old}.project_id), to_jsonb({new}.project_id))
                ) AS c(field, old, new)
          WHERE c.old IS DISTINCT FROM c.new)
     || (SELECT COALESCE(jsonb_object_agg(k.key, jsonb_build_array(
                    COALESCE({old}.attrs -> k.key, 'null'),
                    COALESCE({new}.attrs -> k.key, 'null'))), '{{}}')
           FROM (SELECT jsonb_object_keys({old}.attrs) UNION SELECT jsonb_object_keys({new}.attrs))
                AS k(key)
          WHERE COALESCE({old}.attrs -> k.key, 'null') IS DISTINCT FROM
                COALESCE({new}.attrs -> k.key, 'null'))"""


# One statement per page does all of a page's work in Postgres: it compares the page (one
# jsonb parameter) with the stored rows, bumps the unchanged ones, inserts the new ones
# with their `discovered` events, writes the changed and the restored ones with events
# holding their diffs (built in SQL, `_diff`), and returns the counts. It runs in the same
# query string as the kind's writer lock (`execute_locked`), so a page is one round trip
# and, outside an atomic block, one transaction with no BEGIN or COMMIT of its own: a
# round trip is a wait for the GIL behind the page prefetch thread, and the three a page
# took (BEGIN, the statement, COMMIT) were a third of its cost.
# Each event's origin (arcadia.origin), as the model's field defaults would give it.
_ORIGIN_VALUES = (
    "%(request_id)s, %(sync_run_id)s::bigint, %(saga_run_id)s::bigint, %(do_action_id)s::bigint"
)

_PAGE_SQL = f"""
WITH page AS (
    SELECT p.*, {_TAG_ARRAY.format("p.tags")} AS tag_array
      FROM jsonb_to_recordset(%(rows)s::jsonb) AS p({_recordset()})
), joined AS (
    SELECT page.*, r.id AS rid, r.deleted_at,
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
), changed AS (
    -- The few rows that differ (or come back), with their diffs against the stored row,
    -- read again by primary key: the statement's snapshot, before its own writes.
    SELECT joined.*, CASE WHEN joined.deleted_at IS NULL THEN d.changes
           ELSE d.changes || jsonb_build_object(
                'deleted_at', jsonb_build_array(to_jsonb(joined.deleted_at), NULL))
           END AS changes
      FROM joined
      CROSS JOIN LATERAL (
          SELECT {_columns()}, project_id FROM cloud_resources WHERE id = joined.rid OFFSET 0
      ) o
      CROSS JOIN LATERAL (SELECT {_diff("o", "joined")} AS changes) d
     WHERE joined.rid IS NOT NULL AND NOT joined.unchanged
), bumped AS (
    -- Unchanged rows, and rows Postgres's row comparison saw differ while no field does
    -- key by key (a key's JSON null against its absence): by key, never a join.
    UPDATE cloud_resources r SET last_seen_at = %(seen_at)s, stale_strike_count = 0
     WHERE r.id = ANY(ARRAY(
         SELECT rid FROM joined WHERE unchanged
         UNION ALL SELECT rid FROM changed WHERE changes = '{{}}'))
    RETURNING r.id
), written AS (
    UPDATE cloud_resources AS r SET
        urn = changed.urn, project_id = changed.project_id,
        {", ".join(f"{c} = {_stored(c, 'changed')}" for c in COLUMNS)},
        last_seen_at = %(seen_at)s, stale_strike_count = 0,
        deleted_at = NULL, updated_at = %(now)s
      FROM changed
     WHERE r.id = ANY(ARRAY(SELECT rid FROM changed WHERE changes <> '{{}}'))
       AND r.id = changed.rid
    RETURNING r.id, changed.changes,
              CASE WHEN changed.deleted_at IS NOT NULL THEN '{EventType.RESTORED}'
                   WHEN changed.changes ?& ARRAY['tags'] AND changed.changes - 'tags' = '{{}}'
                   THEN '{EventType.TAGGED}' ELSE '{EventType.UPDATED}' END AS event
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
), events AS (
    INSERT INTO cloud_resource_events (resource_id, event, changes, actor, occurred_at,
                                       request_id, sync_run_id, saga_run_id, do_action_id)
    SELECT inserted.id, '{EventType.DISCOVERED}',
           jsonb_build_object(
               {", ".join(f"'{c}', jsonb_build_array(NULL, page.{c})" for c in MEANINGFUL_COLUMNS)},
               'project', jsonb_build_array(NULL, inserted.project_id)),
           %(actor)s, %(seen_at)s, {_ORIGIN_VALUES}
      FROM inserted JOIN page USING (provider_id)
    UNION ALL
    SELECT id, event, changes, %(actor)s, %(seen_at)s, {_ORIGIN_VALUES} FROM written
    RETURNING event
)
SELECT (SELECT count(*) FROM inserted) AS discovered,
       (SELECT count(*) FROM bumped) AS unchanged,
       (SELECT count(*) FROM events WHERE event IN ('{EventType.UPDATED}', '{EventType.TAGGED}'))
           AS updated,
       (SELECT count(*) FROM events WHERE event = '{EventType.RESTORED}') AS restored
"""


@dataclass(frozen=True)
class _PageCounts:
    """What the page statement hands back: how many rows of each outcome it wrote."""

    discovered: int
    unchanged: int
    updated: int
    restored: int


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
        **asdict(origin.current()),
    }


def upsert_resources(
    kind: str, rows: Iterable[ResourceRow], *, seen_at: datetime, actor: str
) -> UpsertOutcome:
    """Writes one batch (a page) of synced rows of one kind; see the module docstring."""
    # A resource listed twice in a batch (offsets shifting under the reader) counts once.
    batch = {row.provider_id: row for row in rows}
    outcome = UpsertOutcome(seen=len(batch))
    if not batch:
        return outcome

    with connection.cursor() as cursor:
        # The kind's writer lock serialises chokepoint writers (a sync page and a saga
        # recording its new droplet) so two never both "discover" one resource; the
        # comparison reads a snapshot taken after it is granted.
        cursor.cursor.row_factory = class_row(_PageCounts)
        execute_locked(
            cursor,
            writer_lock_name(kind),
            *page_statement(kind, batch, seen_at, actor),
            implicit_transaction=True,
        )
        counts = cursor.fetchone()
    outcome.discovered, outcome.unchanged = counts.discovered, counts.unchanged
    outcome.updated, outcome.restored = counts.updated, counts.restored
    return outcome


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def _dumps(value: Any) -> str:
    """A page as JSON text for one jsonb parameter. orjson: a page is serialized twice per
    sync write, and the stdlib encoder was a sizeable share of a page's time."""
    return orjson.dumps(value, default=_json_default).decode()
