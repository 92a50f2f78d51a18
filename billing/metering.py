"""Metering: a resource's inventory history -> its usage segments (DESIGN.md, "Segments").

Pure functions, no database. The rules:
- billable from DO's `created_at` (else the `discovered` event) until `last_seen_at`;
- the first segment counts in the first project the inventory saw, even before it saw it;
- an `updated` event changing `size_slug` or `project` ends a segment and starts the next
  at that instant;
- a tombstone ends the segment at the `last_seen_at` its `deleted` event recorded (never at
  the tombstone itself, which the three strikes put hours after the real destroy);
- a `restored` event starts a new segment; the gap before it is free;
- power state (`status`) never counts.
Instants are truncated to whole seconds, as DO bills.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

DISCOVERED, UPDATED, DELETED, RESTORED = "discovered", "updated", "deleted", "restored"
# The events metering reads; every other event (tagged, struck, drift_*) never moves usage.
LIFECYCLE_EVENTS = (DISCOVERED, UPDATED, DELETED, RESTORED)
SEGMENT_FIELDS = ("size_slug", "project")


@dataclass(frozen=True, slots=True)
class Event:
    kind: str
    at: datetime
    changes: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class History:
    """What metering needs of one resource: its lifecycle events in order."""

    created_at: datetime | None
    last_seen_at: datetime
    events: Sequence[Event]


@dataclass(frozen=True, slots=True)
class Segment:
    project_id: int | None
    size_slug: str
    started_at: datetime
    ended_at: datetime

    @property
    def seconds(self) -> int:
        return int((self.ended_at - self.started_at).total_seconds())


def whole_second(moment: datetime) -> datetime:
    return moment.replace(microsecond=0)


def parse_instant(value: Any) -> datetime | None:
    """An ISO-8601 timestamp from DO or an event's JSON (`2026-03-01T12:00:00Z`), or None."""
    if isinstance(value, datetime):
        return value
    if not value or not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def _new_value(changes: Mapping[str, Any], name: str, current: Any) -> Any:
    change = changes.get(name)
    if isinstance(change, list | tuple) and len(change) == 2:
        return change[1]
    return current


def segments(history: History) -> list[Segment]:
    """Every segment of the resource's life, unclipped, in time order."""
    out: list[Segment] = []
    project: int | None = None
    size = ""
    open_since: datetime | None = None

    def close(at: datetime) -> None:
        nonlocal open_since
        if open_since is not None and at > open_since:
            out.append(Segment(project, size, open_since, at))
        open_since = None

    for event in history.events:
        at = whole_second(event.at)
        if event.kind == DISCOVERED:
            project = _int_or_none(_new_value(event.changes, "project", None))
            size = _new_value(event.changes, "size_slug", "") or ""
            created = parse_instant(history.created_at)
            # DO's creation precedes our first sighting; a clock-skewed later one never
            # shortens what we saw.
            open_since = min(whole_second(created), at) if created else at
        elif event.kind == UPDATED:
            new_project = _int_or_none(_new_value(event.changes, "project", project))
            new_size = _new_value(event.changes, "size_slug", size) or ""
            if (new_project, new_size) != (project, size):
                if open_since is not None:
                    close(at)
                    open_since = at
                project, size = new_project, new_size
        elif event.kind == DELETED:
            last_seen = parse_instant(_new_value(event.changes, "last_seen_at", None))
            close(min(whole_second(last_seen), at) if last_seen else at)
        elif event.kind == RESTORED:
            project = _int_or_none(_new_value(event.changes, "project", project))
            size = _new_value(event.changes, "size_slug", size) or ""
            if open_since is None:
                open_since = at
    if open_since is not None:
        close(whole_second(history.last_seen_at))
    return out


def clip(segs: Iterable[Segment], start: datetime, end: datetime) -> list[Segment]:
    """The parts of `segs` inside [start, end)."""
    out = []
    for seg in segs:
        lo, hi = max(seg.started_at, start), min(seg.ended_at, end)
        if hi > lo:
            out.append(Segment(seg.project_id, seg.size_slug, lo, hi))
    return out


def _int_or_none(value: Any) -> int | None:
    if value is None or value == "":
        return None
    return int(value)
