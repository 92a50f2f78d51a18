"""Celery entry points for the inventory. Thin: each calls one service.

Beat runs `inventory.sync_full` hourly at :15 with no kind: it reads projects and their
assignments once, then fans out one `inventory.sync_kind` per kind on `cloud_sync_full`,
so kinds run side by side (each with its own run, lock and strikes) and a slow or failing
kind holds up no other."""

from __future__ import annotations

import logging

from celery import shared_task

from do_client import client_for
from inventory.kinds import KINDS, kind_spec
from inventory.services.sync import run_full_sync, sync_projects_once

log = logging.getLogger(__name__)

QUEUE = "cloud_sync_full"


@shared_task(
    name="inventory.sync_kind",
    acks_late=True,
    reject_on_worker_lost=True,
    # A full sync of a large account takes minutes; an hourly schedule bounds it.
    soft_time_limit=50 * 60,
    time_limit=55 * 60,
)
def sync_kind(kind: str, with_projects: bool = True) -> dict[str, object]:
    """Full sync of one kind. Safe to run twice (acks_late may redeliver): a second
    concurrent run of a kind is recorded as skipped."""
    kind_spec(kind)  # an unknown kind fails here, before any run row
    run = run_full_sync(kind, trigger="celery", with_projects=with_projects)
    return {"kind": kind, "run": run.pk, "status": run.status, "error": run.error}


@shared_task(
    name="inventory.sync_full",
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=50 * 60,
    time_limit=55 * 60,
)
def sync_full(kind: str | None = None) -> list[dict[str, object]]:
    """With a kind: that kind's full sync, here. Without (beat): the fan-out. Projects
    and assignments are read once for every kind (DO lists every kind's URNs in one
    project listing); if that read fails, each kind reads them itself and records the
    failure in its own run."""
    if kind:
        return [sync_kind(kind)]
    with_projects = not sync_projects_once(client_for("sync"))
    for each in KINDS:
        sync_kind.apply_async((each,), {"with_projects": with_projects}, queue=QUEUE)
    return [{"kind": each, "enqueued": True} for each in KINDS]
