"""Reads of desired state and drift.

Drift is operator work: only platform admins see it (DESIGN.md, "Surfaces"); anyone else
gets an empty queryset here, and a 403 from the API's permission before that.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from arcadia.errors import NotFound
from arcadia.validation import is_ascii_id
from drift.models import Drift, DriftStatus, DriftSuppression, Provisioned
from drift.suppression_match import active_q
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


# -- suppressions (drift.services.suppressions) ----------------------------------------


def suppressions_visible_to(user: User | AnonymousUser) -> QuerySet[DriftSuppression]:
    """Every suppression, newest first, with who made, owns and lifted it and how many
    drifts it holds now (`held`); platform admins only, like drift."""
    if not is_platform_admin(user):
        return DriftSuppression.objects.none()
    return with_held(
        DriftSuppression.objects.select_related("resource", "owner", "created_by", "lifted_by")
    ).order_by("-created_at", "-id")


def with_held(queryset: QuerySet[DriftSuppression]) -> QuerySet[DriftSuppression]:
    """Annotates `held`: the drifts each suppression holds now (status suppressed), a
    correlated count on the suppression index of `cloud_drift`."""
    held = (
        Drift.objects.filter(suppression=OuterRef("pk"), status=DriftStatus.SUPPRESSED)
        .order_by()
        .values("suppression")
        .annotate(n=Count("id"))
        .values("n")
    )
    return queryset.annotate(held=Coalesce(Subquery(held), 0))


@dataclass(frozen=True)
class SuppressedCounts:
    """Suppressed drift at a glance, for the console's dashboard."""

    drift: int  # drift held out of the inbox right now
    suppressions: int  # active suppressions (not lifted, not expired)
    expiring_soon: int  # active ones that expire within `SOON`
    # Drift whose suppression has expired but whose expiry is not handled yet
    # (drift.services.suppressions.expire_due: within 5 minutes, and at every sweep).
    awaiting_reopen: int


SOON = timedelta(days=7)


def suppressed_counts(at: datetime | None = None) -> SuppressedCounts:
    """Suppressed drift and active suppressions, in two queries (the suppression index of
    `cloud_drift`, and the small suppressions table)."""
    now = at or timezone.now()
    lapsed = Q(suppression__lifted_at__isnull=False) | Q(
        suppression__permanent=False, suppression__expires_at__lte=now
    )
    drift = Drift.objects.filter(
        status=DriftStatus.SUPPRESSED, suppression__isnull=False
    ).aggregate(held=Count("id"), lapsed=Count("id", filter=lapsed))
    active = active_q(now)
    suppressions = DriftSuppression.objects.aggregate(
        active=Count("id", filter=active),
        soon=Count("id", filter=active & Q(permanent=False, expires_at__lte=now + SOON)),
    )
    return SuppressedCounts(
        drift=drift["held"],
        suppressions=suppressions["active"],
        expiring_soon=suppressions["soon"],
        awaiting_reopen=drift["lapsed"],
    )
