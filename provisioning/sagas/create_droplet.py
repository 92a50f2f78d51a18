"""Create a droplet (DESIGN.md, "Provisioning"): create -> wait for the action -> tag ->
assign to the tenant's project -> untag the saga tag -> `record_provisioned`.

DO has no idempotency key on create, so the droplet is created carrying the tag
`arcadia-saga-<run id>`, and the create step looks for a droplet with that tag before it
creates one: a create resumed after a crash (or retried after a 5xx that may have created
the droplet) adopts it instead of making a second. The tag is removed as the last DO step,
so the droplet's live tags are exactly the requested ones and the spec never names an
implementation detail; by then the run holds the droplet's id, which is all a resume or
a compensation needs.

Compensation deletes the droplet, and any droplet carrying the saga tag.
"""

from __future__ import annotations

import contextlib

from django.utils import timezone

from do_client import DONotFound
from inventory.models import CloudProject
from inventory.services.projects import record_assignment
from provisioning.sagas.common import Record
from provisioning.steps import (
    JSON,
    ActionErrored,
    Done,
    Outcome,
    Step,
    StepContext,
    StepFailed,
    Wait,
    poll_seconds,
)

SAGA_TAG_PREFIX = "arcadia-saga-"


def saga_tag(run_id: int) -> str:
    return f"{SAGA_TAG_PREFIX}{run_id}"


def _create_action_id(body: JSON) -> int | None:
    for link in (body.get("links") or {}).get("actions") or []:
        if link.get("rel") == "create" and link.get("id") is not None:
            return int(link["id"])
    return None


class Create(Step):
    name = "create"
    # A create that failed after a 5xx may still have made the droplet: undo it too.
    compensate_failed = True

    def run(self, ctx: StepContext) -> Outcome:
        if ctx.run.droplet_id is not None:
            return Done({"droplet_id": ctx.run.droplet_id})
        tag = saga_tag(ctx.run.pk)
        found = sorted(int(d["id"]) for d in ctx.client.list_droplets(tag_name=tag))
        if found:
            ctx.run.droplet_id = found[0]
            return Done({"droplet_id": found[0], "adopted": True})
        params = ctx.params
        body = ctx.client.create_droplet(
            {
                "name": params["name"],
                "region": params["region"],
                "size": params["size"],
                "image": params["image"],
                "tags": [tag],
            }
        )
        droplet = body["droplet"]
        ctx.run.droplet_id = int(droplet["id"])
        action_id = _create_action_id(body)
        ctx.step.action_id = action_id
        return Done({"droplet_id": ctx.run.droplet_id, "action_id": action_id})

    def compensate(self, ctx: StepContext) -> Outcome | None:
        doomed = {int(d["id"]) for d in ctx.client.list_droplets(tag_name=saga_tag(ctx.run.pk))}
        if ctx.run.droplet_id is not None:
            doomed.add(int(ctx.run.droplet_id))
        for droplet_id in sorted(doomed):
            with contextlib.suppress(DONotFound):  # already gone: deleting twice is fine
                ctx.client.delete_droplet(droplet_id)
        return Done({"deleted": sorted(doomed)})


class WaitForCreate(Step):
    """Wait for the create action (or, for an adopted droplet, for it to turn active)."""

    name = "wait_for_create"

    def run(self, ctx: StepContext) -> Outcome:
        action_id = ctx.result_of(Create.name).get("action_id")
        if action_id:
            status = ctx.client.get_action(action_id).get("status")
            if status == "in-progress":
                return Wait(poll_seconds())
            if status != "completed":
                raise ActionErrored(f"DO create action {action_id} ended {status}.")
            return Done({"action_id": action_id})
        status = ctx.client.get_droplet(ctx.droplet_id).get("status")
        if status == "new":
            return Wait(poll_seconds())
        if status != "active":
            raise StepFailed(f"The new droplet is {status}, not active.")
        return Done({"status": status})


class Tag(Step):
    """Put the requested tags on the droplet (creating each tag first; both idempotent)."""

    name = "tag"

    def run(self, ctx: StepContext) -> Outcome:
        wanted = list(ctx.params.get("tags") or [])
        live = set(ctx.client.get_droplet(ctx.droplet_id).get("tags") or [])
        added = []
        for tag in wanted:
            if tag in live:
                continue
            ctx.client.create_tag(tag)
            ctx.client.tag_resources(tag, [(ctx.droplet_id, "droplet")])
            added.append(tag)
        return Done({"added": added}, skipped=not wanted)


class AssignProject(Step):
    """Move the droplet into the tenant's project, and mirror the assignment DO confirmed,
    so the chokepoint records the droplet in its project from its first sighting (billing
    counts a resource in the first project the inventory saw it in)."""

    name = "assign_project"

    def run(self, ctx: StepContext) -> Outcome:
        project = CloudProject.objects.get(pk=ctx.params["target_project"])
        urn = f"do:droplet:{ctx.droplet_id}"
        results = ctx.client.assign_project_resources(project.provider_id, [urn])
        statuses = {item.get("urn"): item.get("status") for item in results}
        if statuses.get(urn) in (None, "not_found", "error"):
            raise StepFailed(f"DO did not assign {urn} to project {project.name}: {statuses}.")
        record_assignment(urn, project, seen_at=timezone.now())
        return Done({"project": project.pk, "project_provider_id": project.provider_id})


class UntagSaga(Step):
    name = "untag_saga"

    def run(self, ctx: StepContext) -> Outcome:
        tag = saga_tag(ctx.run.pk)
        try:
            ctx.client.untag_resources(tag, [(ctx.droplet_id, "droplet")])
        except DONotFound:
            # Someone deleted the tag itself: it is off the droplet either way. (A droplet
            # that is gone makes the next step fail, where it belongs.)
            return Done({"untagged": tag, "tag_missing": True})
        return Done({"untagged": tag})


def _spec(ctx: StepContext) -> JSON:
    params = ctx.params
    image = params["image"]
    spec: JSON = {
        "name": params["name"],
        "region": params["region"],
        "size_slug": params["size"],
        "tags": sorted(set(params.get("tags") or [])),
    }
    # The image as asked for: by slug, or by numeric id.
    spec["image.id" if str(image).isdecimal() else "image.slug"] = image
    return spec


def steps() -> list[Step]:
    return [Create(), WaitForCreate(), Tag(), AssignProject(), UntagSaga(), Record(_spec)]
