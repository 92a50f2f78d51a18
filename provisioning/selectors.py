"""Reads of sagas. Sagas are operator tools: only platform admins see them; anyone else
gets an empty queryset here, and a 403 from the API's permission before that."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.db.models import OuterRef, Prefetch, QuerySet, Subquery

from drift.models import Drift
from provisioning.models import SagaRun, SagaStep
from tenants.models import User
from tenants.roles import is_platform_admin


def sagas_visible_to(user: User | AnonymousUser) -> QuerySet[SagaRun]:
    if not is_platform_admin(user):
        return SagaRun.objects.none()
    return SagaRun.objects.select_related("created_by").prefetch_related(
        Prefetch("steps", queryset=SagaStep.objects.order_by("index"))
    )


# The latest revert saga's columns a drift listing shows, as `revert_saga_<column>`.
REVERT_SAGA_COLUMNS = ("id", "status", "current_step", "last_error")


def with_revert_saga(queryset: QuerySet[Drift]) -> QuerySet[Drift]:
    """Each drift with its latest revert saga (DESIGN.md, "Revert": the drift shows the
    saga and its progress), in the same query: a subquery per column, evaluated only for
    the rows of the page, on the (drift, -id) index. Added to every drift listing through
    `drift.selectors.LISTING_ANNOTATIONS` (see `ProvisioningConfig.ready`)."""
    latest = SagaRun.objects.filter(drift=OuterRef("pk")).order_by("-id")
    return queryset.annotate(
        **{
            f"revert_saga_{column}": Subquery(latest.values(column)[:1])
            for column in REVERT_SAGA_COLUMNS
        }
    )
