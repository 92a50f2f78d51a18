from __future__ import annotations

import django_filters

from provisioning.models import SagaKind, SagaRun, SagaStatus


class SagaRunFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=SagaStatus.choices)
    saga = django_filters.ChoiceFilter(choices=SagaKind.choices)
    resource = django_filters.NumberFilter(field_name="resource_id")
    drift = django_filters.NumberFilter(field_name="drift_id")
    tenant = django_filters.NumberFilter(field_name="tenant_id")

    class Meta:
        model = SagaRun
        fields = ["status", "saga", "resource", "drift", "tenant"]
