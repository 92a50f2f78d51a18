"""Put a reserved IP back on the droplet its spec names (DESIGN.md, "Revert"): assign
(or, for `droplet_id: null`, unassign) -> wait for the action -> verify.

The step records its intent (and the droplet it found) before calling DO and the action's
id after; resumed with the intent but no id, it looks at the IP first (already where the
spec wants: done) and at its in-flight actions (adopt ours) before calling again.
Compensation puts the IP back where the step found it, and waits for that action too.
"""

from __future__ import annotations

from typing import Any

from do_client import DOUnprocessable
from provisioning.sagas.common import CALL_RETRY, LOOK_RETRY, Verify, poll_action
from provisioning.steps import (
    JSON,
    Done,
    Outcome,
    Step,
    StepContext,
    Wait,
    in_flight_action,
    is_pending_event,
    poll_seconds,
)


def _assigned(reserved_ip: JSON) -> int | None:
    droplet = reserved_ip.get("droplet") or {}
    return int(droplet["id"]) if droplet.get("id") is not None else None


def _move(ctx: StepContext, droplet_id: Any) -> JSON:
    if droplet_id is None:
        return ctx.client.unassign_reserved_ip(ctx.provider_id)
    return ctx.client.assign_reserved_ip(ctx.provider_id, int(droplet_id))


def _get_action(ctx: StepContext) -> Any:
    return lambda action_id: ctx.client.get_reserved_ip_action(ctx.provider_id, action_id)


class Reassign(Step):
    name = "reassign"
    retry = CALL_RETRY

    def run(self, ctx: StepContext) -> Outcome:
        state: JSON = ctx.step.result.setdefault("action", {})
        if state.get("action_id"):
            return Done()
        wanted = ctx.params["value"]
        wanted = None if wanted is None else int(wanted)
        live = _assigned(ctx.client.get_reserved_ip(ctx.provider_id))
        if live == wanted:
            return Done(skipped=not state.get("intended"))
        if state.get("intended"):
            found = in_flight_action(
                lambda: ctx.client.list_reserved_ip_actions(ctx.provider_id),
                # DO names them `assign_ip` / `unassign_ip` in the action it returns.
                *(("unassign", "unassign_ip") if wanted is None else ("assign", "assign_ip")),
            )
            if found is not None:
                state["action_id"] = ctx.step.action_id = found
                return Done({"adopted": True})
        else:
            state.update(intended=True, from_droplet_id=live)
            ctx.checkpoint()
        try:
            action = _move(ctx, wanted)
        except DOUnprocessable as exc:
            if is_pending_event(exc):  # an action of ours, or another's, still runs
                return Wait(poll_seconds())
            raise
        state["action_id"] = ctx.step.action_id = int(action["id"])
        return Done()

    def compensate(self, ctx: StepContext) -> Outcome | None:
        state: JSON = ctx.step.result.get("action") or {}
        if not state.get("intended"):
            return Done({"undo": "nothing was moved"})
        undo: JSON = ctx.step.result.setdefault("undo", {})
        if undo.get("action_id"):
            return poll_action(int(undo["action_id"]), _get_action(ctx), "reserved IP undo")
        back = state.get("from_droplet_id")
        if _assigned(ctx.client.get_reserved_ip(ctx.provider_id)) == back:
            return Done({"droplet_id": back})
        undo["action_id"] = int(_move(ctx, back)["id"])
        ctx.checkpoint()
        return poll_action(int(undo["action_id"]), _get_action(ctx), "reserved IP undo")


class WaitForReassign(Step):
    name = "wait_for_reassign"
    retry = LOOK_RETRY

    def run(self, ctx: StepContext) -> Outcome:
        action_id = (ctx.result_of(Reassign.name).get("action") or {}).get("action_id")
        if not action_id:
            return Done(skipped=True)  # the IP already was where the spec wants it
        return poll_action(int(action_id), _get_action(ctx), "reserved IP assign")


def steps() -> list[Step]:
    return [Reassign(), WaitForReassign(), Verify()]
