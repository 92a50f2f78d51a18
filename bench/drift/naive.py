"""The baseline: detection as a straightforward loop that loads and compares one
resource at a time with the ORM. Same rules and same pure comparison as the real
service (`drift.equality`), so the difference measured is the database access pattern."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from drift.equality import RESOURCE_COLUMNS, loosely_equal, resolve, to_json
from drift.models import Drift, DriftStatus, Provisioned
from drift.services.detection import DetectionOutcome, effective_spec
from inventory.models import CloudResourceEvent, EventType

ACTOR = "bench:naive"


def naive_detect(limit: int) -> DetectionOutcome:
    outcome = DetectionOutcome()
    ids = Provisioned.objects.order_by("id").values_list("id", flat=True)[:limit]
    for provisioned_id in list(ids):
        with transaction.atomic():
            provisioned = Provisioned.objects.get(pk=provisioned_id)
            resource = provisioned.resource  # one more query
            columns = {name: getattr(resource, name) for name in RESOURCE_COLUMNS}
            now = timezone.now()
            for field, expected in effective_spec(provisioned.spec).items():
                live = resolve(columns, resource.attrs, field)
                drift = Drift.objects.filter(
                    resource=resource, field=field, status=DriftStatus.OPEN
                ).first()
                if loosely_equal(expected, live):
                    if drift is not None:
                        drift.status, drift.resolved_at = DriftStatus.STALE, now
                        drift.save()
                        outcome.closed += 1
                    continue
                actual = to_json(live)
                if drift is None:
                    Drift.objects.create(
                        resource=resource,
                        provisioned=provisioned,
                        field=field,
                        expected=expected,
                        actual=actual,
                        detected_at=now,
                    )
                    CloudResourceEvent.objects.create(
                        resource=resource,
                        event=EventType.DRIFT_DETECTED,
                        changes={field: [expected, actual]},
                        actor=ACTOR,
                        occurred_at=now,
                    )
                    outcome.opened += 1
                elif not loosely_equal(drift.actual, actual):
                    drift.actual = actual
                    drift.save()
                    outcome.refreshed += 1
        outcome.provisioned += 1
    return outcome
