from django.urls import path

from arcadia.api import ApiRouter
from tenants.api.views import MeView, RevokeAllTokensView, RevokeTokenView, TenantViewSet

router = ApiRouter()
router.register("tenants", TenantViewSet, basename="tenant")

urlpatterns = [
    path("me", MeView.as_view(), name="me"),
    path("auth/tokens/revoke", RevokeTokenView.as_view(), name="token-revoke"),
    path("auth/tokens/revoke-all", RevokeAllTokensView.as_view(), name="token-revoke-all"),
    *router.urls,
]
