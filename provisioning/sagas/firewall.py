"""Put a firewall's rules back to its spec (DESIGN.md, "Revert"): replace the rules ->
wait until DO applied them -> verify.

DO's firewall update is a PUT of the whole firewall (firewalls/firewalls_update.yml):
the spec's `inbound_rules` (or `outbound_rules`) replace the live ones, and everything
else (name, the other direction's rules, droplet_ids, tags) is sent back as DO has it.
A PUT is safe to repeat; the step compares the live rules first. Compensation PUTs back
the rules the step found.
"""

from __future__ import annotations

from typing import Any

from drift.equality import loosely_equal
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

RULE_FIELDS = ("inbound_rules", "outbound_rules")


def firewall_body(firewall: JSON, **replace: Any) -> JSON:
    """The whole firewall as a PUT sends it, with `replace` applied."""
    body: JSON = {
        "name": firewall.get("name"),
        "inbound_rules": firewall.get("inbound_rules") or [],
        "outbound_rules": firewall.get("outbound_rules") or [],
        "droplet_ids": firewall.get("droplet_ids") or [],
        "tags": firewall.get("tags") or [],
    }
    body.update(replace)
    return body


class UpdateRules(Step):
    name = "update_rules"
    retry = CALL_RETRY

    def run(self, ctx: StepContext) -> Outcome:
        state: JSON = ctx.step.result.setdefault("rules", {})
        field, wanted = ctx.params["field"], ctx.params["value"]
        firewall = ctx.client.get_firewall(ctx.provider_id)
        if loosely_equal(firewall.get(field) or [], wanted):
            return Done(skipped=not state.get("intended"))
        if not state.get("intended"):
            state.update(intended=True, before=firewall.get(field) or [])
            ctx.checkpoint()
        ctx.client.update_firewall(ctx.provider_id, firewall_body(firewall, **{field: wanted}))
        return Done()

    def compensate(self, ctx: StepContext) -> Outcome | None:
        state: JSON = ctx.step.result.get("rules") or {}
        if "before" not in state:
            return Done({"undo": "nothing recorded to go back to"})
        field = ctx.params["field"]
        firewall = ctx.client.get_firewall(ctx.provider_id)
        if not loosely_equal(firewall.get(field) or [], state["before"]):
            body = firewall_body(firewall, **{field: state["before"]})
            ctx.client.update_firewall(ctx.provider_id, body)
        return Done({field: "restored"})


class WaitForFirewall(Step):
    """DO applies a firewall change asynchronously: `status` is `waiting`, then
    `succeeded` (or `failed`)."""

    name = "wait_for_firewall"
    retry = LOOK_RETRY

    def run(self, ctx: StepContext) -> Outcome:
        status = ctx.client.get_firewall(ctx.provider_id).get("status")
        if status == "waiting":
            return Wait(poll_seconds())
        if status == "failed":
            raise StepFailed("DO failed to apply the firewall's rules.")
        return Done({"status": status})


def steps() -> list[Step]:
    return [UpdateRules(), WaitForFirewall(), Verify()]
