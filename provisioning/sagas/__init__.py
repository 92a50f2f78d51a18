"""The sagas, by name: each is an ordered list of steps (see `provisioning.steps`) and
the hooks the engine calls when a run ends (`on_succeeded`, `on_failed`), in the
transaction that records the end. The engine knows no saga and no other app: what a
saga's end means elsewhere (a revert closes its drift) is named here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from provisioning.models import SagaKind, SagaRun
from provisioning.sagas import (
    create_droplet,
    database,
    firewall,
    kubernetes,
    load_balancer,
    reserved_ip,
    resize_droplet,
    revert,
    volume,
)
from provisioning.steps import JSON, Step


@dataclass(frozen=True)
class SagaDefinition:
    steps: Callable[[], list[Step]]
    # The run succeeded; what it returns is kept in the last step's result.
    on_succeeded: Callable[[SagaRun], JSON] | None = None
    # The run failed or was compensated, with this error.
    on_failed: Callable[[SagaRun, str], None] | None = None


def _revert(steps: Callable[[], list[Step]]) -> SagaDefinition:
    """A saga that may be a drift's revert: its end settles the drift, or keeps the error."""
    return SagaDefinition(steps, on_succeeded=revert.settle, on_failed=revert.record_failure)


# A resize, rename or retag may be a drift's revert (the run then holds its drift), and
# every other kind's saga is one (`provisioning.revertible` says which field needs which).
SAGAS: dict[str, SagaDefinition] = {
    SagaKind.CREATE_DROPLET: SagaDefinition(create_droplet.steps),
    SagaKind.RESIZE_DROPLET: SagaDefinition(
        resize_droplet.steps, on_succeeded=revert.settle, on_failed=revert.record_failure
    ),
    SagaKind.RENAME_DROPLET: SagaDefinition(
        revert.rename_steps, on_succeeded=revert.settle, on_failed=revert.record_failure
    ),
    SagaKind.RETAG_DROPLET: SagaDefinition(
        revert.retag_steps, on_succeeded=revert.settle, on_failed=revert.record_failure
    ),
    SagaKind.RESIZE_VOLUME: _revert(volume.steps),
    SagaKind.RESIZE_DATABASE: _revert(database.steps),
    SagaKind.SCALE_NODE_POOL: _revert(kubernetes.scale_steps),
    SagaKind.REPLACE_NODE_POOL: _revert(kubernetes.replace_steps),
    SagaKind.UPDATE_FIREWALL: _revert(firewall.steps),
    SagaKind.REASSIGN_RESERVED_IP: _revert(reserved_ip.steps),
    SagaKind.UPDATE_LOAD_BALANCER: _revert(load_balancer.steps),
}


def definition(saga: str) -> SagaDefinition:
    try:
        return SAGAS[saga]
    except KeyError:
        raise ValueError(f"Unknown saga {saga!r}.") from None


def plan_for(saga: str) -> list[Step]:
    """The steps of `saga`, in order."""
    return definition(saga).steps()


def step_names(saga: str) -> list[str]:
    return [step.name for step in plan_for(saga)]
