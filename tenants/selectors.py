"""Reads for tenants, scoped to the asking user (STYLE.md: scope is decided in selectors)."""

from __future__ import annotations

from django.db.models import QuerySet

from tenants.models import Tenant, User


def tenants_visible_to(user: User) -> QuerySet[Tenant]:
    if user.is_platform_admin:
        return Tenant.objects.all()
    return Tenant.objects.filter(memberships__user=user)


def scope_by_tenant(queryset: QuerySet, user: User, *, tenant_field: str) -> QuerySet:
    """Narrows any queryset to the user's tenants through `tenant_field` (e.g.
    `project__tenant`). Platform admins keep everything; everyone else keeps only rows
    of their own tenants, so an outside object is simply absent (a 404, not a 403)."""
    if user.is_platform_admin:
        return queryset
    return queryset.filter(**{f"{tenant_field}__in": user.tenant_ids()})
