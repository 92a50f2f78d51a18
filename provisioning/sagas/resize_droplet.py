"""Resize a droplet (DESIGN.md, "Provisioning"): power off -> resize -> power on ->
`record_provisioned`.

DO resizes only an off droplet. A resize with `disk: true` grows the disk, which can never
shrink again: once that resize completed the run only rolls forward (a failed power on is
retried, never compensated). Before that point a failure undoes what was done, in
reverse: a completed `disk: false` resize is resized back, and the droplet is powered
back on if the saga powered it off.
"""

from __future__ import annotations

from provisioning.sagas.common import PowerOff, PowerOn, Record
from provisioning.steps import JSON, Done, Outcome, Step, StepContext, Wait, drive_action


class Resize(Step):
    name = "resize"

    def run(self, ctx: StepContext) -> Outcome:
        size = ctx.params["size"]
        return drive_action(
            ctx,
            "action",
            "resize",
            params={"size": size, "disk": bool(ctx.params.get("disk"))},
            wanted=lambda droplet: droplet.get("size_slug") == size,
            observe=lambda droplet: {"from_size": droplet.get("size_slug")},
        )

    def irreversible(self, ctx: StepContext) -> bool:
        return bool(ctx.params.get("disk"))

    def compensate(self, ctx: StepContext) -> Outcome | None:
        if ctx.params.get("disk"):
            return None  # never reached: the run rolls forward past this step
        original = (ctx.step.result.get("action") or {}).get("from_size") or ctx.params.get(
            "from_size"
        )
        if not original:
            return Done({"undo": "nothing recorded to go back to"})

        def back(droplet: JSON) -> bool:
            return droplet.get("size_slug") == original

        # Resizing back needs the droplet off again (a failed power on may have left it on).
        off = drive_action(
            ctx,
            "undo_power_off",
            "power_off",
            wanted=lambda d: back(d) or d.get("status") == "off",
        )
        if isinstance(off, Wait):
            return off
        return drive_action(
            ctx, "undo", "resize", params={"size": original, "disk": False}, wanted=back
        )


def _spec(ctx: StepContext) -> JSON:
    return {"size_slug": ctx.params["size"]}


def steps() -> list[Step]:
    return [PowerOff(), Resize(), PowerOn(), Record(_spec)]
