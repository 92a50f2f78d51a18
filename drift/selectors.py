"""Reads of desired state and drift.

Drift is operator work: only platform admins see it (DESIGN.md, "Surfaces"); anyone else
gets an empty queryset here, and a 403 from the API's permission before that.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet

from arcadia.errors import NotFound
from arcadia.validation import is_ascii_id
from drift.models import Drift, DriftStatus, Provisioned
from inventory.kinds import KINDS
from inventory.models import CloudResource, SyncRun
from tenants.models import User
from tenants.roles import is_platform_admin

# The resource columns every drift listing shows, fetched in the same query.
DRIFT_RELATED = ("resource__project__tenant", "resolved_by")


def drift_visible_to(user: User | AnonymousUser) -> QuerySet[Drift]:
    if not is_platform_admin(user):
        return Drift.objects.none()
    queryset = Drift.objects.select_related(*DRIFT_RELATED)
    for annotate in LISTING_ANNOTATIONS:
        queryset = annotate(queryset)
    return queryset


# What upper layers add to every drift listing, in the same query: provisioning's
# AppConfig.ready adds the latest revert saga (`revert_saga_<column>`). A hook, so that
# drift imports nothing from the apps above it (STYLE.md, "Layers").
LISTING_ANNOTATIONS: list[Callable[[QuerySet[Drift]], QuerySet[Drift]]] = []


def drift_inbox(user: User | AnonymousUser) -> QuerySet[Drift]:
    """Open drift, newest first: what an operator has to resolve."""
    return drift_visible_to(user).filter(status=DriftStatus.OPEN).order_by("-detected_at", "-id")


def provisioned_visible_to(user: User | AnonymousUser) -> QuerySet[Provisioned]:
    if not is_platform_admin(user):
        return Provisioned.objects.none()
    return Provisioned.objects.select_related("resource__project__tenant")


def find_resource(reference: str | int) -> CloudResource:
    """A resource by numeric id or URN (`do:droplet:123`), for commands and the API."""
    text = str(reference).strip()
    query = Q(urn=text)
    if is_ascii_id(text):
        query |= Q(pk=int(text))
    resource = CloudResource.objects.filter(query).order_by("pk").first() if text else None
    if resource is None:
        raise NotFound(f"No resource matches {text!r} (give a resource id or a URN).")
    return resource


def last_completed_sync() -> SyncRun | None:
    """The sync detection compares against (DESIGN.md, "Schedules"): the newest completed
    full sync of any kind the inventory syncs."""
    return (
        SyncRun.objects.filter(kind__in=list(KINDS), status=SyncRun.Status.COMPLETED)
        .order_by("-finished_at", "-id")
        .first()
    )
