"""The upsert chokepoint (DESIGN.md, "The upsert chokepoint").

Every write of a synced resource goes through `upsert_resources`, which for each row:
1. inserts a resource never seen before, with a `discovered` event;
2. updates an existing one only when a meaningful field changed, with an `updated` event
   holding the diff (`tagged` when only tags changed);
3. restores a tombstoned resource that is seen again (`restored`);
4. always bumps `last_seen_at` and resets `stale_strike_count` to 0.

It is set-based: a page costs the same queries whatever its size. One statement takes
the kind's writer lock, bumps the unchanged rows and inserts the new ones with their
events; at most one more writes the changed and restored rows with theirs.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import orjson
from django.db import connection, transaction
from django.utils import timezone

from arcadia.locks import lock_key
from inventory.kinds import MEANINGFUL_COLUMNS, ResourceRow
from inventory.models import PROVIDER_DO, EventType

# One statement per page does the common cases in Postgres: it compares the page (one
# jsonb parameter) with the stored rows, bumps the unchanged ones, inserts the new ones
# with their `discovered` events, and hands back only the rows that differ (with their
# old values) for Python to diff. A page costs one round trip however large it is; one
# round trip matters because each is a wait for the GIL behind the page prefetch thread.
_PAGE_SQL = """
SELECT pg_advisory_xact_lock(%(lock)s);
WITH page AS (
    SELECT p.*, ARRAY(SELECT jsonb_array_elements_text(p.tags))::varchar[] AS tag_array
      FROM jsonb_to_recordset(%(rows)s::jsonb) AS p(
           provider_id text, urn text, name text, region text, size_slug text,
           status text, tags jsonb, attrs jsonb)
), joined AS (
    SELECT page.*, r.id AS rid, r.project_id AS old_project, r.deleted_at,
           COALESCE(a.project_id, r.project_id) AS project_id,
           r.id IS NOT NULL AND r.deleted_at IS NULL
             AND (r.name, r.region, r.size_slug, r.status, r.tags, r.attrs)
                 IS NOT DISTINCT FROM
                 (page.name, page.region, page.size_slug, page.status, page.tag_array,
                  page.attrs)
             AND COALESCE(a.project_id, r.project_id) IS NOT DISTINCT FROM r.project_id
             AS unchanged,
           CASE WHEN r.id IS NOT NULL THEN jsonb_build_object(
               'name', r.name, 'region', r.region, 'size_slug', r.size_slug,
               'status', r.status, 'tags', to_jsonb(r.tags), 'attrs', r.attrs) END AS old
      FROM page
      LEFT JOIN cloud_resources r
             ON r.provider = %(provider)s AND r.kind = %(kind)s
            AND r.provider_id = page.provider_id
      LEFT JOIN cloud_project_assignments a ON a.urn = page.urn
), bumped AS (
    UPDATE cloud_resources r SET last_seen_at = %(seen_at)s, stale_strike_count = 0
      FROM joined WHERE r.id = joined.rid AND joined.unchanged
    RETURNING r.id
), inserted AS (
    INSERT INTO cloud_resources (
        provider, kind, provider_id, urn, project_id, name, region, size_slug, status, tags,
        attrs, first_seen_at, last_seen_at, stale_strike_count, deleted_at, created_at,
        updated_at)
    SELECT %(provider)s, %(kind)s, provider_id, urn, project_id, name, region, size_slug,
           status, tag_array, attrs, %(seen_at)s, %(seen_at)s, 0, NULL, %(now)s, %(now)s
      FROM joined WHERE rid IS NULL
    ON CONFLICT (provider, kind, provider_id) DO NOTHING
    RETURNING id, provider_id, project_id
), discovered AS (
    INSERT INTO cloud_resource_events (resource_id, event, changes, actor, occurred_at)
    SELECT inserted.id, 'discovered',
           jsonb_build_object(
               'name', jsonb_build_array(NULL, page.name),
               'region', jsonb_build_array(NULL, page.region),
               'size_slug', jsonb_build_array(NULL, page.size_slug),
               'status', jsonb_build_array(NULL, page.status),
               'tags', jsonb_build_array(NULL, page.tags),
               'project', jsonb_build_array(NULL, inserted.project_id)),
           %(actor)s, %(seen_at)s
      FROM inserted JOIN page USING (provider_id)
)
SELECT provider_id, rid, old_project, project_id, deleted_at, old::text
  FROM joined WHERE rid IS NOT NULL AND NOT unchanged
UNION ALL
SELECT NULL, (SELECT count(*) FROM inserted), (SELECT count(*) FROM bumped), NULL, NULL, NULL
"""

# Rows that changed or came back are written, with their events, in one statement.
_WRITE_SQL = """
WITH page AS (
    SELECT * FROM jsonb_to_recordset(%(rows)s::jsonb) AS x(
        provider_id text, urn text, project_id bigint, name text, region text,
        size_slug text, status text, tags jsonb, attrs jsonb, event text, changes jsonb)
), written AS (
    UPDATE cloud_resources AS r SET
        urn = page.urn, project_id = page.project_id, name = page.name,
        region = page.region, size_slug = page.size_slug, status = page.status,
        tags = ARRAY(SELECT jsonb_array_elements_text(page.tags))::varchar[],
        attrs = page.attrs, last_seen_at = %(seen_at)s, stale_strike_count = 0,
        deleted_at = NULL, updated_at = %(now)s
      FROM page
     WHERE r.provider = %(provider)s AND r.kind = %(kind)s
       AND r.provider_id = page.provider_id
    RETURNING r.id, r.provider_id
)
INSERT INTO cloud_resource_events (resource_id, event, changes, actor, occurred_at)
SELECT written.id, page.event, page.changes, %(actor)s, %(seen_at)s
  FROM written JOIN page USING (provider_id)
"""

_BUMP_SQL = """
UPDATE cloud_resources SET last_seen_at = %s, stale_strike_count = 0
 WHERE id = ANY(%s::bigint[])
"""


@dataclass
class UpsertOutcome:
    seen: int = 0
    discovered: int = 0
    updated: int = 0
    restored: int = 0
    unchanged: int = 0

    def add(self, other: UpsertOutcome) -> None:
        for name in ("seen", "discovered", "updated", "restored", "unchanged"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


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


def _row_values(row: ResourceRow, project_id: int | None) -> dict[str, Any]:
    return {
        "name": row.name,
        "region": row.region,
        "size_slug": row.size_slug,
        "status": row.status,
        "tags": list(row.tags),
        "attrs": row.attrs,
        "project": project_id,
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

    with transaction.atomic(), connection.cursor() as cursor:
        # The statement first takes the kind's writer lock, serialising chokepoint writers
        # (a sync page and a saga recording its new droplet) so two never both "discover"
        # one resource; the lock is its own statement so the comparison that follows
        # reads a snapshot taken after it.
        cursor.execute(
            _PAGE_SQL,
            {
                "lock": lock_key(writer_lock_name(kind)),
                "rows": _dumps(
                    [
                        {
                            "provider_id": pid,
                            "urn": row.urn,
                            "name": row.name,
                            "region": row.region,
                            "size_slug": row.size_slug,
                            "status": row.status,
                            "tags": list(row.tags),
                            "attrs": row.attrs,
                        }
                        for pid, row in batch.items()
                    ]
                ),
                "provider": PROVIDER_DO,
                "kind": kind,
                "seen_at": seen_at,
                "now": timezone.now(),
                "actor": actor,
            },
        )
        cursor.nextset()  # past the lock's result, to the page's
        to_write, unchanged_ids = _plan_changes(cursor.fetchall(), batch, outcome)
        if to_write:
            cursor.execute(
                _WRITE_SQL,
                {
                    "rows": _dumps(to_write),
                    "provider": PROVIDER_DO,
                    "kind": kind,
                    "seen_at": seen_at,
                    "now": timezone.now(),
                    "actor": actor,
                },
            )
        if unchanged_ids:
            cursor.execute(_BUMP_SQL, [seen_at, _pg_array(unchanged_ids)])
    return outcome


def _plan_changes(
    results: list[tuple[Any, ...]], batch: dict[str, ResourceRow], outcome: UpsertOutcome
) -> tuple[list[dict[str, Any]], list[int]]:
    """Diffs the rows the page statement handed back (changed or tombstoned ones) and
    plans their writes; fills in the counts the statement did itself."""
    to_write: list[dict[str, Any]] = []
    unchanged_ids: list[int] = []
    for provider_id, rid, old_project, project_id, deleted_at, old in results:
        if provider_id is None:  # the counts row
            outcome.discovered += rid
            outcome.unchanged += old_project
            continue
        row = batch[provider_id]
        values = _row_values(row, project_id)
        changes = diff_row({**json.loads(old), "project": old_project}, values)
        if deleted_at is not None:
            changes["deleted_at"] = [deleted_at.isoformat(), None]
            event = EventType.RESTORED
            outcome.restored += 1
        elif changes:
            event = EventType.TAGGED if changes.keys() == {"tags"} else EventType.UPDATED
            outcome.updated += 1
        else:
            # Postgres saw a difference Python's equality does not (e.g. 1 against 1.0).
            unchanged_ids.append(rid)
            outcome.unchanged += 1
            continue
        to_write.append(
            {
                "provider_id": provider_id,
                "urn": row.urn,
                "project_id": project_id,
                "name": row.name,
                "region": row.region,
                "size_slug": row.size_slug,
                "status": row.status,
                "tags": list(row.tags),
                "attrs": row.attrs,
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
