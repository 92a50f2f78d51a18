"""What only some droplets have: backups (and their policy) and snapshots.

Most droplets have none of these, so they live beside the droplet record, in a map from
droplet id to `DropletExtras`, and 100,000 plain droplets cost nothing more. Wire formats:
resources/droplets/models/droplet_backup_policy*.yml and droplet_next_backup_window.yml in
DO's spec. (`kernel` is always null: DO's spec says every droplet created after March 2017
uses an internal kernel, and the simulated fleet is younger.)
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from .models import iso

WEEKDAYS = ["MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"]
BACKUP_HOURS = (0, 4, 8, 12, 16, 20)
WINDOW_HOURS = 4
RETENTION_DAYS = {"daily": 7, "weekly": 28}
# resources/droplets/responses/droplets_supported_backup_policies.yml
SUPPORTED_POLICIES = [
    {
        "name": "weekly",
        "possible_window_starts": list(BACKUP_HOURS),
        "window_length_hours": WINDOW_HOURS,
        "retention_period_days": RETENTION_DAYS["weekly"],
        "possible_days": ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"],
    },
    {
        "name": "daily",
        "possible_window_starts": list(BACKUP_HOURS),
        "window_length_hours": WINDOW_HOURS,
        "retention_period_days": RETENTION_DAYS["daily"],
        "possible_days": [],
    },
]


class DropletExtras:
    """A droplet's backups and snapshots; `plan` None means backups are off."""

    __slots__ = ("backup_ids", "hour", "plan", "snapshot_ids", "weekday")

    def __init__(
        self,
        *,
        plan: str | None = None,
        weekday: str | None = None,
        hour: int = 0,
        backup_ids: tuple[int, ...] = (),
        snapshot_ids: tuple[int, ...] = (),
    ) -> None:
        self.plan = plan
        self.weekday = weekday
        self.hour = hour
        self.backup_ids = backup_ids
        self.snapshot_ids = snapshot_ids

    def as_json(self) -> dict[str, Any]:
        return {
            "plan": self.plan,
            "weekday": self.weekday,
            "hour": self.hour,
            "backup_ids": list(self.backup_ids),
            "snapshot_ids": list(self.snapshot_ids),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> DropletExtras:
        return cls(
            plan=data.get("plan"),
            weekday=data.get("weekday"),
            hour=int(data.get("hour", 0)),
            backup_ids=tuple(data.get("backup_ids", ())),
            snapshot_ids=tuple(data.get("snapshot_ids", ())),
        )


def policy(extras: DropletExtras) -> dict[str, Any]:
    body: dict[str, Any] = {"plan": extras.plan}
    if extras.plan == "weekly":
        body["weekday"] = extras.weekday
    body["hour"] = extras.hour
    body["window_length_hours"] = WINDOW_HOURS
    body["retention_period_days"] = RETENTION_DAYS[extras.plan or "daily"]
    return body


def next_window(extras: DropletExtras, now: int) -> dict[str, str]:
    """The next backup window starting after `now`, as DO's `next_backup_window`."""
    moment = datetime.fromtimestamp(now, UTC)
    start = moment.replace(hour=extras.hour, minute=0, second=0, microsecond=0)
    if extras.plan == "weekly" and extras.weekday in WEEKDAYS:
        start += timedelta(days=(WEEKDAYS.index(extras.weekday) - start.weekday()) % 7)
        step = timedelta(days=7)
    else:
        step = timedelta(days=1)
    while start <= moment:
        start += step
    end = start + timedelta(hours=WINDOW_HOURS)
    return {"start": iso(start.timestamp()), "end": iso(end.timestamp())}


def policy_record(droplet_id: int, extras: DropletExtras | None, now: int) -> dict[str, Any]:
    """One entry of `/v2/droplets/backups/policies` (droplet_backup_policy_record.yml)."""
    if extras is None or extras.plan is None:
        return {"droplet_id": droplet_id, "backup_enabled": False}
    return {
        "droplet_id": droplet_id,
        "backup_enabled": True,
        "backup_policy": policy(extras),
        "next_backup_window": next_window(extras, now),
    }
