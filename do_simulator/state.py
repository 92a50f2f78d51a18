"""The simulator's whole state, thread-safe behind one lock, with a Python API for tests.

`SimState` answers the HTTP API (methods returning DO-shaped bodies, from the mixins),
and also offers what an operator in DO's console or a test needs:
- faults: `set_faults(...)`, `reset_faults()`, `fail_next_action(droplet_id)`;
- out-of-band changes: `oob_resize`, `oob_retag`, `oob_rename`, `oob_delete`,
  `oob_move`, `oob_power`, `oob_add_droplets`;
- reads: `droplet(id)`, `droplet_ids()`, `project_named(name)`, `summary()`.
Out-of-band changes take effect at once, with no action, as a console click seen from
the API would. `at=` backdates a change (billing tests), never before the droplet's
current size segment.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from . import persist, render
from .base import locked
from .catalog import IMAGES, REGIONS, SIZE_JSON, SIZES
from .faults import FaultDecision, Faults, RateVerdict, decide
from .fleet import ROLES, build_fleet
from .models import SimError, not_found, unprocessable
from .state_billing import InvoicesMixin
from .state_droplets import DropletsMixin, valid_name, valid_tag
from .state_projects import ProjectsMixin
from .state_resources import ResourcesMixin


def month_start(epoch: int) -> int:
    """The first second of `epoch`'s UTC month."""
    moment = datetime.fromtimestamp(epoch, tz=UTC)
    return int(datetime(moment.year, moment.month, 1, tzinfo=UTC).timestamp())


class SimState(DropletsMixin, ProjectsMixin, InvoicesMixin, ResourcesMixin):
    def __init__(
        self,
        *,
        droplets: int = 50,
        gpu_droplets: int = 0,
        seed: int = 1,
        token: str | None = "sim-token",
        action_seconds: float = 2.0,
        rate_limit: int = 5000,
        rate_window: float = 3600.0,
        burst_limit: int = 250,
        burst_window: float = 60.0,
        clock: Callable[[], float] = time.time,
        resources: Mapping[str, int] | None = None,
    ) -> None:
        # The fleet's history is anchored at the start of the current UTC month, not at
        # the clock, so a restarted simulator serves the same droplets (same created_at)
        # and a re-sync sees nothing changed.
        fleet = build_fleet(
            seed=seed, droplets=droplets, gpu_droplets=gpu_droplets, now=month_start(int(clock()))
        )
        super().__init__(
            fleet,
            seed=seed,
            token=token,
            action_seconds=action_seconds,
            rate_limit=rate_limit,
            rate_window=rate_window,
            burst_limit=burst_limit,
            burst_window=burst_window,
            clock=clock,
        )
        # Every other kind (`resources`: count per kind, else a small account), anchored
        # like the droplets so a restart serves the same records.
        self.init_resources(resources, now=month_start(int(clock())))
        self.droplet_extras = fleet.extras

    # -- persistence (persist.py) ------------------------------------------------------

    @locked
    def snapshot(self) -> dict[str, Any]:
        """The whole account as JSON-ready data: every part's `snapshot_<part>()`."""
        parts = {name: getattr(self, f"snapshot_{name}")() for name in self.persisted_parts()}
        return {"format": persist.FORMAT, "seed": self.seed, "saved_at": self.now(), **parts}

    @locked
    def restore(self, data: Mapping[str, Any]) -> None:
        """Replace the account with a snapshot's; parts it lacks keep their seed state."""
        # The seed names invoices, VPCs and new projects: the saved account's seed wins.
        self.seed = int(data.get("seed", self.seed))
        self.vpcs.clear()
        for name in self.persisted_parts():
            if name in data:
                getattr(self, f"restore_{name}")(data[name])
        self._cache.clear()
        self.touch(history_at=0)  # every cached listing and invoice is stale

    def persisted_parts(self) -> list[str]:
        # `resources` (the other kinds) joins when its mixin offers the pair.
        parts = ["projects", "tags", "droplets", "actions", "resources"]
        return [
            p for p in parts if hasattr(self, f"snapshot_{p}") and hasattr(self, f"restore_{p}")
        ]

    # -- requests: auth, rate limit, faults ------------------------------------------

    def authenticate(self, token: str | None) -> bool:
        """One configured token, or (token None) any non-empty bearer token."""
        if not token:
            return False
        return self.token is None or token == self.token

    def rate_hit(self, token: str) -> RateVerdict:
        with self.lock:
            return self.rate_limiter.hit(token)

    def next_fault(self) -> FaultDecision:
        with self.lock:
            self.response_count += 1
            return decide(self.faults, self.response_count)

    def set_faults(self, **faults: Any) -> Faults:
        """Replace the fault settings (unnamed ones reset) and restart the counter."""
        new = Faults.parse(faults)
        with self.lock:
            self.faults = new
            self.response_count = 0
            return new

    def reset_faults(self) -> None:
        with self.lock:
            self.faults = Faults()
            self.response_count = 0
            self.fail_next_action_ids.clear()

    @locked
    def fail_next_action(self, droplet_id: int) -> None:
        """The next action started on this droplet ends `errored`."""
        self.droplet_or_404(droplet_id)
        self.fail_next_action_ids.add(int(droplet_id))

    # -- out-of-band changes ---------------------------------------------------------

    @locked
    def oob_resize(
        self, droplet_id: int, size: str, *, disk: bool = False, at: int | None = None
    ) -> None:
        droplet = self.droplet_or_404(droplet_id)
        if size not in SIZES:
            raise unprocessable(f"unknown size {size!r}")
        at = self.now() if at is None else at
        try:
            droplet.change_size(size, at)
        except ValueError as exc:
            raise unprocessable(str(exc)) from exc
        if disk:
            droplet.disk = SIZES[size].disk
        self.touch(history_at=at)

    @locked
    def oob_retag(self, droplet_id: int, tags: Iterable[str]) -> None:
        droplet = self.droplet_or_404(droplet_id)
        tags = list(dict.fromkeys(tags))
        if not all(valid_tag(t) for t in tags):
            raise unprocessable("invalid tag name")
        droplet.tags = tuple(tags)
        self.tags.update(tags)
        self.touch()

    @locked
    def oob_rename(self, droplet_id: int, name: str) -> None:
        if not valid_name(name):
            raise unprocessable("invalid droplet name")
        self.droplet_or_404(droplet_id).name = name
        self.touch()

    @locked
    def oob_delete(self, droplet_id: int, *, at: int | None = None) -> None:
        self.delete_droplet(droplet_id, at=at)

    @locked
    def oob_move(self, droplet_id: int, project_id: str) -> None:
        self.move_droplet(self.droplet_or_404(droplet_id), self.project_or_404(project_id))

    @locked
    def oob_power(self, droplet_id: int, *, on: bool) -> None:
        self.droplet_or_404(droplet_id).status = "active" if on else "off"
        self.touch()

    @locked
    def oob_add_droplets(
        self,
        count: int,
        *,
        size: str = "s-1vcpu-1gb",
        region: str = "nyc3",
        image: str = "ubuntu-24-04-x64",
        tags: Iterable[str] = (),
        project_id: str | None = None,
        name_prefix: str | None = None,
        created_at: int | None = None,
    ) -> list[int]:
        """Add `count` active droplets, as if created in the console; returns their ids."""
        if size not in SIZES or region not in REGIONS or image not in IMAGES:
            raise unprocessable("unknown size, region or image")
        tags = list(tags)
        if not all(valid_tag(t) for t in tags):
            raise unprocessable("invalid tag name")
        project = self.project_or_404(project_id) if project_id else self.default_project()
        ids = []
        for _ in range(count):
            prefix = name_prefix or ROLES[self.next_droplet_id % len(ROLES)]
            droplet = self.add_droplet(
                name=f"{prefix}-{region}-{self.next_droplet_id}",
                size=size,
                region=region,
                image=image,
                tags=tags,
                project_id=project.id,
                status="active",
                created_at=created_at,
            )
            ids.append(droplet.id)
        return ids

    # -- catalog -----------------------------------------------------------------------

    def list_sizes(self, query: Mapping[str, str], base_url: str) -> dict[str, Any]:
        page, links, meta = render.paginate(
            list(SIZE_JSON.values()), query=query, url=f"{base_url}/v2/sizes"
        )
        return {"sizes": list(page), "links": links, "meta": meta}

    # -- reads for tests and the control API -------------------------------------------

    @locked
    def droplet(self, droplet_id: int) -> dict[str, Any]:
        """The droplet as DO's API renders it."""
        return json.loads(self.render_droplet(self.droplet_or_404(droplet_id)))  # type: ignore[no-any-return]

    @locked
    def droplet_ids(self) -> list[int]:
        return list(self.live_ids())

    @locked
    def project_named(self, name: str) -> dict[str, Any]:
        for project in self.projects.values():
            if project.name == name:
                return self.get_project(project.id)["project"]
        raise not_found()

    @locked
    def summary(self) -> dict[str, Any]:
        statuses: dict[str, int] = {}
        for droplet in self.droplets.values():
            statuses[droplet.status] = statuses.get(droplet.status, 0) + 1
        pending = sum(1 for a in self.actions.values() if a.status == "in-progress")
        gpus = len(self._kind_ids(True))
        return {
            "droplets": len(self.droplets) - gpus,
            "gpu_droplets": gpus,
            "deleted_droplets": len(self.deleted),
            "droplet_statuses": statuses,
            "projects": {p.name: p.id for p in self.projects.values()},
            "tags": len(self.tags),
            "actions": len(self.actions),
            "actions_in_progress": pending,
            "responses": self.response_count,
            "faults": self.faults.as_dict(),
            "any_token": self.token is None,
            "action_seconds": self.action_seconds,
            "resources": self.resource_counts(),
        }


__all__ = ["SimError", "SimState"]
