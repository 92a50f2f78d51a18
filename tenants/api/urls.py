from django.urls import path
from rest_framework.routers import SimpleRouter

from tenants.api.views import MeView, TenantViewSet

router = SimpleRouter(trailing_slash="/?")
router.register("tenants", TenantViewSet, basename="tenant")

urlpatterns = [path("me", MeView.as_view(), name="me"), *router.urls]
