"""Billing API: invoices (tenants see their own; another tenant's is a 404), their CSV,
and for platform admins finalize, void and reconciliations (anyone else gets a 403).

Views only parse and call one service; the exception handler maps domain errors (404
unknown invoice, 409 not a draft / not finalized / month not ended, 400 no reason)."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from arcadia.api import IsPlatformAdmin
from arcadia.viewsets import ScopedReadOnlyViewSet
from billing import selectors
from billing.api.filters import InvoiceFilter, ReconciliationFilter
from billing.api.serializers import (
    FinalizeSerializer,
    InvoiceDetailSerializer,
    InvoiceSerializer,
    ReconciliationDetailSerializer,
    ReconciliationSerializer,
    VoidSerializer,
)
from billing.exports import invoice_csv, invoice_csv_filename
from billing.services.invoices import finalize, void


def _actor(request: Request) -> str:
    return f"api:{request.user.get_username()}"


ADMIN_ONLY = {
    403: OpenApiResponse(description="Not a platform admin."),
    404: OpenApiResponse(description="No such invoice."),
}


@extend_schema_view(
    list=extend_schema(summary="Invoices (a tenant's own; every tenant's for admins)"),
    retrieve=extend_schema(summary="One invoice with its lines"),
)
class InvoiceViewSet(ScopedReadOnlyViewSet):
    scoped_by = staticmethod(selectors.invoices_visible_to)
    filterset_class = InvoiceFilter
    ordering_fields = ["period_start", "total", "id"]
    ordering = ["-period_start", "id"]

    def get_serializer_class(self):
        return InvoiceDetailSerializer if self.action == "retrieve" else InvoiceSerializer

    def scope_options(self) -> dict[str, Any]:
        return {"with_lines": self.action in ("retrieve", "csv")}

    @extend_schema(
        summary="The invoice as CSV: a row per line, then the totals",
        responses={(200, "text/csv"): OpenApiTypes.STR},
    )
    @action(detail=True, methods=["get"], filterset_class=None)
    def csv(self, request: Request, pk: str | None = None) -> HttpResponse:
        invoice = self.get_object()
        response = HttpResponse(invoice_csv(invoice), content_type="text/csv; charset=utf-8")
        filename = invoice_csv_filename(invoice)
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response

    @extend_schema(
        summary="Finalize a draft: number, credits, frozen lines",
        request=FinalizeSerializer,
        responses={
            200: InvoiceDetailSerializer,
            **ADMIN_ONLY,
            409: OpenApiResponse(description="Not a draft, or its month has not ended."),
        },
    )
    @action(detail=True, methods=["post"], permission_classes=[IsPlatformAdmin])
    def finalize(self, request: Request, pk: str | None = None) -> Response:
        invoice = self.get_object()
        body = FinalizeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        finalize(invoice.pk, actor=_actor(request), reason=body.validated_data["reason"])
        return Response(InvoiceDetailSerializer(self.get_object()).data)

    @extend_schema(
        summary="Void a finalized invoice (a reason is required)",
        request=VoidSerializer,
        responses={
            200: InvoiceDetailSerializer,
            **ADMIN_ONLY,
            400: OpenApiResponse(description="No reason given."),
            409: OpenApiResponse(description="Not finalized."),
        },
    )
    @action(detail=True, methods=["post"], permission_classes=[IsPlatformAdmin])
    def void(self, request: Request, pk: str | None = None) -> Response:
        invoice = self.get_object()
        body = VoidSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        void(invoice.pk, reason=body.validated_data["reason"], actor=_actor(request))
        return Response(InvoiceDetailSerializer(self.get_object()).data)


@extend_schema_view(
    list=extend_schema(summary="Reconciliations with DO's bill (platform admins)"),
    retrieve=extend_schema(summary="One reconciliation with its lines"),
)
class ReconciliationViewSet(ScopedReadOnlyViewSet):
    permission_classes = [IsPlatformAdmin]
    scoped_by = staticmethod(selectors.reconciliations_visible_to)
    filterset_class = ReconciliationFilter
    ordering_fields = ["created_at", "id"]
    ordering = ["-created_at", "-id"]

    def get_serializer_class(self):
        if self.action == "retrieve":
            return ReconciliationDetailSerializer
        return ReconciliationSerializer

    def scope_options(self) -> dict[str, Any]:
        return {"with_lines": self.action == "retrieve"}
