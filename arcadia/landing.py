"""`GET /`: where Arcadia's surfaces are (the operator console, the tenant portal, the API
and its docs), so the address a browser opens first leads somewhere. Links only: anyone
may read it, each surface asks for its own login."""

from __future__ import annotations

from django.urls import reverse
from django.views.generic import TemplateView


# (label, path, what it is for), in the order the page lists them. The portal's path is
# literal: its routes belong to the portal's own URLconf.
def surfaces() -> list[tuple[str, str, str]]:
    return [
        (
            "Operator console",
            reverse("admin:index"),
            "drift, sagas, syncs and billing, for platform admins",
        ),
        ("Tenant portal", "/portal/", "a tenant's resources, usage and invoices"),
        ("API", reverse("api-root").rstrip("/") + "/", "the REST API's collections (JSON)"),
        ("API docs", reverse("schema-ui"), "the OpenAPI schema in Swagger UI"),
    ]


class LandingView(TemplateView):
    template_name = "arcadia/landing.html"
    http_method_names = ["get", "head"]

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "surfaces": surfaces()}
