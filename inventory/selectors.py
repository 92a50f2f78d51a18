"""Reads of the inventory, scoped to the asking user (STYLE.md: scope lives here)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import Case, JSONField, Q, QuerySet, Value, When

from arcadia.errors import InvalidInput, NotFound
from inventory.models import (
    CloudProject,
    CloudResource,
    CloudResourceEvent,
    ProjectTenantAssignment,
    SyncRun,
)
from tenants.models import User
from tenants.roles import is_platform_admin
from tenants.selectors import scope_by_tenant


def projects_visible_to(user: User) -> QuerySet[CloudProject]:
    return scope_by_tenant(
        CloudProject.objects.select_related("tenant"), user, tenant_field="tenant"
    )


def resources_visible_to(
    user: User, *, include_tombstoned: bool = False
) -> QuerySet[CloudResource]:
    queryset = CloudResource.objects.select_related("project__tenant")
    if not include_tombstoned:
        queryset = queryset.filter(deleted_at__isnull=True)
    return scope_by_tenant(queryset, user, tenant_field="project__tenant")


def find_project(reference: str) -> CloudProject:
    """A project by DO project id or name: the lookup commands and scripts share. A name
    two projects share is refused rather than guessed."""
    reference = reference.strip()
    matches = list(CloudProject.objects.filter(Q(provider_id=reference) | Q(name=reference))[:2])
    by_id = [p for p in matches if p.provider_id == reference]
    if by_id:
        return by_id[0]
    if not matches:
        raise NotFound(f"No project matches {reference!r} (a DO project id or name).")
    if len(matches) > 1:
        raise InvalidInput(f"Two projects are named {reference!r}: give the DO project id.")
    return matches[0]


def tenant_history(project: CloudProject) -> QuerySet[ProjectTenantAssignment]:
    """A project's assignments, oldest first, superseded ones included (they say what a
    correction replaced)."""
    return project.tenant_assignments.select_related("tenant").order_by("effective_from", "id")


def sync_runs_visible_to(user: User | AnonymousUser) -> QuerySet[SyncRun]:
    """Sync runs are operational detail: platform admins only."""
    if not is_platform_admin(user):
        return SyncRun.objects.none()
    return SyncRun.objects.all()


def events_of(resource: CloudResource) -> QuerySet[CloudResourceEvent]:
    return resource.events.order_by("-occurred_at", "-id")


def events_visible_to(
    user: User | AnonymousUser, resource: CloudResource
) -> QuerySet[CloudResourceEvent]:
    """A resource's events, newest first, as `user` may see them. A platform admin sees
    them all; a tenant only those of the times one of its projects held the resource, so
    a droplet moved in from another tenant's project keeps that tenant's names, tags and
    drift to itself.

    The log is the membership history: every event that put the resource in a project
    (`discovered`, an `updated` move, a `restored`) has `project` -> [old, new] in its
    changes, and holds from that event to the next such one. The event that brought the
    resource into the tenant's projects is shown as an arrival: the previous holder's
    values read null (`tenant_changes`, which the API shows instead of `changes`)."""
    events = events_of(resource)
    if is_platform_admin(user):
        return events
    if not user.is_authenticated:
        return events.none()
    own = set(projects_visible_to(user).values_list("pk", flat=True))
    moves = list(
        resource.events.filter(changes__has_key="project")
        .order_by("occurred_at", "id")
        .only("id", "occurred_at", "changes")
    )
    if not moves:
        # The log never placed it: only its current holder may read its history.
        return events if resource.project_id in own else events.none()
    visible = Q(pk__in=[])
    arrivals: dict[int, dict[str, Any]] = {}
    for index, move in enumerate(moves):
        if _new_project(move.changes) not in own:
            continue
        held = Q(occurred_at__gt=move.occurred_at) | Q(
            occurred_at=move.occurred_at, id__gte=move.pk
        )
        if index + 1 < len(moves):
            end = moves[index + 1]
            held &= Q(occurred_at__lt=end.occurred_at) | Q(
                occurred_at=end.occurred_at, id__lt=end.pk
            )
        visible |= held
        came_from = _old_project(move.changes)
        if came_from is not None and came_from not in own:
            arrivals[move.pk] = {field: [None, _new(c)] for field, c in move.changes.items()}
    scoped = events.filter(visible)
    if not arrivals:
        return scoped
    return scoped.annotate(
        tenant_changes=Case(
            *(
                When(pk=pk, then=Value(changes, output_field=JSONField()))
                for pk, changes in arrivals.items()
            ),
            default=None,
            output_field=JSONField(),
        )
    )


def _new(change: Any) -> Any:
    return change[1] if isinstance(change, list) and len(change) == 2 else change


def _old(change: Any) -> Any:
    return change[0] if isinstance(change, list) and len(change) == 2 else None


def _new_project(changes: dict[str, Any]) -> Any:
    return _new(changes.get("project"))


def _old_project(changes: dict[str, Any]) -> Any:
    return _old(changes.get("project"))


def last_completed_sync(kind: str) -> SyncRun | None:
    return (
        SyncRun.objects.filter(kind=kind, status=SyncRun.Status.COMPLETED)
        .order_by("-finished_at")
        .first()
    )
