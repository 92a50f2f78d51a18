"""Grow a volume back to its spec (DESIGN.md, "Revert"): resize -> wait for the action ->
verify.

DO only grows a volume (a smaller `size_gigabytes` is a 422), so `revert_drift` refuses a
shrink before any saga starts, and a completed resize can never be undone: once the wait
saw it complete the run only rolls forward. A resize DO refused or that ended `errored`
changed nothing, so there is nothing to compensate either.

Resumable: the step records its intent before calling DO and the action's id after; a
step resumed with the intent but no id (the worker died between the two) first looks at
the volume (already grown: done) and at its in-flight actions (adopt the resize), and
only then calls DO again.
"""

from __future__ import annotations

from do_client import DOUnprocessable
from provisioning.sagas.common import CALL_RETRY, LOOK_RETRY, Verify, poll_action
from provisioning.steps import (
    JSON,
    Done,
    Outcome,
    Step,
    StepContext,
    StepFailed,
    Wait,
    in_flight_action,
    is_pending_event,
    poll_seconds,
)


class ResizeVolume(Step):
    name = "resize_volume"
    retry = CALL_RETRY

    def run(self, ctx: StepContext) -> Outcome:
        state: JSON = ctx.step.result.setdefault("action", {})
        if state.get("action_id"):
            return Done()
        wanted = int(ctx.params["value"])
        volume = ctx.client.get_volume(ctx.provider_id)
        live = int(volume.get("size_gigabytes") or 0)
        if live == wanted:
            return Done(skipped=not state.get("intended"))
        if live > wanted:
            raise StepFailed(
                f"The volume has {live} GiB and the spec wants {wanted} GiB: DO refuses "
                "shrinking a volume."
            )
        if state.get("intended"):
            found = in_flight_action(
                lambda: ctx.client.list_volume_actions(ctx.provider_id), "resize"
            )
            if found is not None:
                state["action_id"] = ctx.step.action_id = found
                return Done({"adopted": True})
        else:
            state.update(intended=True, from_size_gigabytes=live)
            ctx.checkpoint()
        region = (volume.get("region") or {}).get("slug") or ""
        try:
            action = ctx.client.resize_volume(ctx.provider_id, wanted, region=region)
        except DOUnprocessable as exc:
            if is_pending_event(exc):  # an action of ours, or another's, still runs
                return Wait(poll_seconds())
            raise
        state["action_id"] = ctx.step.action_id = int(action["id"])
        return Done()


class WaitForResize(Step):
    """Poll the resize action; once it completed the volume has grown for good."""

    name = "wait_for_resize"
    retry = LOOK_RETRY

    def run(self, ctx: StepContext) -> Outcome:
        action_id = (ctx.result_of(ResizeVolume.name).get("action") or {}).get("action_id")
        if not action_id:
            return Done(skipped=True)  # the volume already had the size
        return poll_action(
            int(action_id),
            lambda a: ctx.client.get_volume_action(ctx.provider_id, a),
            "volume resize",
        )

    def irreversible(self, ctx: StepContext) -> bool:
        return True  # a grown volume never shrinks again


def steps() -> list[Step]:
    return [ResizeVolume(), WaitForResize(), Verify()]
