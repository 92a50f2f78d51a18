"""A resource's events as a changelog: when, what happened, and `field: old → new`.

The changes come from `inventory.selectors.events_visible_to`, so the event that brought
a resource into the tenant's projects reads as an arrival (`tenant_changes`), exactly as
the API shows it. Rendering is the console's (`arcadia.diffs.render_changes`)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from django.utils.safestring import SafeString

from arcadia.diffs import render_changes
from inventory.models import CloudResourceEvent


@dataclass(frozen=True)
class TimelineEntry:
    occurred_at: datetime
    event: str
    changes: SafeString


def timeline_entries(
    events: Iterable[CloudResourceEvent], project_names: Mapping[int, str]
) -> list[TimelineEntry]:
    """`project_names`: the tenant's own projects by id. The log records a move as project
    ids; a tenant reads its projects' names instead (another tenant's project never shows
    here: `events_visible_to` turns the move in into an arrival from null)."""
    entries = []
    for event in events:
        scoped = getattr(event, "tenant_changes", None)
        changes = dict(scoped if scoped is not None else event.changes or {})
        if isinstance(changes.get("project"), list):
            changes["project"] = [project_names.get(p, p) for p in changes["project"]]
        entries.append(
            TimelineEntry(
                occurred_at=event.occurred_at,
                event=event.get_event_display(),
                changes=render_changes(changes or {}),
            )
        )
    return entries
