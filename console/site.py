"""Arcadia's admin site: the index is the dashboard (what needs attention), and the app
list puts Arcadia's apps first in the order work flows through them, the framework's own
(tokens, groups, periodic tasks, lockouts) last."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.apps import apps
from django.contrib import admin
from django.http import HttpRequest
from django.template.response import TemplateResponse

from console.login import OperatorLoginForm, tenant_user_to_portal
from tenants.roles import is_platform_admin

# Inventory sees, drift compares, provisioning changes, billing charges, tenants own.
DOMAIN_ORDER = ("inventory", "drift", "provisioning", "billing", "tenants")


def app_rank(app_label: str) -> tuple[int, int]:
    """Domain apps in DOMAIN_ORDER, then Arcadia's other apps, then installed packages."""
    if app_label in DOMAIN_ORDER:
        return (0, DOMAIN_ORDER.index(app_label))
    return (2, 0) if is_framework_app(app_label) else (1, 0)


def is_framework_app(app_label: str) -> bool:
    """An app installed as a package (Django's, knox, axes, celery beat), not Arcadia's."""
    return "site-packages" in Path(apps.get_app_config(app_label).path).parts


class ArcadiaAdminSite(admin.AdminSite):
    site_header = "Arcadia operator console"
    site_title = "Arcadia"
    index_title = "What needs attention"
    index_template = "admin/dashboard.html"

    # Operator wording; a tenant's user is sent to the portal (console/login.py).
    login_form = OperatorLoginForm

    def login(self, request: HttpRequest, extra_context: dict[str, Any] | None = None):
        return tenant_user_to_portal(request) or super().login(request, extra_context)

    def get_app_list(self, request: HttpRequest, app_label: str | None = None) -> list[dict]:
        app_list = super().get_app_list(request, app_label)
        # Stable: within a rank, Django's alphabetical order stays.
        return sorted(app_list, key=lambda app: app_rank(app["app_label"]))

    def index(self, request: HttpRequest, extra_context: dict[str, Any] | None = None):
        # Imported here: the site is built while the admin autodiscovers, and the
        # dashboard reads every domain app's models.
        from console.chart import drift_chart
        from console.dashboard import WINDOW_DAYS, dashboard

        context = dict(extra_context or {})
        # Drift and billing span every tenant: platform admins' work (DESIGN.md, "Surfaces").
        if is_platform_admin(request.user):
            figures = dashboard()
            context["dashboard"] = figures
            context["drift_chart"] = drift_chart(figures.drift_days)
            context["window_days"] = WINDOW_DAYS
        response = super().index(request, context)
        assert isinstance(response, TemplateResponse)
        return response
