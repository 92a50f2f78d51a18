"""The console's sign-in, for operators, that sends a tenant's user to the portal.

- A signed-in user who may not use the console (not staff) and is not a platform admin
  is a tenant's user: `/admin/` sends them to `/portal/`, not to Django's "authenticated
  as bob, but not authorized" page.
- A wrong sign-in says "operator account" and points tenant users to the portal, instead
  of Django's "staff account".

Nothing here lets anyone more in: the form still refuses non-staff users (Django's
`AdminAuthenticationForm`), and the password is still checked through django-axes'
backend, so a lockout stays in force on this page as on every other sign-in page.
"""

from __future__ import annotations

from django.contrib.admin.forms import AdminAuthenticationForm
from django.http import HttpRequest, HttpResponseRedirect

from tenants.roles import is_platform_admin

# Literal, as on the landing page: the portal's routes belong to its own URLconf.
PORTAL_URL = "/portal/"


class OperatorLoginForm(AdminAuthenticationForm):
    error_messages = {
        **AdminAuthenticationForm.error_messages,
        "invalid_login": (
            "Please enter the correct %(username)s and password for an operator account. "
            "Both fields may be case-sensitive. Signing in for your organisation? "
            "Use the tenant portal at /portal/login/."
        ),
    }


def tenant_user_to_portal(request: HttpRequest) -> HttpResponseRedirect | None:
    """The redirect for a signed-in tenant user opening the console, else None. A
    platform admin without `is_staff` keeps Django's page: the portal would only send
    them back to the console."""
    user = request.user
    if (
        request.method == "GET"
        and user.is_authenticated
        and user.is_active
        and not user.is_staff
        and not is_platform_admin(user)
    ):
        return HttpResponseRedirect(PORTAL_URL)
    return None
