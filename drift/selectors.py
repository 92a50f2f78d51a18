"""Reads of desired state and drift.

Drift is operator work: only platform admins see it (DESIGN.md, "Surfaces"); anyone else
gets an empty queryset here, and a 403 from the API's permission before that.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.db.models import OuterRef, Q, QuerySet, Subquery

from arcadia.errors import NotFound
from arcadia.validation import is_ascii_id
from drift.models import Drift, DriftStatus, Provisioned
from inventory.kinds import KINDS
from inventory.models import CloudResource, SyncRun
from tenants.models import User

# The resource columns every drift listing shows, fetched in the same query.
DRIFT_RELATED = ("resource__project__tenant", "resolved_by")


def _is_operator(user: User | AnonymousUser) -> bool:
    return bool(user.is_authenticated and getattr(user, "is_platform_admin", False))


def drift_visible_to(user: User | AnonymousUser) -> QuerySet[Drift]:
    if not _is_operator(user):
        return Drift.objects.none()
    return with_revert_saga(Drift.objects.select_related(*DRIFT_RELATED))


# The latest revert saga's columns a drift listing shows, as `revert_saga_<column>`.
REVERT_SAGA_COLUMNS = ("id", "status", "current_step", "last_error")


def with_revert_saga(queryset: QuerySet[Drift]) -> QuerySet[Drift]:
    """Each drift with its latest revert saga (DESIGN.md, "Revert": the drift shows the
    saga and its progress), in the same query: a subquery per column, evaluated only for
    the rows of the page, on the (drift, -id) index."""
    from provisioning.models import SagaRun

    latest = SagaRun.objects.filter(drift=OuterRef("pk")).order_by("-id")
    return queryset.annotate(
        **{
            f"revert_saga_{column}": Subquery(latest.values(column)[:1])
            for column in REVERT_SAGA_COLUMNS
        }
    )


def drift_inbox(user: User | AnonymousUser) -> QuerySet[Drift]:
    """Open drift, newest first: what an operator has to resolve."""
    return drift_visible_to(user).filter(status=DriftStatus.OPEN).order_by("-detected_at", "-id")


def provisioned_visible_to(user: User | AnonymousUser) -> QuerySet[Provisioned]:
    if not _is_operator(user):
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
