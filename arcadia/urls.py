from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from arcadia.api_root import APIRoot
from arcadia.health import healthz, readiness
from arcadia.landing import LandingView
from arcadia.metrics import metrics

admin.site.site_header = "Arcadia operator console"
admin.site.site_title = "Arcadia"
# The index is the dashboard (console.site.ArcadiaAdminSite).
admin.site.index_title = "What needs attention"

api_v1: list[URLPattern | URLResolver] = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its start-up script as a file: the CSP allows no inline script.
    path("schema/ui/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="schema-ui"),
    path("", include("tenants.api.urls")),
    path("inventory/", include("inventory.api.urls")),
    path("", include("drift.api.urls")),
    path("", include("provisioning.api.drift_urls")),  # POST drift/{id}/revert
    path("provisioning/", include("provisioning.api.urls")),
    path("billing/", include("billing.api.urls")),
    path("", include("webhooks.api.urls")),
]

urlpatterns = [
    path("", LandingView.as_view(), name="landing"),
    path("healthz", healthz, name="healthz"),
    path("healthz/ready", readiness, name="readiness"),
    path("metrics", metrics, name="metrics"),
    path("admin/", admin.site.urls),
    # With or without its slash, as the routers' collections are (`/?$`).
    re_path(r"^api/v1/?$", APIRoot.as_view(), name="api-root"),
    path("api/v1/", include(api_v1)),
    path("api/v1/auth/", include("rest_framework.urls")),
    path("portal/", include("portal.urls")),
]

# JSON under /api/, Django's pages elsewhere (arcadia.http_errors).
handler400 = "arcadia.http_errors.bad_request"
handler403 = "arcadia.http_errors.permission_denied"
handler404 = "arcadia.http_errors.page_not_found"
handler500 = "arcadia.http_errors.server_error"
