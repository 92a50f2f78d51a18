from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from drift.models import Drift, DriftStatus, Provisioned
from drift.services.provisioned import record_provisioned
from inventory.models import CloudResource, CloudResourceEvent, EventType, SyncRun
from tests.factories import CloudResourceFactory


def provision(resource: CloudResource, **spec: Any) -> Provisioned:
    return record_provisioned(resource, spec, actor="test")


def open_drift(resource: CloudResource) -> list[Drift]:
    return list(Drift.objects.filter(resource=resource, status=DriftStatus.OPEN).order_by("field"))


def drift_events(
    resource: CloudResource, event: EventType | None = None
) -> list[CloudResourceEvent]:
    events = CloudResourceEvent.objects.filter(resource=resource).order_by("id")
    if event is not None:
        return list(events.filter(event=event))
    return list(events.exclude(event=EventType.SPEC_RECORDED))


def set_live(resource: CloudResource | list[CloudResource], **values: Any) -> None:
    """What a sync would write (the chokepoint is tested in inventory/)."""
    resources = resource if isinstance(resource, list) else [resource]
    CloudResource.objects.filter(pk__in=[r.pk for r in resources]).update(**values)


@pytest.fixture
def droplet() -> CloudResource:
    return CloudResourceFactory(size_slug="s-2vcpu-4gb", region="nyc3", name="web-1")


@pytest.fixture
def completed_sync() -> SyncRun:
    now = timezone.now()
    return SyncRun.objects.create(
        kind="droplet", status=SyncRun.Status.COMPLETED, started_at=now, finished_at=now
    )
