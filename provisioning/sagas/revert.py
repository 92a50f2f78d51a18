"""The sagas a drift revert needs besides a resize (DESIGN.md, "Revert"): rename a
droplet, and retag it (tag what the spec has and the droplet lacks, untag the rest).

Each is one DO step and `record`, which refreshes the droplet through the chokepoint and,
for a revert, closes the drift `reverted` when the live value is back at the spec. Their
one step either did nothing or did what was asked, so there is nothing to compensate.
"""

from __future__ import annotations

import contextlib

from do_client import DONotFound
from provisioning.sagas.common import Record
from provisioning.steps import JSON, Done, Outcome, Step, StepContext, drive_action


class Rename(Step):
    name = "rename"

    def run(self, ctx: StepContext) -> Outcome:
        name = ctx.params["name"]
        return drive_action(
            ctx,
            "action",
            "rename",
            params={"name": name},
            wanted=lambda droplet: droplet.get("name") == name,
        )


class Retag(Step):
    """Make the droplet's tags the wanted set; tagging and untagging are idempotent at DO."""

    name = "retag"

    def run(self, ctx: StepContext) -> Outcome:
        wanted = set(ctx.params.get("tags") or [])
        live = set(ctx.client.get_droplet(ctx.droplet_id).get("tags") or [])
        target = [(ctx.droplet_id, "droplet")]
        for tag in sorted(wanted - live):
            ctx.client.create_tag(tag)
            ctx.client.tag_resources(tag, target)
        for tag in sorted(live - wanted):
            # The tag itself may have been deleted meanwhile: then it is off the droplet.
            with contextlib.suppress(DONotFound):
                ctx.client.untag_resources(tag, target)
        added, removed = sorted(wanted - live), sorted(live - wanted)
        return Done({"added": added, "removed": removed}, skipped=not (added or removed))


def rename_steps() -> list[Step]:
    return [Rename(), Record(lambda ctx: {"name": ctx.params["name"]})]


def retag_steps() -> list[Step]:
    return [Retag(), Record(_tags_spec)]


def _tags_spec(ctx: StepContext) -> JSON:
    return {"tags": sorted(set(ctx.params.get("tags") or []))}
