import django_filters

from arcadia.api import IdFilter, StrictBooleanFilter
from inventory.models import CloudProject, CloudResource, Kind


class ProjectFilter(django_filters.FilterSet):
    tenant = IdFilter(field_name="tenant_id")
    unassigned = StrictBooleanFilter(
        field_name="tenant", lookup_expr="isnull", help_text="Projects no tenant holds yet."
    )
    is_default = StrictBooleanFilter()

    class Meta:
        model = CloudProject
        fields = ["tenant", "is_default", "environment"]


class ResourceFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=Kind.choices)
    region = django_filters.CharFilter()
    status = django_filters.CharFilter()
    size_slug = django_filters.CharFilter()
    tag = django_filters.CharFilter(method="filter_tag")
    project = IdFilter(field_name="project_id")
    tenant = IdFilter(field_name="project__tenant_id")
    urn = django_filters.CharFilter()
    # Tombstoned resources are hidden unless asked for (the view reads this flag).
    include_deleted = StrictBooleanFilter(
        method="filter_noop", help_text="Include tombstoned resources."
    )

    class Meta:
        model = CloudResource
        fields = ["kind", "region", "status", "size_slug", "project", "tenant", "urn"]

    def filter_tag(self, queryset, name, value):
        return queryset.filter(tags__contains=[value])

    def filter_noop(self, queryset, name, value):
        return queryset
