from __future__ import annotations

import django_filters

from arcadia.api import IdFilter
from provisioning.models import SagaKind, SagaRun, SagaStatus


class SagaRunFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=SagaStatus.choices)
    saga = django_filters.ChoiceFilter(choices=SagaKind.choices)
    resource = IdFilter(field_name="resource_id")
    drift = IdFilter(field_name="drift_id")
    tenant = IdFilter(field_name="tenant_id")

    class Meta:
        model = SagaRun
        fields = ["status", "saga", "resource", "drift", "tenant"]
