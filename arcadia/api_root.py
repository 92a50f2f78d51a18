"""`GET /api/v1/`: where the API's collections are, so the address `bin/up` prints leads
somewhere. Links only (no data), so anyone may read it; every link checks its own scope."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

# (key, URL name): the collections, in the order an operator meets them.
COLLECTIONS = (
    ("me", "me"),
    ("tenants", "tenant-list"),
    ("projects", "project-list"),
    ("resources", "resource-list"),
    ("sync_runs", "sync-run-list"),
    ("drift", "drift-list"),
    ("provisioned", "provisioned-list"),
    ("sagas", "saga-list"),
    ("invoices", "invoice-list"),
    ("reconciliations", "reconciliation-list"),
    ("schema", "schema"),
    ("docs", "schema-ui"),
)


class APIRoot(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        summary="The API's collections, by name",
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request: Request) -> Response:
        return Response({key: reverse(name, request=request) for key, name in COLLECTIONS})
