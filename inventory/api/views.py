"""Inventory API: projects, resources with their events, sync runs.

Every queryset comes from a selector scoped to the user, so another tenant's object is
a 404 by construction."""

from typing import Any

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from arcadia.api import IsPlatformAdmin
from arcadia.errors import InvalidInput, NotFound
from arcadia.viewsets import ScopedReadOnlyViewSet
from inventory import selectors
from inventory.api.filters import ProjectFilter, ResourceFilter
from inventory.api.serializers import (
    AssignTenantSerializer,
    EventSerializer,
    ProjectDetailSerializer,
    ProjectSerializer,
    ResourceDetailSerializer,
    ResourceSerializer,
    SyncRunSerializer,
)
from inventory.services.tenancy import assign_project_tenant, parse_effective_from
from tenants.services import find_tenant


class ProjectViewSet(ScopedReadOnlyViewSet):
    scoped_by = staticmethod(selectors.projects_visible_to)
    filterset_class = ProjectFilter
    search_fields = ["name", "provider_id"]
    ordering_fields = ["name", "created_at"]

    def get_serializer_class(self):
        return ProjectSerializer if self.action == "list" else ProjectDetailSerializer

    @extend_schema(
        summary="Assign the project to a tenant from an instant (default now)",
        request=AssignTenantSerializer,
        responses={
            200: ProjectDetailSerializer,
            400: OpenApiResponse(description="A bad `effective_from` or unknown `tenant`."),
            403: OpenApiResponse(description="Not a platform admin."),
            404: OpenApiResponse(description="No such project."),
        },
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="tenant",
        permission_classes=[IsPlatformAdmin],
        filterset_class=None,
        search_fields=None,
        ordering_fields=None,
    )
    def tenant(self, request: Request, pk: str | None = None) -> Response:
        project = self.get_object()  # after IsPlatformAdmin: a tenant user gets a 403
        body = AssignTenantSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        effective_from = parse_effective_from(data["effective_from"])
        tenant = None
        if data["tenant"] is not None:
            try:
                tenant = find_tenant(data["tenant"])
            except NotFound as exc:  # a reference in a body is invalid input, not a missing URL
                raise InvalidInput(exc.message, field="tenant") from exc
        assign_project_tenant(
            project,
            tenant,
            actor=request.user.get_username(),
            effective_from=effective_from,
            reason=data["reason"],
        )
        project = self.get_queryset().get(pk=project.pk)
        return Response(ProjectDetailSerializer(project, context={"request": request}).data)


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
