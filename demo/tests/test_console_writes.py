"""Console writes that decide billing or access go through services, with an audit."""

from __future__ import annotations

from decimal import Decimal

import pytest

from billing.models import Credit
from inventory.models import CloudProject, ProjectTenantChange
from tenants.models import Tenant

pytestmark = pytest.mark.django_db


def test_project_tenant_edit_in_console_is_audited_with_the_operator(client, operator):
    tenant = Tenant.objects.create(name="Acme", slug="acme")
    project = CloudProject.objects.create(provider_id="p1", name="acme-prod")
    response = client.post(
        f"/admin/inventory/cloudproject/{project.pk}/change/",
        {"tenant": tenant.pk},
    )
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.tenant == tenant
    change = ProjectTenantChange.objects.get(project=project)
    assert (change.old_tenant, change.new_tenant, change.actor) == (None, tenant, "op")
    page = client.get(f"/admin/inventory/cloudproject/{project.pk}/change/")
    assert "- → Acme by op" in page.content.decode()


def test_credit_in_console_goes_through_grant_credit(client, operator):
    tenant = Tenant.objects.create(name="Acme", slug="acme")
    form = {"tenant": tenant.pk, "currency": "USD", "reason": "goodwill"}
    refused = client.post("/admin/billing/credit/add/", {**form, "amount": "1.005"})
    assert refused.status_code == 200 and not Credit.objects.exists()
    client.post("/admin/billing/credit/add/", {**form, "amount": "10.00"})
    credit = Credit.objects.get()
    assert credit.remaining == Decimal("10.00")
    assert credit.reason == "goodwill (by op)"
