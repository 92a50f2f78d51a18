from __future__ import annotations

import re

import django_filters
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema_field

from arcadia.api import IdFilter
from arcadia.errors import InvalidInput
from billing.models import Invoice, InvoiceStatus, Reconciliation
from billing.periods import parse_month

# ASCII digits, 1970 onwards (what `parse_month` takes, minus `\d`'s fullwidth digits).
MONTH_PATTERN = r"^(19[7-9][0-9]|[2-9][0-9]{3})-(0[1-9]|1[0-2])$"


def _month(queryset: QuerySet, name: str, value: str) -> QuerySet:
    try:
        if not re.fullmatch(MONTH_PATTERN, value):
            raise InvalidInput(f"Invalid month {value!r}: expected YYYY-MM, e.g. 2026-03.")
        return queryset.filter(period_start=parse_month(value))
    except InvalidInput as exc:
        raise InvalidInput(exc.message, field="month") from exc


def month_filter() -> django_filters.CharFilter:
    return extend_schema_field(
        {"type": "string", "pattern": MONTH_PATTERN, "description": "YYYY-MM, e.g. 2026-03"}
    )(django_filters.CharFilter(method="filter_month"))


class InvoiceFilter(django_filters.FilterSet):
    month = month_filter()
    status = django_filters.ChoiceFilter(choices=InvoiceStatus.choices)
    # Narrows platform admins' view; tenants only ever see their own anyway.
    tenant = IdFilter(field_name="tenant_id")
    currency = django_filters.CharFilter()

    class Meta:
        model = Invoice
        fields = ["month", "status", "tenant", "currency"]

    def filter_month(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return _month(queryset, name, value)


class ReconciliationFilter(django_filters.FilterSet):
    month = month_filter()

    class Meta:
        model = Reconciliation
        fields = ["month"]

    def filter_month(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return _month(queryset, name, value)
