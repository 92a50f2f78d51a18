"""The simulator's state in one JSON file, so a restarted simulator is the same account.

`SimState.snapshot()` gathers each part (`snapshot_droplets`, `snapshot_projects`, ...;
DESIGN's simulator persistence protocol) into one JSON-ready dict; `StateFile` writes it
with an atomic rename, at most once a second after a change and once more at shutdown,
and `load` reads it back for `SimState.restore()`. The records' JSON shapes live here.
Invoices are not stored: they are computed from the droplets' size history, which is.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import tempfile
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .models import Action, Droplet, Project, Segment

if TYPE_CHECKING:
    from .state import SimState

logger = logging.getLogger(__name__)

FORMAT = 1
MIN_INTERVAL_SECONDS = 1.0


# -- records ---------------------------------------------------------------------------


def droplet_json(d: Droplet) -> dict[str, Any]:
    return {
        "id": d.id,
        "name": d.name,
        "size": d.size,
        "disk": d.disk,
        "region": d.region,
        "image": d.image,
        "status": d.status,
        "created_at": d.created_at,
        "tags": list(d.tags),
        "project_id": d.project_id,
        "assigned_at": d.assigned_at,
        "deleted_at": d.deleted_at,
        "pending_action": d.pending_action,
        "history": [[s.size, s.start, s.end] for s in d.history],
    }


def droplet_from_json(data: dict[str, Any]) -> Droplet:
    droplet = Droplet(
        id=int(data["id"]),
        name=data["name"],
        size=sys.intern(data["size"]),
        disk=int(data["disk"]),
        region=sys.intern(data["region"]),
        image=sys.intern(data["image"]),
        status=sys.intern(data["status"]),
        created_at=int(data["created_at"]),
        tags=tuple(sys.intern(t) for t in data["tags"]),
        project_id=sys.intern(data["project_id"]),
    )
    droplet.assigned_at = int(data["assigned_at"])
    droplet.deleted_at = data["deleted_at"]
    droplet.pending_action = data["pending_action"]
    droplet.history = [
        Segment(sys.intern(size), start, end) for size, start, end in data["history"]
    ]
    return droplet


def action_json(a: Action) -> dict[str, Any]:
    return {
        "id": a.id,
        "type": a.type,
        "status": a.status,
        "resource_id": a.resource_id,
        "region": a.region,
        "started_at": a.started_at,
        "completed_at": a.completed_at,
        "due": a.due,
        "errored": a.errored,
        "params": a.params,
    }


def action_from_json(data: dict[str, Any]) -> Action:
    action = Action(
        id=int(data["id"]),
        type=data["type"],
        resource_id=int(data["resource_id"]),
        region=data["region"],
        started_at=int(data["started_at"]),
        due=float(data["due"]),
        errored=bool(data["errored"]),
        params=data["params"],
    )
    action.status = data["status"]
    action.completed_at = data["completed_at"]
    return action


PROJECT_FIELDS = (
    "id",
    "name",
    "description",
    "purpose",
    "environment",
    "is_default",
    "created_at",
    "updated_at",
)


def project_json(p: Project) -> dict[str, Any]:
    return {name: getattr(p, name) for name in PROJECT_FIELDS}


def project_from_json(data: dict[str, Any]) -> Project:
    project = Project(
        id=data["id"],
        name=data["name"],
        description=data["description"],
        purpose=data["purpose"],
        environment=data["environment"],
        is_default=bool(data["is_default"]),
        created_at=int(data["created_at"]),
    )
    project.updated_at = int(data["updated_at"])
    return project


# -- the file --------------------------------------------------------------------------


def load(path: Path) -> dict[str, Any] | None:
    """The saved state, or None when there is no file yet."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    data = json.loads(text)
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ValueError(f"{path} is not a do_simulator state file (format {FORMAT})")
    return data


def write(path: Path, snapshot: dict[str, Any]) -> None:
    """Write atomically: a reader (or a crash) sees the old file or the new, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(snapshot, out, separators=(",", ":"))
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class StateFile:
    """Saves `state` to `path` after changes, debounced, from one background thread.

    `changed()` is cheap (the server calls it after every mutating request); the thread
    writes at most once per `interval` seconds, and `close()` writes whatever is pending.
    """

    def __init__(
        self, state: SimState, path: Path, *, interval: float = MIN_INTERVAL_SECONDS
    ) -> None:
        self.state = state
        self.path = path
        self.interval = interval
        self._dirty = threading.Event()
        self._closed = threading.Event()
        self._write_lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="do-simulator-persist", daemon=True)
        self._thread.start()

    def changed(self) -> None:
        self._dirty.set()

    def save(self) -> None:
        with self._write_lock:
            self._dirty.clear()
            write(self.path, self.state.snapshot())

    def _run(self) -> None:
        while not self._closed.is_set():
            self._dirty.wait()
            if self._closed.is_set():
                return
            try:
                self.save()
            except Exception:
                logger.exception("do_simulator: cannot save the state to %s", self.path)
            self._closed.wait(self.interval)

    def close(self) -> None:
        """Stop the thread and save once more."""
        if self._closed.is_set():
            return
        self._closed.set()
        self._dirty.set()  # wake the thread so it exits
        self._thread.join(timeout=10)
        self.save()
