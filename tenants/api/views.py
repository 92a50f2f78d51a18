from drf_spectacular.utils import OpenApiResponse, extend_schema
from knox.models import AuthToken
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from arcadia.errors import InvalidInput
from arcadia.viewsets import ScopedReadOnlyViewSet
from tenants import services
from tenants.api.serializers import MeSerializer, RevokedSerializer, TenantSerializer
from tenants.models import User
from tenants.selectors import tenants_visible_to


class MeView(APIView):
    @extend_schema(responses=MeSerializer)
    def get(self, request: Request) -> Response:
        return Response(MeSerializer(request.user).data)


class TenantViewSet(ScopedReadOnlyViewSet):
    scoped_by = staticmethod(tenants_visible_to)
    serializer_class = TenantSerializer
    search_fields = ["name", "slug"]
    ordering_fields = ["name", "created_at"]


class RevokeTokenView(APIView):
    """Revokes the API token the request carries (a token-holder's logout)."""

    @extend_schema(
        summary="Revoke the API token this request carries",
        request=None,
        responses={
            204: OpenApiResponse(description="Revoked: the token no longer authenticates."),
            400: OpenApiResponse(description="The request carries no API token (`no_token`)."),
        },
    )
    def post(self, request: Request) -> Response:
        if not isinstance(request.auth, AuthToken):
            raise InvalidInput(
                "This request carries no API token (it is authenticated by a session).",
                code="no_token",
            )
        services.revoke_api_token(request.auth)
        return Response(status=status.HTTP_204_NO_CONTENT)


class RevokeAllTokensView(APIView):
    """Revokes every API token of the caller, whichever it authenticates with."""

    @extend_schema(
        summary="Revoke every API token of the caller",
        request=None,
        responses={200: RevokedSerializer},
    )
    def post(self, request: Request) -> Response:
        assert isinstance(request.user, User)  # IsAuthenticated has refused anyone else
        revoked = services.revoke_api_tokens(request.user)
        return Response(RevokedSerializer({"revoked": revoked}).data)
