"""What reverting a drift would do, before it is done: the console's confirmation page
shows the saga that would run, its steps in order and which of them cannot be undone, or
why the revert would be refused. Read-only; `revert_drift` decides for real (under the
drift's row lock), so a preview that says "allowed" can still be refused a moment later.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from arcadia.errors import DomainError, InvalidInput
from drift.models import Drift, DriftStatus
from provisioning.models import LIVE_STATUSES, SagaRun, SagaStep
from provisioning.revert import _plan
from provisioning.sagas import plan_for
from provisioning.steps import StepContext


@dataclass(frozen=True)
class PlannedStep:
    name: str
    # Once this step completed the saga only rolls forward: a failure after it is not undone.
    irreversible: bool


@dataclass(frozen=True)
class RevertPreview:
    saga: str = ""
    params: dict[str, Any] = field(default_factory=dict)
    steps: tuple[PlannedStep, ...] = ()
    # Why the revert would be refused; empty when it may start.
    refusal: str = ""
    # The HTTP status a refused POST answers with: 409 for the drift's state, 400 for a
    # field or value no saga can put back.
    refusal_status: int = 409
    # The drift's live revert saga, when one is running already.
    running: SagaRun | None = None

    @property
    def irreversible(self) -> bool:
        return any(step.irreversible for step in self.steps)


def preview_revert(drift: Drift) -> RevertPreview:
    """The revert saga `revert_drift` would start for this drift, or why it would not."""
    if drift.status != DriftStatus.OPEN:
        return RevertPreview(
            refusal=f"Drift {drift.pk} is {drift.status}, not open: only an open drift "
            "can be reverted."
        )
    running = SagaRun.objects.filter(drift=drift, status__in=LIVE_STATUSES).first()
    if running is not None:
        return RevertPreview(
            saga=running.saga,
            refusal=f"A revert is already running: saga #{running.pk} ({running.status}). "
            "Wait for it to end; if it fails the drift stays open.",
            running=running,
        )
    try:
        entry, params = _plan(drift, drift.provisioned)
    except InvalidInput as exc:
        return RevertPreview(refusal=exc.message, refusal_status=400)
    except DomainError as exc:
        return RevertPreview(refusal=exc.message)
    # A step says whether it is irreversible from the run's params only; an unsaved run
    # carries them (no DO call is made).
    run = SagaRun(saga=entry.saga, params=params)
    context = StepContext(
        run=run,
        step=SagaStep(run=run),
        client=None,  # type: ignore[arg-type]  # never called: irreversible() reads params
        steps={},
        checkpoint=lambda: None,
    )
    steps = tuple(
        PlannedStep(step.name, step.irreversible(context)) for step in plan_for(entry.saga)
    )
    return RevertPreview(saga=str(entry.saga), params=params, steps=steps)
