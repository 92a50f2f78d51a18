from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from arcadia.health import healthz

admin.site.site_header = "Arcadia operator console"
admin.site.site_title = "Arcadia"
admin.site.index_title = "Inventory, drift, provisioning and billing"

api_v1: list[URLPattern | URLResolver] = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("schema/ui/", SpectacularSwaggerView.as_view(url_name="schema"), name="schema-ui"),
    path("", include("tenants.api.urls")),
    path("inventory/", include("inventory.api.urls")),
    path("", include("drift.api.urls")),
    path("provisioning/", include("provisioning.api.urls")),
    path("billing/", include("billing.api.urls")),
]

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("api/v1/auth/", include("rest_framework.urls")),
]
