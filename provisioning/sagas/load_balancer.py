"""Put a load balancer's size or forwarding rules back to its spec (DESIGN.md,
"Revert"): update -> wait until it is `active` -> verify.

DO's update is a PUT of the whole load balancer (load_balancers/loadBalancers_update.yml):
the body is the load balancer as DO has it (its writable fields), with the spec's
`size` (from `size_slug`), `size_unit` or `forwarding_rules` in place. A PUT is safe to
repeat; the step compares the live value first. Compensation PUTs back what it found.
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

# Spec field -> DO's field.
WIRE_FIELD = {"size_slug": "size", "size_unit": "size_unit", "forwarding_rules": "forwarding_rules"}
# What DO's PUT accepts besides the region (a slug on the wire, an object in a GET).
WRITABLE = (
    "name",
    "size",
    "size_unit",
    "forwarding_rules",
    "health_check",
    "sticky_sessions",
    "redirect_http_to_https",
    "enable_proxy_protocol",
    "enable_backend_keepalive",
    "http_idle_timeout_seconds",
    "vpc_uuid",
    "project_id",
    "disable_lets_encrypt_dns_records",
    "firewall",
    "network",
    "type",
)


def load_balancer_body(lb: JSON, wire_field: str, value: Any) -> JSON:
    """The whole load balancer as a PUT sends it, with `wire_field` set to `value`."""
    body: JSON = {k: lb[k] for k in WRITABLE if lb.get(k) is not None}
    region = lb.get("region")
    body["region"] = region.get("slug") if isinstance(region, dict) else region
    # Targets: a tag or droplet ids, never both (DO refuses both).
    if lb.get("tag"):
        body["tag"] = lb["tag"]
    else:
        body["droplet_ids"] = lb.get("droplet_ids") or []
    body[wire_field] = value
    # `size` and `size_unit` are alternatives: send only the one being set.
    if wire_field == "size":
        body.pop("size_unit", None)
    elif wire_field == "size_unit":
        body.pop("size", None)
    return body


class UpdateLoadBalancer(Step):
    name = "update_load_balancer"
    retry = CALL_RETRY

    def run(self, ctx: StepContext) -> Outcome:
        state: JSON = ctx.step.result.setdefault("update", {})
        wire, wanted = WIRE_FIELD[ctx.params["field"]], ctx.params["value"]
        lb = ctx.client.get_load_balancer(ctx.provider_id)
        if loosely_equal(lb.get(wire), wanted):
            return Done(skipped=not state.get("intended"))
        if not state.get("intended"):
            state.update(intended=True, before=lb.get(wire))
            ctx.checkpoint()
        ctx.client.update_load_balancer(ctx.provider_id, load_balancer_body(lb, wire, wanted))
        return Done()

    def compensate(self, ctx: StepContext) -> Outcome | None:
        state: JSON = ctx.step.result.get("update") or {}
        if not state.get("intended") or state.get("before") is None:
            return Done({"undo": "nothing recorded to go back to"})
        wire = WIRE_FIELD[ctx.params["field"]]
        lb = ctx.client.get_load_balancer(ctx.provider_id)
        if not loosely_equal(lb.get(wire), state["before"]):
            body = load_balancer_body(lb, wire, state["before"])
            ctx.client.update_load_balancer(ctx.provider_id, body)
        return Done({wire: "restored"})


class WaitForActive(Step):
    name = "wait_for_active"
    retry = LOOK_RETRY

    def run(self, ctx: StepContext) -> Outcome:
        status = ctx.client.get_load_balancer(ctx.provider_id).get("status")
        if status in ("new", "updating", "resizing"):
            return Wait(poll_seconds())
        if status != "active":
            raise StepFailed(f"The load balancer is {status}, not active.")
        return Done({"status": status})


def steps() -> list[Step]:
    return [UpdateLoadBalancer(), WaitForActive(), Verify()]
