"""A project's tenant over time (DESIGN.md, "Tenant"): the one writer of
`ProjectTenantAssignment`, and of `CloudProject.tenant`, its cache of the tenant in effect now.

An assignment takes effect from an instant (now by default) and holds until the next one.
Back-dating is a correction: it is recorded as one (`is_correction`), and billing's next
draft of each affected tenant says so. A correction that reaches back over earlier
assignments supersedes them (they leave the history but stay as rows); one that begins
inside an earlier, closed assignment supersedes it and keeps its part before the
correction as a new row. The project's row lock serialises writers, and the exclusion
constraint refuses an overlap whatever the code does.
"""

from __future__ import annotations

from datetime import UTC, datetime

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from arcadia.errors import Conflict, InvalidInput
from inventory.models import CloudProject, ProjectTenantAssignment, ProjectTenantChange
from tenants.models import Tenant


@transaction.atomic
def assign_project_tenant(
    project: CloudProject,
    tenant: Tenant | None,
    *,
    actor: str,
    effective_from: datetime | None = None,
    reason: str = "",
    now: datetime | None = None,
    correction: bool | None = None,
) -> ProjectTenantAssignment | None:
    """Puts `project` under `tenant` (None: unassigned) from `effective_from` (default: now).

    Returns the new assignment, or None when nothing changed (the tenant already in effect
    from that instant, or unassigning a project that never had a tenant). `correction`
    None: a back-dated assignment is one; only the bootstrap, mapping a project it has just
    found, says False."""
    now = now or timezone.now()
    start = now if effective_from is None else effective_from
    if timezone.is_naive(start):
        raise InvalidInput("effective_from needs a time zone (e.g. ...Z).", field="effective_from")
    if start > now:
        raise InvalidInput(
            "effective_from is in the future: an assignment starts now or earlier.",
            field="effective_from",
        )
    locked = CloudProject.objects.select_for_update().get(pk=project.pk)
    tenant_id = tenant.pk if tenant else None
    # Live assignments still in effect at or after `start`, oldest first.
    later = list(
        ProjectTenantAssignment.objects.select_for_update()
        .filter(project=locked, superseded_at__isnull=True)
        .filter(Q(effective_to__isnull=True) | Q(effective_to__gt=start))
        .order_by("effective_from")
    )
    if not later and tenant_id is None:
        return None  # never assigned: its usage is unallocated already
    if (
        len(later) == 1
        and later[0].tenant_id == tenant_id
        and later[0].effective_from <= start
        and later[0].effective_to is None
    ):
        return None

    try:
        for held in later:
            if held.effective_from >= start:
                _supersede(held, now)
            elif held.effective_to is None:
                _close(held, start)
            else:  # closed after `start`: keep its part before the correction
                _supersede(held, now)
                ProjectTenantAssignment.objects.create(
                    project=locked,
                    tenant_id=held.tenant_id,
                    effective_from=held.effective_from,
                    effective_to=start,
                    actor=actor,
                    reason=f"kept until a correction from {start.isoformat()}",
                    created_at=now,
                )
        assignment = ProjectTenantAssignment.objects.create(
            project=locked,
            tenant=tenant,
            effective_from=start,
            actor=actor,
            reason=reason,
            is_correction=start < now if correction is None else correction,
            created_at=now,
        )
    except IntegrityError as exc:  # cannot happen under the project's lock; refuse, never guess
        raise Conflict(f"Assignments of project {locked} would overlap.") from exc

    if locked.tenant_id != tenant_id:
        ProjectTenantChange.objects.create(
            project=locked, old_tenant_id=locked.tenant_id, new_tenant=tenant, actor=actor
        )
        locked.tenant = tenant
        locked.save(update_fields=["tenant", "updated_at"])
    project.tenant = tenant
    return assignment


def parse_effective_from(text: str | None) -> datetime | None:
    """An ISO-8601 instant (`2026-11-01`, `2026-11-01T09:30Z`; no zone means UTC), or None
    for "now". InvalidInput naming `effective_from` for anything else."""
    if text is None or not text.strip():
        return None
    try:
        parsed = datetime.fromisoformat(text.strip())
    except ValueError as exc:
        raise InvalidInput(
            f"effective_from {text!r} is not an ISO-8601 date or time.", field="effective_from"
        ) from exc
    return parsed.replace(tzinfo=UTC) if timezone.is_naive(parsed) else parsed


def _close(held: ProjectTenantAssignment, at: datetime) -> None:
    # Guarded: only an open row closes, and only once (the trigger refuses a second time).
    closed = ProjectTenantAssignment.objects.filter(pk=held.pk, effective_to__isnull=True).update(
        effective_to=at
    )
    if closed != 1:
        raise Conflict(f"Assignment {held.pk} was closed meanwhile.")


def _supersede(held: ProjectTenantAssignment, at: datetime) -> None:
    done = ProjectTenantAssignment.objects.filter(pk=held.pk, superseded_at__isnull=True).update(
        superseded_at=at
    )
    if done != 1:
        raise Conflict(f"Assignment {held.pk} was superseded meanwhile.")
