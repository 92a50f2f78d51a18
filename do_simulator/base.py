"""The simulator state's shared core: records, the one lock, time, actions, caches.

Every public state method runs under `self.lock` (an RLock) through `@locked`, which
first settles the actions that are due, so a droplet's status moves from `new` to
`active` (or `active` to `off`) exactly when its action completes, with no timer thread.
Derived lists (ids in id order, ids per tag, per project) are cached against a version
number that every mutation bumps, so paging through 100,000 droplets costs a slice.
"""

from __future__ import annotations

import functools
import heapq
import random
import threading
from collections.abc import Callable
from typing import Any, Concatenate, ParamSpec, TypeVar

from . import billing
from .catalog import SIZES
from .faults import Faults, RateLimiter
from .fleet import Fleet, new_uuid
from .models import Action, Droplet, Project, SimError, not_found, unprocessable

P = ParamSpec("P")
R = TypeVar("R")
S = TypeVar("S", bound="StateBase")

FIRST_ACTION_ID = 2_100_000_000


def locked(method: Callable[Concatenate[S, P], R]) -> Callable[Concatenate[S, P], R]:
    @functools.wraps(method)
    def wrapper(self: S, /, *args: P.args, **kwargs: P.kwargs) -> R:
        with self.lock:
            self._advance()
            return method(self, *args, **kwargs)

    return wrapper


class StateBase:
    def __init__(
        self,
        fleet: Fleet,
        *,
        seed: int,
        token: str | None,
        action_seconds: float,
        rate_limit: int,
        rate_window: float,
        burst_limit: int,
        burst_window: float,
        clock: Callable[[], float],
    ) -> None:
        self.lock = threading.RLock()
        self.seed = seed
        self.token = token
        self.action_seconds = action_seconds
        self.clock = clock
        self.base_url = "http://127.0.0.1"  # the server sets the real one once bound
        self.rate_limiter = RateLimiter(
            rate_limit, rate_window, clock, burst_limit=burst_limit, burst_window=burst_window
        )
        self.faults = Faults()
        self.response_count = 0
        self.fail_next_action_ids: set[int] = set()

        self.projects: dict[str, Project] = {p.id: p for p in fleet.projects}
        self.tags: set[str] = set(fleet.tags)
        self.droplets: dict[int, Droplet] = {d.id: d for d in fleet.droplets}
        self.deleted: dict[int, Droplet] = {d.id: d for d in fleet.deleted}
        self.next_droplet_id = fleet.next_droplet_id
        self.vpcs: dict[str, str] = {}
        self.actions: dict[int, Action] = {}
        self.droplet_actions: dict[int, list[int]] = {}
        self.next_action_id = FIRST_ACTION_ID
        self._due: list[tuple[float, int]] = []  # heap of (due time, action id)
        self.version = 0  # bumped by every change to live droplets
        self.history_version = 0  # bumped by every change to billing history
        self.past_version = 0  # bumped by history changes before the running month
        self._cache: dict[tuple[Any, ...], tuple[object, Any]] = {}

    # -- time and versions -------------------------------------------------------------

    def now(self) -> int:
        return int(self.clock())

    def touch(self, *, history_at: int | None = None) -> None:
        """Record a change; `history_at` is when a billing-history change takes effect."""
        self.version += 1
        if history_at is not None:
            self.history_version += 1
            # Ended months' invoices only change when a change reaches back into them.
            if history_at < billing.month_start(billing.period_of(self.now())):
                self.past_version += 1

    def _reprice(self, kind: str, rid: str, record: dict[str, Any] | None) -> None:
        """A priced record was stored, changed or deleted (None): the invoices' ledger
        (`InvoicesMixin._reprice`) follows it."""

    def cached(self, key: tuple[Any, ...], version: object, build: Callable[[], R]) -> R:
        hit = self._cache.get(key)
        if hit is not None and hit[0] == version:
            return hit[1]  # type: ignore[no-any-return]
        value = build()
        self._cache[key] = (version, value)
        return value

    # -- lookups -----------------------------------------------------------------------

    def live_ids(self) -> list[int]:
        # Ids only grow, so dict order is id order: DO's stable listing order.
        return self.cached(("ids",), self.version, lambda: list(self.droplets))

    def droplet_or_404(self, droplet_id: int | str) -> Droplet:
        try:
            return self.droplets[int(droplet_id)]
        except (KeyError, ValueError):
            raise not_found() from None

    def project_or_404(self, project_id: str) -> Project:
        if project_id == "default":
            return self.default_project()
        project = self.projects.get(project_id)
        if project is None:
            raise not_found()
        return project

    def default_project(self) -> Project:
        return next(p for p in self.projects.values() if p.is_default)

    def vpc_for(self, region: str) -> str:
        vpc = self.vpcs.get(region)
        if vpc is None:
            vpc = self.vpcs[region] = new_uuid(random.Random(f"{self.seed}:vpc:{region}"))
        return vpc

    # -- actions -----------------------------------------------------------------------

    def begin_action(
        self, droplet: Droplet, kind: str, params: dict[str, object] | None = None
    ) -> Action:
        """Start an action on a droplet; it completes `action_seconds` from now."""
        if droplet.pending_action is not None:
            raise unprocessable("Droplet already has a pending event.")
        errored = self.faults.action_errors or droplet.id in self.fail_next_action_ids
        self.fail_next_action_ids.discard(droplet.id)
        now = self.clock()
        action = Action(
            id=self.next_action_id,
            type=kind,
            resource_id=droplet.id,
            region=droplet.region,
            started_at=int(now),
            due=now + self.action_seconds,
            errored=errored,
            params=params,
        )
        self.next_action_id += 1
        self.actions[action.id] = action
        self.droplet_actions.setdefault(droplet.id, []).append(action.id)
        droplet.pending_action = action.id
        heapq.heappush(self._due, (action.due, action.id))
        return action

    def _advance(self) -> None:
        now = self.clock()
        while self._due and self._due[0][0] <= now:
            _, action_id = heapq.heappop(self._due)
            self._complete(self.actions[action_id])

    def _complete(self, action: Action) -> None:
        at = max(int(action.due), action.started_at)
        action.completed_at = at
        action.status = "errored" if action.errored else "completed"
        droplet = self.droplets.get(action.resource_id)
        if droplet is None:  # destroyed while the action ran
            return
        droplet.pending_action = None
        if not action.errored:
            self._apply(droplet, action, at)
        self.touch()

    def _apply(self, droplet: Droplet, action: Action, at: int) -> None:
        kind = action.type
        if kind in ("create", "power_on", "reboot", "power_cycle"):
            droplet.status = "active"
        elif kind in ("power_off", "shutdown"):
            droplet.status = "off"
        elif kind == "rename":
            droplet.name = str(action.params["name"])
        elif kind == "resize":
            size = str(action.params["size"])
            droplet.change_size(size, at)
            if action.params.get("disk"):
                droplet.disk = SIZES[size].disk
            self.touch(history_at=at)


__all__ = ["SimError", "StateBase", "locked"]
