"""The sagas, by name: each is an ordered list of steps (see `provisioning.steps`)."""

from __future__ import annotations

from collections.abc import Callable

from provisioning.models import SagaKind
from provisioning.sagas import create_droplet, resize_droplet, revert
from provisioning.steps import Step

PLANS: dict[str, Callable[[], list[Step]]] = {
    SagaKind.CREATE_DROPLET: create_droplet.steps,
    SagaKind.RESIZE_DROPLET: resize_droplet.steps,
    SagaKind.RENAME_DROPLET: revert.rename_steps,
    SagaKind.RETAG_DROPLET: revert.retag_steps,
}


def plan_for(saga: str) -> list[Step]:
    """The steps of `saga`, in order."""
    try:
        return PLANS[saga]()
    except KeyError:
        raise ValueError(f"Unknown saga {saga!r}.") from None


def step_names(saga: str) -> list[str]:
    return [step.name for step in plan_for(saga)]
