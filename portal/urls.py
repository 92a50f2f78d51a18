"""The tenant portal under `/portal/` (arcadia.urls). Sign-in and sign-out are Django's
views with the portal's template and words; every other page is read-only."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import path

from portal import views
from portal.forms import PortalLoginForm

app_name = "portal"

urlpatterns = [
    path(
        "login/",
        auth_views.LoginView.as_view(
            template_name="portal/login.html",
            authentication_form=PortalLoginForm,
            redirect_authenticated_user=True,
            next_page="portal:home",
        ),
        name="login",
    ),
    # POST only (Django's LogoutView): a link cannot sign anyone out.
    path("logout/", auth_views.LogoutView.as_view(next_page="portal:login"), name="logout"),
    path("", views.home, name="home"),
    path("<slug:tenant>/", views.tenant_home, name="tenant"),
    path("<slug:tenant>/resources/", views.resources, name="resources"),
    path("<slug:tenant>/resources/<int:pk>/", views.resource, name="resource"),
    path("<slug:tenant>/drift/", views.drift, name="drift"),
    path("<slug:tenant>/invoices/", views.invoices, name="invoices"),
    path("<slug:tenant>/invoices/<int:pk>/", views.invoice, name="invoice"),
    path("<slug:tenant>/invoices/<int:pk>/csv", views.invoice_csv_download, name="invoice-csv"),
]
