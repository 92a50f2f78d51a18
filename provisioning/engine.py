"""The saga engine (DESIGN.md, "Provisioning"): the database row is the saga, Celery only
drives it.

`advance(run_id)` is one pass over a run:

1. It takes the run's lease with a guarded update (live, due, lease free or expired); no
   row means another worker has it (or it is not due), and the pass ends.
2. Each step is recorded `running` (attempts + 1) and committed *before* its DO call, and
   its outcome recorded *after*; every write is guarded by the lease (and renews it), so
   a worker that lost its lease writes nothing. Steps that complete at once run on in the
   same pass.
3. A step that waits on DO (`Wait`) never sleeps in a worker: the run gets `next_run_at`,
   releases its lease, and a short countdown task (at most 30 s, far below the broker's
   visibility timeout) is queued as the fast path. `provisioning.resume_due`, every
   minute, is the durable one: it picks up runs that are due or whose lease expired, so
   a crashed worker's run resumes where its rows say it was.
4. 429s, 5xx, timeouts and bad bodies back off exponentially with jitter through
   `next_run_at`, as the step's own `retry` policy says (`provisioning.steps.RetryPolicy`:
   attempts, backoff base and cap). It is the only retry layer: steps get a DO client that
   neither retries nor sleeps (`client_for("provisioning", waits=False)`), so a 429 parks
   the run for DO's `retry_after` instead of holding the worker. Then, as on a refusal
   (422, 404) or an action that ended `errored`, the run fails and compensates its
   completed steps in reverse order, ending `compensated`, or `failed` when a
   compensation itself fails. Past a step that cannot be undone (a resize
   with `disk: true`) the run only rolls forward: failures are retried, longer, and
   never compensated.
5. When a run ends, the engine calls the hooks its saga declares (`provisioning.sagas`:
   `on_succeeded`, `on_failed`) in the transaction that records the end; a revert's
   hooks settle its drift or keep the error on it, through drift's own services.
"""

from __future__ import annotations

import logging
import os
import random
import socket
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

import structlog
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from do_client import (
    DOBadResponse,
    DOClient,
    DOError,
    DORateLimited,
    DOServerError,
    DOTransportError,
    client_for,
)
from inventory.models import EventType
from provisioning import dispatch
from provisioning.announce import announce_saga_end
from provisioning.events import saga_event
from provisioning.models import LIVE_STATUSES, SagaRun, SagaStatus, SagaStep, StepStatus
from provisioning.sagas import definition
from provisioning.steps import (
    DEFAULT_RETRY,
    Done,
    Outcome,
    RetryPolicy,
    Step,
    StepContext,
    StepFailed,
    Wait,
)

log = logging.getLogger(__name__)

LEASE_SECONDS = 300
# The fast path's countdown; longer waits are left to resume_due (every minute).
FAST_PATH_MAX_SECONDS = 30.0
# A countdown task may arrive a moment before `next_run_at`.
DUE_GRACE = timedelta(seconds=1)

RETRYABLE: tuple[type[Exception], ...] = (
    DORateLimited,
    DOServerError,
    DOTransportError,
    DOBadResponse,
)

# Test hook: called after a step's DO call returned and before its outcome is recorded.
# Raising a BaseException from it simulates a worker killed between the two.
after_step_call: Callable[[SagaRun, SagaStep], None] | None = None


class LeaseLost(Exception):
    """Another worker took the run over (our lease expired); this pass must stop."""


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _setting(name: str, default: float) -> float:
    return float(getattr(settings, name, default))


def backoff_seconds(
    attempt: int, exc: BaseException | None = None, policy: RetryPolicy = DEFAULT_RETRY
) -> float:
    """Exponential backoff with jitter, capped, as `policy` says; at least what DO asked
    for on a 429. `PROVISIONING_BACKOFF_BASE_SECONDS` / `_CAP_SECONDS`, when set,
    override every policy's (tests make retries quick with them)."""
    base = _setting("PROVISIONING_BACKOFF_BASE_SECONDS", policy.backoff_base)
    cap = _setting("PROVISIONING_BACKOFF_CAP_SECONDS", policy.backoff_cap)
    ceiling = min(cap, base * 2 ** max(attempt - 1, 0))
    delay = random.uniform(ceiling / 2, ceiling)
    if isinstance(exc, DORateLimited) and exc.retry_after:
        delay = max(delay, exc.retry_after)
    return delay


def describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:2000]


def _is_retryable(exc: Exception) -> bool:
    if isinstance(exc, RETRYABLE):
        return True
    # A refusal by DO or by a step is final; anything else (a bug, a lost database
    # connection, a time limit) may pass, and is retried within the same bound.
    return not isinstance(exc, StepFailed | DOError)


class _Lease:
    def __init__(self, run_id: int, owner: str) -> None:
        self.run_id = run_id
        self.owner = owner

    @contextmanager
    def write(self, **run_fields: Any) -> Iterator[datetime]:
        """One transaction that updates the run only while we hold its lease (renewing
        it); whatever else the block writes commits with it, or not at all."""
        now = timezone.now()
        lease = timedelta(seconds=_setting("PROVISIONING_LEASE_SECONDS", LEASE_SECONDS))
        fields = {"lease_expires_at": now + lease, "updated_at": now, **run_fields}
        with transaction.atomic():
            held = SagaRun.objects.filter(pk=self.run_id, lease_owner=self.owner).update(**fields)
            if held != 1:
                raise LeaseLost(f"saga #{self.run_id}: lease {self.owner} was taken over")
            yield now


def _take_lease(run_id: int, owner: str) -> bool:
    now = timezone.now()
    lease = timedelta(seconds=_setting("PROVISIONING_LEASE_SECONDS", LEASE_SECONDS))
    taken = (
        SagaRun.objects.filter(pk=run_id, status__in=LIVE_STATUSES)
        .filter(Q(next_run_at__isnull=True) | Q(next_run_at__lte=now + DUE_GRACE))
        .filter(Q(lease_owner="") | Q(lease_expires_at__lt=now))
        .update(
            lease_owner=owner,
            lease_expires_at=now + lease,
            attempts=F("attempts") + 1,
            updated_at=now,
        )
    )
    return taken == 1


def advance(
    run_id: int, *, worker: str | None = None, client: DOClient | None = None
) -> SagaRun | None:
    """One pass over a run (see the module docstring). Returns the run as the pass left
    it, or None when the pass did not run (not live, not due, leased by another worker,
    or the lease was lost part-way)."""
    owner = f"{worker or worker_name()}/{uuid.uuid4().hex[:12]}"
    if not _take_lease(run_id, owner):
        return None
    run = SagaRun.objects.get(pk=run_id)
    # The pass's log lines and audit events carry the saga's id (README, "Logs";
    # arcadia.origin); `_context` binds the DO action each step works from.
    with structlog.contextvars.bound_contextvars(saga_id=run_id, saga=run.saga, do_action_id=None):
        try:
            # A client that never sleeps: the engine is the one retry layer (module docstring).
            client = client or client_for("provisioning", waits=False)
            _Pass(run, _Lease(run_id, owner), client).go()
        except LeaseLost as exc:
            log.warning("%s", exc)
            return None
    run.refresh_from_db()
    return run


class _Pass:
    def __init__(self, run: SagaRun, lease: _Lease, client: DOClient) -> None:
        self.run = run
        self.lease = lease
        self.client = client
        self.rows = list(run.steps.order_by("index"))
        self.by_name = {row.name: row for row in self.rows}
        self.saga = definition(run.saga)
        self.plan: list[Step] = self.saga.steps()

    # -- the two directions ------------------------------------------------------------

    def go(self) -> None:
        if [row.name for row in self.rows] != [step.name for step in self.plan]:
            self._finish(SagaStatus.FAILED, "The saga's steps no longer match its definition.")
        elif self.run.status == SagaStatus.COMPENSATING:
            self._compensate()
        else:
            self._forward()

    def _forward(self) -> None:
        for row, step in zip(self.rows, self.plan, strict=True):
            if row.status in (StepStatus.SUCCEEDED, StepStatus.SKIPPED):
                continue
            # Polling an action this step started is not a new attempt; anything else
            # (first run, a retry, a step a crashed worker left `running`) is.
            if not row.waiting:
                row.attempts += 1
            row.status, row.waiting = StepStatus.RUNNING, False
            row.started_at = row.started_at or timezone.now()
            self._write(row, status=SagaStatus.RUNNING, current_step=row.name, next_run_at=None)

            ctx = self._context(row)
            try:
                outcome = step.run(ctx)
            except LeaseLost:
                raise  # a checkpoint found the run taken over: stop, write nothing
            except Exception as exc:
                self._forward_error(row, step.retry, exc)
                return
            if after_step_call is not None:
                after_step_call(self.run, row)
            if isinstance(outcome, Wait):
                self._wait(row, outcome.seconds, SagaStatus.WAITING)
                return
            row.status = StepStatus.SKIPPED if outcome.skipped else StepStatus.SUCCEEDED
            row.result = {**row.result, **outcome.result}
            row.finished_at = timezone.now()
            if row.status == StepStatus.SUCCEEDED and step.irreversible(ctx):
                self.run.rolls_forward = True
            self._write(row, rolls_forward=self.run.rolls_forward)
        self._finish(SagaStatus.SUCCEEDED, "")

    def _compensate(self) -> None:
        """Undo completed steps, last first. A step's compensation is resumable like
        its run: it is recorded `compensating` before its DO call."""
        for row, step in reversed(list(zip(self.rows, self.plan, strict=True))):
            if not self._needs_undo(row, step):
                continue
            if not (row.status == StepStatus.COMPENSATING and row.waiting):
                row.compensation_attempts += 1
            row.status, row.waiting = StepStatus.COMPENSATING, False
            self._write(
                row, status=SagaStatus.COMPENSATING, current_step=row.name, next_run_at=None
            )
            try:
                outcome = step.compensate(self._context(row)) or Done({"undo": "nothing"})
            except LeaseLost:
                raise
            except Exception as exc:
                self._compensation_error(row, step.retry, exc)
                return
            if isinstance(outcome, Wait):
                self._wait(row, outcome.seconds, SagaStatus.COMPENSATING)
                return
            row.status = StepStatus.COMPENSATED
            row.result = {**row.result, "compensation": outcome.result}
            row.finished_at = timezone.now()
            self._write(row)
        self._finish(SagaStatus.COMPENSATED, self.run.last_error)

    @staticmethod
    def _needs_undo(row: SagaStep, step: Step) -> bool:
        if type(step).compensate is Step.compensate:
            return False  # nothing to undo for this kind of step
        if row.status in (StepStatus.SUCCEEDED, StepStatus.COMPENSATING):
            return True
        return row.status == StepStatus.FAILED and step.compensate_failed

    # -- errors ------------------------------------------------------------------------

    def _forward_error(self, row: SagaStep, policy: RetryPolicy, exc: Exception) -> None:
        message = describe(exc)
        self._log(exc, row)
        row.last_error = message
        rolls_forward = self.run.rolls_forward
        limit = policy.roll_forward_attempts if rolls_forward else policy.attempts
        if (rolls_forward or _is_retryable(exc)) and row.attempts < limit:
            delay = backoff_seconds(row.attempts, exc, policy)
            row.status = StepStatus.PENDING
            error = f"{row.name}: {message} (attempt {row.attempts} of {limit}, retrying)"
            self._retry_later(row, delay, SagaStatus.WAITING, error)
            return
        row.status = StepStatus.FAILED
        row.finished_at = timezone.now()
        if rolls_forward:
            self._write(row)
            self._finish(
                SagaStatus.FAILED,
                f"{row.name}: {message}. Past a step that cannot be undone, so nothing was "
                "compensated: an operator must finish this droplet.",
            )
            return
        self._write(row, status=SagaStatus.COMPENSATING, last_error=f"{row.name}: {message}")
        self._compensate()

    def _compensation_error(self, row: SagaStep, policy: RetryPolicy, exc: Exception) -> None:
        message = describe(exc)
        self._log(exc, row)
        row.last_error = f"compensation: {message}"
        if _is_retryable(exc) and row.compensation_attempts < policy.compensation_attempts:
            delay = backoff_seconds(row.compensation_attempts, exc, policy)
            self._retry_later(row, delay, SagaStatus.COMPENSATING, self.run.last_error)
            return
        row.status = StepStatus.FAILED
        self._write(row)
        self._finish(
            SagaStatus.FAILED,
            f"{self.run.last_error}; then undoing {row.name} failed: {message}",
        )

    def _log(self, exc: Exception, row: SagaStep) -> None:
        if isinstance(exc, DOError | StepFailed):
            log.info("saga #%s step %s: %s", self.run.pk, row.name, describe(exc))
        else:
            log.exception("saga #%s step %s raised", self.run.pk, row.name)

    # -- writes ------------------------------------------------------------------------

    def _context(self, row: SagaStep) -> StepContext:
        # What the step writes names the DO action it follows from: the latest one a step
        # up to this one started (a refresh after a resize names the resize).
        upto = self.rows[: self.rows.index(row) + 1]
        action = next((r.action_id for r in reversed(upto) if r.action_id), None)
        structlog.contextvars.bind_contextvars(do_action_id=action)
        return StepContext(
            run=self.run,
            step=row,
            client=self.client,
            steps=self.by_name,
            checkpoint=lambda: self._write(row),
        )

    def _write(self, row: SagaStep | None = None, **run_fields: Any) -> None:
        """Persist the step and the run's fields, under the lease. The ids a step may
        have learnt (droplet, resource) always travel with it."""
        run_fields.setdefault("droplet_id", self.run.droplet_id)
        run_fields.setdefault("resource_id", self.run.resource_id)
        with self.lease.write(**run_fields):
            if row is not None:
                row.save()
        for name, value in run_fields.items():
            setattr(self.run, name, value)

    def _wait(self, row: SagaStep, seconds: float, status: SagaStatus) -> None:
        row.waiting = True
        self._park(row, max(seconds, 0.0), status=status)

    def _retry_later(self, row: SagaStep, delay: float, status: SagaStatus, error: str) -> None:
        row.waiting = False
        self._park(row, delay, status=status, last_error=error)

    def _park(self, row: SagaStep, delay: float, **run_fields: Any) -> None:
        """Come back in `delay` seconds: `next_run_at` is the durable schedule, the lease
        is released, and a countdown task is the fast path when the wait is short."""
        next_run_at = timezone.now() + timedelta(seconds=delay)
        self._write(
            row, next_run_at=next_run_at, lease_owner="", lease_expires_at=None, **run_fields
        )
        if delay <= FAST_PATH_MAX_SECONDS:
            run_id = self.run.pk
            transaction.on_commit(lambda: dispatch.enqueue_advance(run_id, countdown=delay))

    def _finish(self, status: SagaStatus, error: str) -> None:
        before = self.run.status
        with self.lease.write(
            status=status,
            last_error=error,
            finished_at=timezone.now(),
            next_run_at=None,
            lease_owner="",
            lease_expires_at=None,
            droplet_id=self.run.droplet_id,
            resource_id=self.run.resource_id,
        ) as now:
            self.run.status, self.run.last_error = status, error
            # The saga's own hooks (`provisioning.sagas`), in this transaction: a revert's
            # drift settles with its run, or not at all.
            if status == SagaStatus.SUCCEEDED:
                saga_event(self.run, EventType.SAGA_SUCCEEDED, {"status": [before, status]}, at=now)
                if self.saga.on_succeeded is not None and (
                    outcome := self.saga.on_succeeded(self.run)
                ):
                    last = self.rows[-1]
                    last.result = {**last.result, **outcome}
                    last.save(update_fields=["result"])
            else:
                saga_event(
                    self.run,
                    EventType.SAGA_FAILED,
                    {"status": [before, status], "error": [None, error]},
                    at=now,
                )
                if self.saga.on_failed is not None:
                    self.saga.on_failed(self.run, error)
            announce_saga_end(self.run)  # webhooks: saga.succeeded / saga.failed


__all__ = ["Outcome", "advance", "backoff_seconds"]
