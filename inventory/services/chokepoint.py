"""The upsert chokepoint (DESIGN.md, "The upsert chokepoint").

Every write of a synced resource goes through `upsert_resources`, which for each row:
1. inserts a resource never seen before, with a `discovered` event;
2. updates an existing one only when a meaningful field changed, with an `updated` event
   holding the diff (`tagged` when only tags changed);
3. restores a tombstoned resource that is seen again (`restored`);
4. always bumps `last_seen_at` and resets `stale_strike_count` to 0.

It is set-based: a page costs the same handful of queries whatever its size (a kind's
writer lock, one read of existing rows joined to their project assignments, then at most
one write of new and changed rows with their events, and one bump of the unchanged).
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

from arcadia.locks import xact_lock
from inventory.kinds import MEANINGFUL_COLUMNS, ResourceRow
from inventory.models import PROVIDER_DO, EventType

# The page goes to Postgres as one jsonb parameter and is compared there with the stored
# rows: old values come back only for rows whose meaningful columns differ, so an
# unchanged page transfers (and Postgres renders) no `attrs` at all.
_EXISTING_SQL = """
SELECT p.provider_id, r.id, r.project_id, r.deleted_at, a.project_id,
       CASE WHEN r.id IS NOT NULL
             AND (r.name, r.region, r.size_slug, r.status, r.tags, r.attrs)
                 IS DISTINCT FROM
                 (p.name, p.region, p.size_slug, p.status,
                  ARRAY(SELECT jsonb_array_elements_text(p.tags))::varchar[], p.attrs)
            THEN jsonb_build_object(
                'name', r.name, 'region', r.region, 'size_slug', r.size_slug,
                'status', r.status, 'tags', to_jsonb(r.tags), 'attrs', r.attrs)::text
       END
  FROM jsonb_to_recordset(%s::jsonb) AS p(
        provider_id text, name text, region text, size_slug text, status text,
        tags jsonb, attrs jsonb)
  LEFT JOIN cloud_resources r
         ON r.provider = %s AND r.kind = %s AND r.provider_id = p.provider_id
  LEFT JOIN cloud_project_assignments a ON a.urn = %s || p.provider_id
"""

# New and changed rows are written, and their events appended, in one statement: the page
# travels as a single jsonb parameter, so its cost does not grow with the row count.
_WRITE_SQL = """
WITH page AS (
    SELECT * FROM jsonb_to_recordset(%(rows)s::jsonb) AS x(
        provider_id text, urn text, project_id bigint, name text, region text,
        size_slug text, status text, tags jsonb, attrs jsonb, event text, changes jsonb)
), written AS (
    INSERT INTO cloud_resources AS r (
        provider, kind, provider_id, urn, project_id, name, region, size_slug, status, tags,
        attrs, first_seen_at, last_seen_at, stale_strike_count, deleted_at, created_at,
        updated_at)
    SELECT %(provider)s, %(kind)s, provider_id, urn, project_id, name, region, size_slug,
           status, ARRAY(SELECT jsonb_array_elements_text(tags))::varchar[], attrs,
           %(seen_at)s, %(seen_at)s, 0, NULL, %(now)s, %(now)s
      FROM page
    ON CONFLICT (provider, kind, provider_id) DO UPDATE SET
        urn = EXCLUDED.urn, project_id = EXCLUDED.project_id, name = EXCLUDED.name,
        region = EXCLUDED.region, size_slug = EXCLUDED.size_slug, status = EXCLUDED.status,
        tags = EXCLUDED.tags, attrs = EXCLUDED.attrs, last_seen_at = EXCLUDED.last_seen_at,
        stale_strike_count = 0, deleted_at = NULL, updated_at = EXCLUDED.updated_at
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


@dataclass(frozen=True)
class _Existing:
    id: int
    # The stored meaningful columns, or None when they equal the incoming row's.
    differing: dict[str, Any] | None
    project_id: int | None
    deleted_at: datetime | None


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


def _read_existing(
    kind: str, batch: dict[str, ResourceRow]
) -> tuple[dict[str, _Existing], dict[str, int | None]]:
    """Existing rows (their old values only where they differ) and DO's project
    assignment for each id, in one query."""
    page = [
        {
            "provider_id": pid,
            "name": row.name,
            "region": row.region,
            "size_slug": row.size_slug,
            "status": row.status,
            "tags": list(row.tags),
            "attrs": row.attrs,
        }
        for pid, row in batch.items()
    ]
    existing: dict[str, _Existing] = {}
    assigned: dict[str, int | None] = {}
    with connection.cursor() as cursor:
        cursor.execute(
            _EXISTING_SQL,
            [_dumps(page), PROVIDER_DO, kind, f"do:{kind}:"],
        )
        for pid, rid, project, deleted, assign, old in cursor:
            assigned[pid] = assign
            if rid is not None:
                existing[pid] = _Existing(rid, json.loads(old) if old else None, project, deleted)
    return existing, assigned


def upsert_resources(
    kind: str, rows: Iterable[ResourceRow], *, seen_at: datetime, actor: str
) -> UpsertOutcome:
    """Writes one batch (a page) of synced rows of one kind; see the module docstring."""
    # A resource listed twice in a batch (offsets shifting under the reader) counts once.
    batch = {row.provider_id: row for row in rows}
    outcome = UpsertOutcome(seen=len(batch))
    if not batch:
        return outcome

    with transaction.atomic():
        # Serialises chokepoint writers of this kind (a sync page and a saga recording its
        # new droplet) so two of them never both "discover" one resource.
        xact_lock(writer_lock_name(kind))
        existing, assigned = _read_existing(kind, batch)

        to_write: list[dict[str, Any]] = []
        unchanged_ids: list[int] = []

        for provider_id, row in batch.items():
            current = existing.get(provider_id)
            # DO's assignment wins; a resource missing from the assignments keeps its project.
            project_id = assigned.get(provider_id) or (current.project_id if current else None)
            values = _row_values(row, project_id)

            if current is None:
                changes = {f: [None, values[f]] for f in (*MEANINGFUL_COLUMNS, "project")}
                event = EventType.DISCOVERED
                outcome.discovered += 1
            else:
                # Unchanged columns come back as None: only the project can differ then.
                old = {**(current.differing or values), "project": current.project_id}
                changes = diff_row(old, values)
                if current.deleted_at is not None:
                    changes["deleted_at"] = [current.deleted_at.isoformat(), None]
                    event = EventType.RESTORED
                    outcome.restored += 1
                elif changes:
                    event = EventType.TAGGED if changes.keys() == {"tags"} else EventType.UPDATED
                    outcome.updated += 1
                else:
                    unchanged_ids.append(current.id)
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

        with connection.cursor() as cursor:
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
