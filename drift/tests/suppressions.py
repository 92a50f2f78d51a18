"""Helpers for the suppression tests: drift made by detection, suppressions made by the
service."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from drift.models import Drift, DriftSuppression
from drift.services.detection import detect_drift
from drift.services.suppressions import suppress
from drift.tests.conftest import provision
from inventory.models import CloudResource
from tenants.models import User
from tests.factories import CloudResourceFactory


def drifted(**resource: Any) -> Drift:
    """A droplet drifted on size_slug (live s-2vcpu-4gb, spec s-1vcpu-1gb), detected."""
    values = {"size_slug": "s-2vcpu-4gb", "region": "nyc3", **resource}
    droplet: CloudResource = CloudResourceFactory(**values)
    provision(droplet, size_slug="s-1vcpu-1gb", region="nyc3")
    detect_drift()
    return Drift.objects.get(resource=droplet, field="size_slug", resolved_at__isnull=True)


def suppression(actor: User, **scope: Any) -> DriftSuppression:
    values: dict[str, Any] = {
        "field": "size_slug",
        "reason": "resized for the sale",
        "expires_at": timezone.now() + timedelta(days=7),
        **scope,
    }
    if values.get("permanent"):
        values["expires_at"] = None
    return suppress(actor=actor, **values)


def status_of(drift: Drift) -> tuple[str, int | None]:
    drift.refresh_from_db()
    return drift.status, drift.suppression_id
