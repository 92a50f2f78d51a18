"""Reads of the inventory, scoped to the asking user (STYLE.md: scope lives here)."""

from __future__ import annotations

from django.db.models import QuerySet

from inventory.models import CloudProject, CloudResource, CloudResourceEvent, SyncRun
from tenants.models import User
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


def events_of(resource: CloudResource) -> QuerySet[CloudResourceEvent]:
    return resource.events.order_by("-occurred_at", "-id")


def last_completed_sync(kind: str) -> SyncRun | None:
    return (
        SyncRun.objects.filter(kind=kind, status=SyncRun.Status.COMPLETED)
        .order_by("-finished_at")
        .first()
    )
