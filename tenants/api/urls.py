from django.urls import path
from rest_framework.routers import SimpleRouter

from tenants.api.views import MeView, TenantViewSet

router = SimpleRouter()
# `/api/v1/tenants` and `/api/v1/tenants/` both resolve. The constructor only takes a
# bool (anything truthy becomes "/"), so the optional slash is set after it.
router.trailing_slash = "/?"
router.register("tenants", TenantViewSet, basename="tenant")

urlpatterns = [path("me", MeView.as_view(), name="me"), *router.urls]
