"""The simulator's in-memory records, and the error it raises.

Records use `__slots__` so that 100,000 droplets stay small: a droplet is a handful of
interned strings and ints, and its DO-shaped JSON is rendered per request (`render.py`).
Times are whole Unix seconds, as DO's ISO timestamps are.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

# Fixed namespace so a droplet's `resource_uuid` is the same on every run with the same id.
UUID_NAMESPACE = uuid.UUID("5f0c3c8e-6a4e-4f43-9d2e-0d1f1a5e7b11")


class SimError(Exception):
    """An API error with DO's body: `{"id", "message", "request_id"}`."""

    def __init__(
        self, status: int, error_id: str, message: str, *, extra: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.error_id = error_id
        self.message = message
        self.extra = extra or {}


def not_found() -> SimError:
    return SimError(404, "not_found", "The resource you were accessing could not be found.")


def unprocessable(message: str) -> SimError:
    return SimError(422, "unprocessable_entity", message)


def bad_request(message: str) -> SimError:
    return SimError(400, "bad_request", message)


def iso(ts: float) -> str:
    return datetime.fromtimestamp(int(ts), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def droplet_uuid(droplet_id: int) -> str:
    return str(uuid.uuid5(UUID_NAMESPACE, f"droplet:{droplet_id}"))


class Segment:
    """One stretch of a droplet's life at one size: what DO bills."""

    __slots__ = ("end", "size", "start")

    def __init__(self, size: str, start: int, end: int | None = None) -> None:
        self.size = size
        self.start = start
        self.end = end

    def __repr__(self) -> str:
        return f"Segment({self.size!r}, {self.start}, {self.end})"


class Droplet:
    __slots__ = (
        "assigned_at",
        "created_at",
        "deleted_at",
        "disk",
        "history",
        "id",
        "image",
        "name",
        "pending_action",
        "project_id",
        "region",
        "size",
        "status",
        "tags",
    )

    def __init__(
        self,
        *,
        id: int,
        name: str,
        size: str,
        disk: int,
        region: str,
        image: str,
        status: str,
        created_at: int,
        tags: tuple[str, ...],
        project_id: str,
    ) -> None:
        self.id = id
        self.name = name
        self.size = size
        self.disk = disk
        self.region = region
        self.image = image
        self.status = status
        self.created_at = created_at
        self.tags = tags
        self.project_id = project_id
        self.assigned_at = created_at
        self.deleted_at: int | None = None
        self.pending_action: int | None = None
        self.history: list[Segment] = [Segment(size, created_at)]

    def change_size(self, size: str, at: int) -> None:
        """Close the open billing segment and open one at the new size."""
        if size == self.size:
            return
        current = self.history[-1]
        if at < current.start:
            raise ValueError("a size change cannot predate the current segment")
        current.end = at
        self.history.append(Segment(size, at))
        self.size = size

    def end_life(self, at: int) -> None:
        self.history[-1].end = max(at, self.history[-1].start)
        self.deleted_at = at


class Project:
    __slots__ = (
        "created_at",
        "description",
        "environment",
        "id",
        "is_default",
        "name",
        "purpose",
        "updated_at",
    )

    def __init__(
        self,
        *,
        id: str,
        name: str,
        description: str,
        purpose: str,
        environment: str,
        is_default: bool,
        created_at: int,
    ) -> None:
        self.id = id
        self.name = name
        self.description = description
        self.purpose = purpose
        self.environment = environment
        self.is_default = is_default
        self.created_at = created_at
        self.updated_at = created_at


class Action:
    __slots__ = (
        "completed_at",
        "due",
        "errored",
        "id",
        "params",
        "region",
        "resource_id",
        "started_at",
        "status",
        "type",
    )

    def __init__(
        self,
        *,
        id: int,
        type: str,
        resource_id: int,
        region: str,
        started_at: int,
        due: float,
        errored: bool,
        params: dict[str, object] | None = None,
    ) -> None:
        self.id = id
        self.type = type
        self.status = "in-progress"
        self.resource_id = resource_id
        self.region = region
        self.started_at = started_at
        self.completed_at: int | None = None
        self.due = due
        self.errored = errored
        self.params = params or {}
