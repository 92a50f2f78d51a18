"""Resize a database cluster back to its spec (DESIGN.md, "Revert"): one resize call for
`size_slug` and `num_nodes` together -> wait until the cluster is `online` at that shape
-> verify.

DO's resize (`PUT /v2/databases/{uuid}/resize`) answers 202 with no body and no action:
the cluster's `status` is `resizing` until it is `online` again, so the wait watches the
cluster itself. A PUT is safe to repeat, and the step looks at the cluster before it
calls: a resumed step that finds it already resizing (its own call, made before a crash)
or already at the wanted shape does not call again.

Compensation resizes the cluster back to the shape the step found (DO resizes both ways,
except storage, which this saga never touches).
"""

from __future__ import annotations

from provisioning.sagas.common import CALL_RETRY, LOOK_RETRY, Verify
from provisioning.steps import (
    JSON,
    Done,
    Outcome,
    Step,
    StepContext,
    StepFailed,
    Wait,
    poll_seconds,
)


def _shape(database: JSON) -> tuple[str, int]:
    return str(database.get("size") or ""), int(database.get("num_nodes") or 0)


def _wanted(ctx: StepContext) -> tuple[str, int]:
    return str(ctx.params["size"]), int(ctx.params["num_nodes"])


class ResizeDatabase(Step):
    name = "resize_database"
    retry = CALL_RETRY

    def run(self, ctx: StepContext) -> Outcome:
        state: JSON = ctx.step.result.setdefault("resize", {})
        database = ctx.client.get_database(ctx.provider_id)
        if _shape(database) == _wanted(ctx) and database.get("status") == "online":
            return Done(skipped=not state.get("intended"))
        if state.get("intended") and database.get("status") == "resizing":
            return Done({"in_flight": True})  # our call, made before the worker died
        if not state.get("intended"):
            size, nodes = _shape(database)
            state.update(intended=True, from_size=size, from_num_nodes=nodes)
            ctx.checkpoint()
        size, nodes = _wanted(ctx)
        ctx.client.resize_database(ctx.provider_id, size=size, num_nodes=nodes)
        return Done()

    def compensate(self, ctx: StepContext) -> Outcome | None:
        state: JSON = ctx.step.result.get("resize") or {}
        if not state.get("from_size"):
            return Done({"undo": "nothing recorded to go back to"})
        back = (str(state["from_size"]), int(state["from_num_nodes"]))
        database = ctx.client.get_database(ctx.provider_id)
        if database.get("status") == "resizing":
            return Wait(poll_seconds())
        if _shape(database) == back:
            return Done({"size": back[0], "num_nodes": back[1]})
        ctx.client.resize_database(ctx.provider_id, size=back[0], num_nodes=back[1])
        return Wait(poll_seconds())


class WaitForOnline(Step):
    name = "wait_for_online"
    retry = LOOK_RETRY

    def run(self, ctx: StepContext) -> Outcome:
        database = ctx.client.get_database(ctx.provider_id)
        status = database.get("status")
        if status in ("resizing", "migrating", "creating"):
            return Wait(poll_seconds())
        if status != "online":
            raise StepFailed(f"The database cluster is {status}, not online.")
        if _shape(database) != _wanted(ctx):
            raise StepFailed(
                f"The cluster is online at {_shape(database)}, not the wanted {_wanted(ctx)}: "
                "DO did not resize it."
            )
        return Done({"status": status})


def steps() -> list[Step]:
    return [ResizeDatabase(), WaitForOnline(), Verify()]
