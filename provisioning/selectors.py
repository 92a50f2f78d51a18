"""Reads of sagas. Sagas are operator tools: only platform admins see them; anyone else
gets an empty queryset here, and a 403 from the API's permission before that."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.db.models import Prefetch, QuerySet

from provisioning.models import SagaRun, SagaStep
from tenants.models import User


def sagas_visible_to(user: User | AnonymousUser) -> QuerySet[SagaRun]:
    if not (user.is_authenticated and getattr(user, "is_platform_admin", False)):
        return SagaRun.objects.none()
    return SagaRun.objects.select_related("created_by").prefetch_related(
        Prefetch("steps", queryset=SagaStep.objects.order_by("index"))
    )
