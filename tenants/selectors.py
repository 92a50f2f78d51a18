"""Reads for tenants, scoped to the asking user (STYLE.md: scope is decided in selectors)."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet

from tenants.models import Tenant, User
from tenants.roles import is_platform_admin


def tenants_visible_to(user: User | AnonymousUser) -> QuerySet[Tenant]:
    # Anonymous callers (schema generation, a view missing its permission) see nothing.
    if is_platform_admin(user):
        return Tenant.objects.all()
    if not user.is_authenticated:
        return Tenant.objects.none()
    return Tenant.objects.filter(memberships__user=user)


def scope_by_tenant(
    queryset: QuerySet, user: User | AnonymousUser, *, tenant_field: str
) -> QuerySet:
    """Narrows any queryset to the user's tenants through `tenant_field` (e.g.
    `project__tenant`). Platform admins keep everything; everyone else keeps only rows
    of their own tenants, so an outside object is simply absent (a 404, not a 403)."""
    if is_platform_admin(user):
        return queryset
    if not user.is_authenticated:
        return queryset.none()
    return queryset.filter(**{f"{tenant_field}__in": user.tenant_ids()})
