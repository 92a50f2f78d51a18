"""The portal's sign-in form: Django's, with words for a tenant's user (never "staff")."""

from __future__ import annotations

from django.contrib.auth.forms import AuthenticationForm


class PortalLoginForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": (
            "That username and password do not match an account of your organisation. "
            "Both are case-sensitive."
        ),
        "inactive": "This account is disabled. Ask your organisation's Arcadia contact.",
    }
