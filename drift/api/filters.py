from __future__ import annotations

import re
from typing import Any

import django_filters
from django.db.models import F, Q, QuerySet
from django.db.models.expressions import OrderBy

from arcadia.api import ID_PATTERN, IdFilter, StrictOrderingFilter
from drift.models import ACTIVE_STATUSES, Drift, DriftStatus, Provisioned
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
    """With no `status` the list is the open inbox; `suppressed` is the drift suppressions
    hold out of it, `resolved` the history (every status but open and suppressed) and
    `all` everything."""

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
        if value == RESOLVED:  # suppressed drift is unresolved too
            return queryset.exclude(status__in=ACTIVE_STATUSES)
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


# Nullable sort keys: an unpriced drift (no `monthly_impact`) sorts after every priced
# one in either direction, so `-monthly_impact` starts with the costliest drift.
NULLS_LAST = ("monthly_impact",)


def _nulls_last(term: str) -> str | OrderBy:
    name = term.removeprefix("-")
    if name not in NULLS_LAST:
        return term
    column = F(name)
    return column.desc(nulls_last=True) if term.startswith("-") else column.asc(nulls_last=True)


class StableOrderingFilter(StrictOrderingFilter):
    """OrderingFilter, with the primary key appended so equal timestamps never shuffle
    rows between pages; `NULLS_LAST` fields put null last either way."""

    def get_ordering(self, request: Any, queryset: QuerySet, view: Any) -> list[str]:
        ordering = list(super().get_ordering(request, queryset, view) or [])
        if not {"id", "-id", "pk", "-pk"} & set(ordering):
            last = ordering[-1] if ordering else "-id"
            ordering.append("-id" if last.startswith("-") else "id")
        return ordering

    def filter_queryset(self, request: Any, queryset: QuerySet, view: Any) -> QuerySet:
        ordering = self.get_ordering(request, queryset, view)
        return queryset.order_by(*(_nulls_last(term) for term in ordering))
