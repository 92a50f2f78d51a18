"""Metering: a resource's inventory history -> its usage segments (DESIGN.md, "Segments").

Pure functions, no database. The rules:
- billable from DO's `created_at` (else the `discovered` event) until `last_seen_at`;
- the first segment counts in the first project the inventory saw, even before it saw it;
- an `updated` event changing `size_slug`, `project` or one of the kind's priced attrs
  (`billing.meters`: a volume's GiB, a cluster's nodes, a backup policy) ends a stretch
  and starts the next at that instant;
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
    """What metering needs of one resource: its lifecycle events in order, and the
    current values of the priced attrs (`discovered` events carry only the columns:
    an attr's first value is the old side of its first change, else the current one)."""

    created_at: datetime | None
    last_seen_at: datetime
    events: Sequence[Event]
    attrs: Mapping[str, Any] = field(default_factory=dict)


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
    """Every (project, size) segment of the resource's life, unclipped, in time order: the
    droplets' view of `stretches`."""
    return [
        Segment(s.project_id, s.state["size_slug"], s.started_at, s.ended_at)
        for s in stretches(history)
    ]


@dataclass(frozen=True, slots=True)
class Stretch:
    """A stretch of one resource in one project with its priced fields unchanged."""

    project_id: int | None
    state: Mapping[str, Any]
    started_at: datetime
    ended_at: datetime


def first_values(history: History, fields: Sequence[str]) -> dict[str, Any]:
    """Each priced attr's value when the resource was first seen."""
    out: dict[str, Any] = {}
    for name in fields:
        out[name] = history.attrs.get(name)
        for event in history.events:
            change = event.changes.get(name)
            if event.kind not in (UPDATED, RESTORED):
                continue
            if isinstance(change, list | tuple) and len(change) == 2:
                out[name] = change[0]
                break
    return out


def stretches(history: History, fields: Sequence[str] = ()) -> list[Stretch]:
    """Like `segments`, for any kind: a change to the project, `size_slug` or one of the
    priced attrs `fields` ends one stretch and starts the next at that instant."""
    out: list[Stretch] = []
    state: dict[str, Any] = first_values(history, fields)
    state["size_slug"] = ""
    project: int | None = None
    open_since: datetime | None = None
    names = ("size_slug", *fields)

    def close(at: datetime) -> None:
        nonlocal open_since
        if open_since is not None and at > open_since:
            out.append(Stretch(project, dict(state), open_since, at))
        open_since = None

    def apply(changes: Mapping[str, Any]) -> tuple[int | None, dict[str, Any]]:
        new_state = {n: _new_value(changes, n, state.get(n)) for n in names}
        new_state["size_slug"] = new_state["size_slug"] or ""
        return _int_or_none(_new_value(changes, "project", project)), new_state

    for event in history.events:
        at = whole_second(event.at)
        if event.kind == DISCOVERED:
            project = _int_or_none(_new_value(event.changes, "project", None))
            state["size_slug"] = _new_value(event.changes, "size_slug", "") or ""
            created = parse_instant(history.created_at)
            open_since = min(whole_second(created), at) if created else at
        elif event.kind == UPDATED:
            new_project, new_state = apply(event.changes)
            if (new_project, new_state) != (project, state):
                if open_since is not None:
                    close(at)
                    open_since = at
                project, state = new_project, new_state
        elif event.kind == DELETED:
            last_seen = parse_instant(_new_value(event.changes, "last_seen_at", None))
            close(min(whole_second(last_seen), at) if last_seen else at)
        elif event.kind == RESTORED:
            project, state = apply(event.changes)
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
