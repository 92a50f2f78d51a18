"""Django admin with Arcadia's site as `admin.site` (Django's "Overriding the default admin
site"): every app still registers with `admin.site`, which is now `ArcadiaAdminSite`."""

from django.contrib.admin.apps import AdminConfig


class ConsoleAdminConfig(AdminConfig):
    default_site = "console.site.ArcadiaAdminSite"
