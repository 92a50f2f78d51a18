"""The sagas a drift revert needs besides a resize (DESIGN.md, "Revert"): rename a
droplet, and retag it (tag what the spec has and the droplet lacks, untag the rest).

Each is one DO step and `record`, which refreshes the droplet through the chokepoint. Their
one step either did nothing or did what was asked, so there is nothing to compensate.

`settle` and `record_failure` are the hooks these sagas (and the resize) declare: when a
run that reverts a drift ends, they call drift's own transitions (drift owns the rule,
provisioning only says the saga ended).
"""

from __future__ import annotations

import contextlib

from do_client import DONotFound
from drift.services.reverting import record_revert_failure, settle_revert
from provisioning.models import SagaRun
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


def settle(run: SagaRun) -> JSON:
    """A revert succeeded: the drift closes `reverted` when the live value (refreshed by
    `record`) is back at the spec, else stays open for detection."""
    if run.drift_id is None:
        return {}
    return {"drift": settle_revert(run.drift_id, actor=run.actor, resolved_by_id=run.created_by_id)}


def record_failure(run: SagaRun, error: str) -> None:
    """A revert failed or was compensated: the drift stays open with the saga's error."""
    if run.drift_id is not None:
        record_revert_failure(run.drift_id, error=error)
