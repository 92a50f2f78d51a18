"""The platform-admin role, decided in one place (DESIGN.md, "Tenants and roles").

A platform admin is a user with `is_platform_admin` OR a Django superuser (one made with
`createsuperuser`). The console (Django's admin grants a superuser everything) and the
API (`arcadia.api.IsPlatformAdmin`, every selector's "sees everything") ask this one
function, so the two surfaces never disagree about who operates the platform. `is_staff`
alone is not the role: it only opens the console's door."""

from __future__ import annotations

from typing import Any


def is_platform_admin(user: Any) -> bool:
    """True for an authenticated, active platform admin or superuser; False for anyone
    else, including anonymous callers and `None`."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if not getattr(user, "is_active", True):
        return False
    return bool(getattr(user, "is_platform_admin", False) or getattr(user, "is_superuser", False))
