"""What a saga is made of: steps, their outcomes and their context.

A step's `run(ctx)` returns `Done` (the step's work holds) or `Wait` (DO is busy: come back
in a few seconds); its optional `compensate(ctx)` undoes it, returning the same. Both must
be idempotent: the engine records a step before and after its DO call, so a crash between
the two runs the step again, and a step always looks at DO before it acts (power off: skip
when already off; create: look for the droplet tagged with the saga's id first).

A step may mutate `ctx.step.result` and `ctx.step.action_id` (and `ctx.run.droplet_id`,
`ctx.run.resource_id`); the engine persists them with the outcome. `ctx.checkpoint()`
persists them at once, for what must be on record before a DO call is made.

Each step declares its `retry` policy (as Temporal declares one per activity): how many
times the engine tries it, and the backoff between tries. It is the only retry layer: the
engine gives steps a DO client that never retries or sleeps (`client_for(..., waits=False)`),
so a 429 reaches the engine at once and parks the run for DO's `retry_after`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

from do_client import DOClient, DOError, DOUnprocessable
from provisioning.models import SagaRun, SagaStep

JSON = dict[str, Any]

DEFAULT_POLL_SECONDS = 5.0


def poll_seconds() -> float:
    """How long to wait before looking at a DO action again."""
    return float(getattr(settings, "PROVISIONING_POLL_SECONDS", DEFAULT_POLL_SECONDS))


@dataclass(frozen=True)
class RetryPolicy:
    """How the engine retries a step that raised something retryable (429, 5xx, a
    timeout, a bad body, a bug): `attempts` tries in all, then the saga fails (and
    compensates); exponential backoff with jitter from `backoff_base`, capped at
    `backoff_cap`, and never shorter than DO's `retry_after`."""

    attempts: int = 5
    backoff_base: float = 2.0
    backoff_cap: float = 300.0
    # Past a step that cannot be undone there is nothing to fall back to: keep trying
    # for hours.
    roll_forward_attempts: int = 25
    compensation_attempts: int = 5

    def __post_init__(self) -> None:
        if min(self.attempts, self.roll_forward_attempts, self.compensation_attempts) < 1:
            raise ValueError("A retry policy allows at least one attempt.")


DEFAULT_RETRY = RetryPolicy()


@dataclass(frozen=True)
class Done:
    result: JSON = field(default_factory=dict)
    # True when DO already was as the step wanted and nothing was done.
    skipped: bool = False


@dataclass(frozen=True)
class Wait:
    seconds: float


Outcome = Done | Wait


class StepFailed(Exception):
    """A step cannot succeed by retrying (DO refused, or an action ended `errored`)."""


class ActionErrored(StepFailed):
    """A DO action ended `errored`."""


@dataclass
class StepContext:
    run: SagaRun
    step: SagaStep
    client: DOClient
    # Every step row of the run, by name: later steps read earlier results.
    steps: dict[str, SagaStep]
    checkpoint: Callable[[], None]

    @property
    def params(self) -> JSON:
        return self.run.params

    @property
    def droplet_id(self) -> int:
        if self.run.droplet_id is None:
            raise StepFailed("The saga has no droplet yet.")
        return int(self.run.droplet_id)

    @property
    def provider_id(self) -> str:
        """DO's id of the saga's resource (a volume's uuid, a reserved IP's address)."""
        if self.run.resource is None:
            raise StepFailed("The saga has no resource.")
        return str(self.run.resource.provider_id)

    def result_of(self, name: str) -> JSON:
        return self.steps[name].result or {}


class Step:
    """One step of a saga. Subclasses set `name` and implement `run`."""

    name: str = ""
    # Compensate this step even when it failed (create: a droplet may exist anyway).
    compensate_failed: bool = False
    retry: RetryPolicy = DEFAULT_RETRY

    def run(self, ctx: StepContext) -> Outcome:
        raise NotImplementedError

    def compensate(self, ctx: StepContext) -> Outcome | None:
        """Undo the step; None when there is nothing to undo."""
        return None

    def irreversible(self, ctx: StepContext) -> bool:
        """True when, once this step completed, the saga may only roll forward."""
        return False


def is_pending_event(exc: DOUnprocessable) -> bool:
    """DO's 422 for a resource that already has an action running."""
    return "pending" in (exc.message or "").lower()


def in_flight_action(actions: Callable[[], Iterable[JSON]], *types: str) -> int | None:
    """The id of an `in-progress` action of one of `types` among a resource's actions:
    what a step resumed after a crash (its DO call made, its outcome never recorded)
    adopts instead of calling DO again. None when there is none, or DO cannot list them."""
    try:
        found = [
            int(a["id"])
            for a in actions()
            if a.get("type") in types and a.get("status") == "in-progress"
        ]
    except DOError:
        return None
    return max(found) if found else None


def drive_action(
    ctx: StepContext,
    slot: str,
    action: str,
    *,
    wanted: Callable[[JSON], bool],
    params: JSON | None = None,
    observe: Callable[[JSON], JSON] | None = None,
) -> Outcome:
    """Bring the droplet to the `wanted` state with one DO action, resumably.

    The action's id lives in `ctx.step.result[slot]`: with one, poll it (in progress: Wait;
    completed: Done; errored: forget it and raise ActionErrored, so a retry starts afresh).
    Without one, look at the droplet: already wanted -> Done (skipped, unless an earlier
    attempt meant to act and may have: then it simply holds). Otherwise record the intent
    (and what `observe` keeps of the droplet as it was), start the action and Wait. A 422
    "pending event" means an action is already running on the droplet (ours, from an
    attempt that crashed before recording its id): Wait and look again. Better still, a
    step resumed with the intent recorded but no id first looks for its in-flight action
    among the droplet's and adopts it, so it never starts the action twice.
    """
    state: JSON = ctx.step.result.setdefault(slot, {})
    action_id = state.get("action_id")
    if action_id:
        status = ctx.client.get_action(action_id).get("status")
        if status == "in-progress":
            return Wait(poll_seconds())
        if status == "completed":
            return Done()
        state.pop("action_id")
        raise ActionErrored(f"DO {action} action {action_id} ended {status or 'without a status'}.")

    droplet = ctx.client.get_droplet(ctx.droplet_id)
    if wanted(droplet):
        return Done(skipped=not state.get("intended"))
    if state.get("intended"):
        # An earlier attempt meant to act and may have: adopt its action if it still runs.
        found = in_flight_action(lambda: ctx.client.list_droplet_actions(ctx.droplet_id), action)
        if found is not None:
            state["action_id"] = ctx.step.action_id = found
            return Wait(poll_seconds())
    else:
        state["intended"] = True
        if observe is not None:
            state.update(observe(droplet))
        ctx.checkpoint()
    try:
        started = ctx.client.droplet_action(ctx.droplet_id, action, **(params or {}))
    except DOUnprocessable as exc:
        if is_pending_event(exc):
            return Wait(poll_seconds())
        raise
    state["action_id"] = started["id"]
    ctx.step.action_id = started["id"]
    return Wait(poll_seconds())
