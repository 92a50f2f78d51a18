"""Inventory API: projects, resources with their events, sync runs.

Every queryset comes from a selector scoped to the user, so another tenant's object is
a 404 by construction."""

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from arcadia.api import IsPlatformAdmin
from arcadia.viewsets import ScopedReadOnlyViewSet
from inventory import selectors
from inventory.api.filters import ProjectFilter, ResourceFilter
from inventory.api.serializers import (
    EventSerializer,
    ProjectSerializer,
    ResourceDetailSerializer,
    ResourceSerializer,
    SyncRunSerializer,
)


class ProjectViewSet(ScopedReadOnlyViewSet):
    scoped_by = staticmethod(selectors.projects_visible_to)
    serializer_class = ProjectSerializer
    filterset_class = ProjectFilter
    search_fields = ["name", "provider_id"]
    ordering_fields = ["name", "created_at"]


class ResourceViewSet(ScopedReadOnlyViewSet):
    scoped_by = staticmethod(selectors.resources_visible_to)
    filterset_class = ResourceFilter
    search_fields = ["name", "urn", "provider_id"]
    ordering_fields = ["name", "kind", "region", "first_seen_at", "last_seen_at", "id"]
    ordering = ["id"]
    # Query parameters an action other than `list` takes (StrictFilterBackend).
    extra_query_params: tuple[str, ...] = ()

    def get_serializer_class(self):
        return ResourceDetailSerializer if self.action == "retrieve" else ResourceSerializer

    def scope_options(self) -> dict[str, Any]:
        # A single resource is reachable even when tombstoned; lists hide them unless asked.
        # (ResourceFilter refuses anything but `true`/`false` with a 400.)
        include = (
            self.action != "list" or self.request.query_params.get("include_deleted") == "true"
        )
        return {"include_tombstoned": include}

    @extend_schema(responses=EventSerializer(many=True))
    @action(
        detail=True,
        methods=["get"],
        filterset_class=None,
        search_fields=None,
        ordering_fields=None,
        # Newest first, a page at a time: no filters, search or ordering of its own.
        extra_query_params=("page", "page_size"),
    )
    def events(self, request: Request, pk: str | None = None) -> Response:
        resource = self.get_object()
        page = self.paginate_queryset(selectors.events_visible_to(request.user, resource))
        return self.get_paginated_response(EventSerializer(page, many=True).data)


class SyncRunViewSet(ScopedReadOnlyViewSet):
    """Sync runs are operational detail: platform admins only."""

    permission_classes = [IsPlatformAdmin]
    scoped_by = staticmethod(selectors.sync_runs_visible_to)
    serializer_class = SyncRunSerializer
    filterset_fields = ["kind", "status"]
    ordering_fields = ["started_at"]
