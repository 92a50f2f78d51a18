from __future__ import annotations

import django_filters
from django.db.models import QuerySet

from arcadia.errors import InvalidInput
from billing.models import Invoice, InvoiceStatus, Reconciliation
from billing.periods import parse_month


def _month(queryset: QuerySet, name: str, value: str) -> QuerySet:
    try:
        return queryset.filter(period_start=parse_month(value))
    except InvalidInput as exc:
        raise InvalidInput(exc.message, field="month") from exc


class InvoiceFilter(django_filters.FilterSet):
    month = django_filters.CharFilter(method="filter_month", help_text="YYYY-MM")
    status = django_filters.ChoiceFilter(choices=InvoiceStatus.choices)
    # Narrows platform admins' view; tenants only ever see their own anyway.
    tenant = django_filters.NumberFilter(field_name="tenant_id")
    currency = django_filters.CharFilter()

    class Meta:
        model = Invoice
        fields = ["month", "status", "tenant", "currency"]

    def filter_month(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return _month(queryset, name, value)


class ReconciliationFilter(django_filters.FilterSet):
    month = django_filters.CharFilter(method="filter_month", help_text="YYYY-MM")

    class Meta:
        model = Reconciliation
        fields = ["month"]

    def filter_month(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return _month(queryset, name, value)
