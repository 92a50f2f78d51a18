"""Kubernetes node pools back to their spec (DESIGN.md, "Revert").

`node_pools.<pool>.count`, a scale: update the pool's count -> wait until it has that many
nodes, all running -> verify. A PUT is safe to repeat and the step compares the live count
first; compensation scales the pool back to the count it found.

`node_pools.<pool>.size`, a replacement, since DO cannot resize a pool in place: create a
pool of the wanted size and count under a name of the saga's own (`<pool>-r<run id>`) ->
wait until its nodes are running -> delete the old pool -> rename the new one to `<pool>`
(DO's pool update takes `name` and `count`) -> verify. The create looks for a pool with
the saga's name before it creates one, so a resumed or retried create adopts it; its
compensation deletes it. Deleting the old pool cannot be undone: from then on the run
only rolls forward.
"""

from __future__ import annotations

import contextlib

from do_client import DONotFound
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


def _pool_ready(pool: JSON, count: int) -> bool:
    nodes = pool.get("nodes") or []
    return len(nodes) == count and all(
        ((node.get("status") or {}).get("state")) == "running" for node in nodes
    )


def _wait_for_pool(ctx: StepContext, pool_id: str, count: int) -> Outcome:
    pool = ctx.client.get_node_pool(ctx.provider_id, pool_id)
    if not _pool_ready(pool, count):
        return Wait(poll_seconds())
    return Done({"pool_id": pool_id, "nodes": count})


# -- scale ------------------------------------------------------------------------------


class ScaleNodePool(Step):
    name = "scale_node_pool"
    retry = CALL_RETRY

    def run(self, ctx: StepContext) -> Outcome:
        state: JSON = ctx.step.result.setdefault("scale", {})
        pool_id, wanted = ctx.params["pool_id"], int(ctx.params["value"])
        pool = ctx.client.get_node_pool(ctx.provider_id, pool_id)
        if int(pool.get("count") or 0) == wanted:
            return Done(skipped=not state.get("intended"))
        if not state.get("intended"):
            state.update(intended=True, from_count=int(pool.get("count") or 0))
            ctx.checkpoint()
        ctx.client.update_node_pool(
            ctx.provider_id, pool_id, {"name": pool.get("name"), "count": wanted}
        )
        return Done()

    def compensate(self, ctx: StepContext) -> Outcome | None:
        state: JSON = ctx.step.result.get("scale") or {}
        if "from_count" not in state:
            return Done({"undo": "nothing recorded to go back to"})
        pool_id, back = ctx.params["pool_id"], int(state["from_count"])
        pool = ctx.client.get_node_pool(ctx.provider_id, pool_id)
        if int(pool.get("count") or 0) != back:
            ctx.client.update_node_pool(
                ctx.provider_id, pool_id, {"name": pool.get("name"), "count": back}
            )
        return Done({"count": back})


class WaitForNodes(Step):
    name = "wait_for_nodes"
    retry = LOOK_RETRY

    def run(self, ctx: StepContext) -> Outcome:
        return _wait_for_pool(ctx, ctx.params["pool_id"], int(ctx.params["value"]))


def scale_steps() -> list[Step]:
    return [ScaleNodePool(), WaitForNodes(), Verify()]


# -- replace (a new size) ---------------------------------------------------------------


def replacement_name(ctx: StepContext) -> str:
    return f"{ctx.params['pool']}-r{ctx.run.pk}"


def _pools_named(ctx: StepContext, name: str) -> list[JSON]:
    return [p for p in ctx.client.list_node_pools(ctx.provider_id) if p.get("name") == name]


class CreatePool(Step):
    name = "create_pool"
    retry = CALL_RETRY
    # A create that failed after a 5xx may still have made the pool: undo it too.
    compensate_failed = True

    def run(self, ctx: StepContext) -> Outcome:
        name = replacement_name(ctx)
        found = _pools_named(ctx, name)
        if found:
            return Done({"pool_id": str(found[0]["id"]), "name": name, "adopted": True})
        old = ctx.client.get_node_pool(ctx.provider_id, ctx.params["pool_id"])
        body: JSON = {
            "name": name,
            "size": ctx.params["value"],
            "count": int(ctx.params["count"]),
            "tags": [t for t in old.get("tags") or [] if not str(t).startswith("k8s")],
        }
        for keep in ("labels", "taints", "auto_scale", "min_nodes", "max_nodes"):
            if old.get(keep) is not None:
                body[keep] = old[keep]
        pool = ctx.client.create_node_pool(ctx.provider_id, body)
        return Done({"pool_id": str(pool["id"]), "name": name})

    def compensate(self, ctx: StepContext) -> Outcome | None:
        doomed = {str(p["id"]) for p in _pools_named(ctx, replacement_name(ctx))}
        if new_id := ctx.step.result.get("pool_id"):
            doomed.add(str(new_id))
        doomed.discard(str(ctx.params["pool_id"]))  # never the pool the saga replaces
        for pool_id in sorted(doomed):
            with contextlib.suppress(DONotFound):  # already gone: deleting twice is fine
                ctx.client.delete_node_pool(ctx.provider_id, pool_id)
        return Done({"deleted": sorted(doomed)})


class WaitForNewPool(Step):
    name = "wait_for_new_pool"
    retry = LOOK_RETRY

    def run(self, ctx: StepContext) -> Outcome:
        pool_id = ctx.result_of(CreatePool.name)["pool_id"]
        return _wait_for_pool(ctx, pool_id, int(ctx.params["count"]))


class DeleteOldPool(Step):
    name = "delete_old_pool"
    retry = CALL_RETRY

    def run(self, ctx: StepContext) -> Outcome:
        try:
            ctx.client.delete_node_pool(ctx.provider_id, ctx.params["pool_id"])
        except DONotFound:
            return Done({"already_gone": True})
        return Done({"deleted": ctx.params["pool_id"]})

    def irreversible(self, ctx: StepContext) -> bool:
        return True  # the old pool's nodes are gone


class RenamePool(Step):
    """Give the new pool the old one's name, which the spec keys it by."""

    name = "rename_pool"
    retry = CALL_RETRY

    def run(self, ctx: StepContext) -> Outcome:
        pool_id = ctx.result_of(CreatePool.name)["pool_id"]
        pool = ctx.client.get_node_pool(ctx.provider_id, pool_id)
        name = ctx.params["pool"]
        if pool.get("name") == name:
            return Done(skipped=True)
        if any(str(p["id"]) != pool_id for p in _pools_named(ctx, name)):
            raise StepFailed(f"Another pool is still named {name!r}.")
        ctx.client.update_node_pool(
            ctx.provider_id, pool_id, {"name": name, "count": int(pool.get("count") or 0)}
        )
        return Done({"name": name})


def replace_steps() -> list[Step]:
    return [CreatePool(), WaitForNewPool(), DeleteOldPool(), RenamePool(), Verify()]
