"""What the portal shows a tenant's user, built on the API's own selectors (STYLE.md:
scope is decided in selectors), then narrowed to the one tenant the page is about. The
portal and the API therefore agree by construction: a row the API hides from a user is
absent here too (a 404 for one object)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from billing.models import Invoice, InvoiceStatus
from billing.selectors import invoices_visible_to
from drift.models import Drift, DriftStatus
from inventory.models import CloudResource
from inventory.selectors import resources_visible_to
from tenants.models import Tenant, User
from tenants.roles import is_platform_admin
from tenants.selectors import tenants_visible_to


def portal_tenants(user: User) -> QuerySet[Tenant]:
    """The tenants a user reads in the portal: its memberships. A platform admin reads
    none here (the console is its surface; README, "The tenant portal")."""
    if is_platform_admin(user):
        return Tenant.objects.none()
    return tenants_visible_to(user).order_by("name")


def portal_tenant(user: User, slug: str) -> Tenant:
    tenant = portal_tenants(user).filter(slug=slug).first()
    if tenant is None:
        raise Http404("No such organisation.")
    return tenant


def tenant_resources(
    user: User, tenant: Tenant, *, include_tombstoned: bool = False
) -> QuerySet[CloudResource]:
    return resources_visible_to(user, include_tombstoned=include_tombstoned).filter(
        project__tenant=tenant
    )


def tenant_open_drift(user: User, tenant: Tenant) -> QuerySet[Drift]:
    """Open drift on the tenant's own resources (a tombstoned one's too: its drift is the
    tombstone), newest first. Read-only: resolving drift stays operator work, so the API's
    drift routes stay platform admins' only."""
    resources = tenant_resources(user, tenant, include_tombstoned=True)
    return (
        Drift.objects.filter(status=DriftStatus.OPEN, resource__in=resources)
        .select_related("resource")
        .order_by("-detected_at", "-id")
    )


def tenant_invoices(user: User, tenant: Tenant, *, with_lines: bool = False) -> QuerySet[Invoice]:
    """Finalized and void invoices only: `invoices_visible_to` drops drafts for anyone who
    is not a platform admin, and platform admins never reach here (`portal_tenants`)."""
    return (
        invoices_visible_to(user, with_lines=with_lines)
        .filter(tenant=tenant)
        .exclude(status=InvoiceStatus.DRAFT)  # said twice: a draft must never reach a tenant
        .order_by("-period_start", "-id")
    )
