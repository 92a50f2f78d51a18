"""Steps more than one saga uses: power off and on, and the final `record` that writes
the droplet as DO returns it through the chokepoint, then the spec (not for a revert:
its saga's `on_succeeded` hook settles the drift, `provisioning.sagas`)."""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction
from django.utils import timezone

from drift.models import Provisioned
from drift.services.provisioned import record_provisioned
from inventory.kinds import normalize_droplet
from inventory.models import PROVIDER_DO, CloudResource, Kind
from inventory.services.chokepoint import upsert_resources
from provisioning.models import StepStatus
from provisioning.steps import JSON, Done, Outcome, Step, StepContext, drive_action


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
