from __future__ import annotations

import re
from typing import Any

import django_filters
from django.db.models import Q, QuerySet

from arcadia.api import ID_PATTERN, IdFilter, StrictOrderingFilter
from drift.models import Drift, DriftStatus, Provisioned
from inventory.models import Kind

RESOLVED = "resolved"
ALL = "all"


def _by_resource(queryset: QuerySet, name: str, value: str) -> QuerySet:
    """`?resource=` takes a resource id (ASCII digits: `str.isdecimal` would take
    fullwidth ones too) or its URN."""
    value = value.strip()
    query = Q(resource__urn=value)
    if re.fullmatch(ID_PATTERN, value) and len(value) <= 19:
        query |= Q(resource_id=int(value))
    return queryset.filter(query)


class DriftFilter(django_filters.FilterSet):
    """With no `status` the list is the open inbox; `resolved` is the history (every
    status but open) and `all` is everything."""

    status = django_filters.ChoiceFilter(
        choices=[*DriftStatus.choices, (RESOLVED, "Resolved (any)"), (ALL, "All")],
        method="filter_status",
    )
    field = django_filters.CharFilter()
    kind = django_filters.ChoiceFilter(field_name="resource__kind", choices=Kind.choices)
    tenant = IdFilter(field_name="resource__project__tenant_id")
    resource = django_filters.CharFilter(method="filter_resource")

    class Meta:
        model = Drift
        fields = ["status", "field", "kind", "tenant", "resource"]

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        if not self.form.cleaned_data.get("status"):
            queryset = queryset.filter(status=DriftStatus.OPEN)
        return super().filter_queryset(queryset)

    def filter_status(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if value == ALL:
            return queryset
        if value == RESOLVED:
            return queryset.exclude(status=DriftStatus.OPEN)
        return queryset.filter(status=value)

    def filter_resource(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return _by_resource(queryset, name, value)


class ProvisionedFilter(django_filters.FilterSet):
    resource = django_filters.CharFilter(method="filter_resource")
    kind = django_filters.ChoiceFilter(field_name="resource__kind", choices=Kind.choices)

    class Meta:
        model = Provisioned
        fields = ["resource", "kind"]

    def filter_resource(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return _by_resource(queryset, name, value)


class StableOrderingFilter(StrictOrderingFilter):
    """OrderingFilter, with the primary key appended so equal timestamps never shuffle
    rows between pages."""

    def get_ordering(self, request: Any, queryset: QuerySet, view: Any) -> list[str]:
        ordering = list(super().get_ordering(request, queryset, view) or [])
        if not {"id", "-id", "pk", "-pk"} & set(ordering):
            last = ordering[-1] if ordering else "-id"
            ordering.append("-id" if last.startswith("-") else "id")
        return ordering
