"""Steps more than one saga uses: power off and on, the final `record` that writes
the droplet as DO returns it through the chokepoint, then the spec (not for a revert:
its saga's `on_succeeded` hook settles the drift, `provisioning.sagas`); and, for every
other kind's revert, `verify` (GET by id, normalize as the inventory does, write through
the chokepoint, check the field holds the wanted value) and `poll_action`."""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction
from django.utils import timezone

from drift.equality import loosely_equal, to_json
from drift.models import Provisioned
from drift.services.provisioned import record_provisioned
from drift.services.reverting import live_value
from inventory.kinds import kind_spec, normalize_droplet
from inventory.models import PROVIDER_DO, CloudResource, Kind
from inventory.services.chokepoint import upsert_resources
from provisioning.models import StepStatus
from provisioning.steps import (
    JSON,
    ActionErrored,
    Done,
    Outcome,
    RetryPolicy,
    Step,
    StepContext,
    StepFailed,
    Wait,
    drive_action,
    poll_seconds,
)


def refresh_droplet(ctx: StepContext) -> CloudResource:
    """GETs the saga's droplet and writes it through the upsert chokepoint (the only
    writer of synced rows), as the saga's actor; returns the resource row."""
    row = normalize_droplet(ctx.client.get_droplet(ctx.droplet_id))
    upsert_resources(Kind.DROPLET, [row], seen_at=timezone.now(), actor=ctx.run.actor)
    return CloudResource.objects.get(
        provider=PROVIDER_DO, kind=Kind.DROPLET, provider_id=row.provider_id
    )


def _is_off(droplet: JSON) -> bool:
    return droplet.get("status") == "off"


def _is_active(droplet: JSON) -> bool:
    return droplet.get("status") == "active"


class PowerOff(Step):
    """Power the droplet off and wait; skipped when it already is off. Compensation powers
    it back on (only when this step turned it off)."""

    name = "power_off"

    def run(self, ctx: StepContext) -> Outcome:
        return drive_action(ctx, "action", "power_off", wanted=_is_off)

    def compensate(self, ctx: StepContext) -> Outcome | None:
        return drive_action(ctx, "undo", "power_on", wanted=_is_active)


class PowerOn(Step):
    """Power the droplet on and wait; skipped when the saga found it off to begin with
    (the saga leaves a droplet as it found it)."""

    name = "power_on"

    def run(self, ctx: StepContext) -> Outcome:
        power_off = ctx.steps.get(PowerOff.name)
        if power_off is not None and power_off.status == StepStatus.SKIPPED:
            return Done({"left": "off, as the saga found it"}, skipped=True)
        return drive_action(ctx, "action", "power_on", wanted=_is_active)


SpecFields = Callable[[StepContext], JSON]


class Record(Step):
    """Refresh the droplet through the chokepoint, then:

    - for a revert (the run has a drift): nothing more; a revert puts the spec back, it
      does not change it (the saga's `on_succeeded` hook settles the drift);
    - otherwise: merge `spec_fields` into the droplet's spec with `record_provisioned`.
    """

    name = "record"

    def __init__(self, spec_fields: SpecFields) -> None:
        self.spec_fields = spec_fields

    def run(self, ctx: StepContext) -> Outcome:
        resource = refresh_droplet(ctx)
        ctx.run.resource_id = resource.pk
        result: JSON = {"resource_id": resource.pk}
        if ctx.run.drift_id is not None:
            return Done(result)
        with transaction.atomic():
            # The spec row is locked while it is merged, so a concurrent accept is not lost.
            current = Provisioned.objects.select_for_update().filter(resource=resource).first()
            spec = {**(current.spec if current else {}), **self.spec_fields(ctx)}
            provisioned = record_provisioned(resource, spec, actor=ctx.run.actor)
        result["spec_version"] = provisioned.spec_version
        return Done(result)


# -- any kind ---------------------------------------------------------------------------

# Per-step retry policies for the revert sagas (`provisioning.steps.RetryPolicy`): a step
# that changes DO gets a few tries; one that only looks (a wait, a verify) is cheap to
# repeat and gets more, with a shorter cap.
CALL_RETRY = RetryPolicy(attempts=5, backoff_base=2.0, backoff_cap=60.0)
LOOK_RETRY = RetryPolicy(attempts=10, backoff_base=1.0, backoff_cap=30.0)


def refresh_resource(ctx: StepContext) -> CloudResource:
    """GETs the saga's resource by id, normalizes it with its kind's `KindSpec` and writes
    it through the upsert chokepoint (so the inventory sees the change at once), as the
    saga's actor; returns the row as stored."""
    resource = ctx.run.resource
    if resource is None:
        raise StepFailed("The saga has no resource.")
    spec = kind_spec(resource.kind)
    row = spec.normalize(spec.fetch(ctx.client, resource.provider_id))
    upsert_resources(resource.kind, [row], seen_at=timezone.now(), actor=ctx.run.actor)
    return CloudResource.objects.get(pk=resource.pk)


def merge_spec(ctx: StepContext, resource: CloudResource, fields: JSON) -> int:
    """Merges `fields` into the resource's spec (locked while merged, so a concurrent
    accept is not lost); returns the spec version."""
    with transaction.atomic():
        current = Provisioned.objects.select_for_update().filter(resource=resource).first()
        spec = {**(current.spec if current else {}), **fields}
        return record_provisioned(resource, spec, actor=ctx.run.actor).spec_version


class Verify(Step):
    """The last step of every non-droplet revert: refresh the resource through the
    chokepoint, then its `field` must loosely equal the wanted `value` (the saga's
    params). A revert stops there (its `on_succeeded` hook settles the drift); a saga
    run for no drift records the value in the spec."""

    name = "verify"
    retry = LOOK_RETRY

    def run(self, ctx: StepContext) -> Outcome:
        resource = refresh_resource(ctx)
        ctx.run.resource_id = resource.pk
        field, wanted = ctx.params["field"], ctx.params["value"]
        live = live_value(resource, field)
        if not loosely_equal(wanted, live):
            raise StepFailed(
                f"DO says the change is done, but {resource.urn}'s {field} is "
                f"{to_json(live)!r}, not {wanted!r}."
            )
        result: JSON = {"resource_id": resource.pk, "live": to_json(live)}
        if ctx.run.drift_id is None:
            result["spec_version"] = merge_spec(ctx, resource, {field: wanted})
        return Done(result)


ActionGetter = Callable[[int], JSON]


def poll_action(action_id: int, get: ActionGetter, what: str) -> Outcome:
    """One look at a DO action: in progress -> Wait; completed -> Done; else ActionErrored."""
    status = get(action_id).get("status")
    if status == "in-progress":
        return Wait(poll_seconds())
    if status == "completed":
        return Done({"action_id": action_id})
    raise ActionErrored(f"DO {what} action {action_id} ended {status or 'without a status'}.")
