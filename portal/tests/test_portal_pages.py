"""The tenant portal (README, "The tenant portal"): a tenant's user reads its own
resources, drift and invoices, never another tenant's and never a draft; every page is
read-only; the sign-in pages speak to tenants, not staff."""

from __future__ import annotations

import csv
import io

import pytest
from django.test import Client

from billing.exports import invoice_csv
from tests.factories import TEST_PASSWORD, PlatformAdminFactory, TenantUserFactory

pytestmark = pytest.mark.django_db


def page(client: Client, path: str, status: int = 200) -> str:
    response = client.get(path)
    assert response.status_code == status, (path, response.status_code)
    return response.content.decode()


# --- scope ----------------------------------------------------------------------------


def test_one_membership_opens_on_its_tenant(client_of, mine):
    response = client_of.get("/portal/")
    assert response.status_code == 302
    assert response["Location"] == "/portal/acme/"


def test_several_memberships_pick_one(mine, theirs):
    client = Client()
    client.force_login(TenantUserFactory(tenants=[mine.tenant, theirs.tenant]))
    body = page(client, "/portal/")
    assert "Choose an organisation" in body
    assert 'href="/portal/acme/"' in body and 'href="/portal/globex/"' in body
    # Each tenant's pages show that tenant's data only.
    assert "globex-web" not in page(client, "/portal/acme/resources/")
    assert "acme-web" not in page(client, "/portal/globex/resources/")


def test_the_resource_list_shows_only_the_tenants_own(client_of, mine, theirs):
    body = page(client_of, "/portal/acme/resources/")
    assert "acme-web" in body
    assert "globex-web" not in body


def test_another_tenants_pages_are_404(client_of, mine, theirs):
    page(client_of, "/portal/globex/", 404)
    page(client_of, "/portal/globex/resources/", 404)
    page(client_of, "/portal/globex/invoices/", 404)
    page(client_of, "/portal/no-such-tenant/", 404)


def test_another_tenants_resource_and_invoice_are_404_under_my_tenant(client_of, mine, theirs):
    page(client_of, f"/portal/acme/resources/{theirs.droplet.pk}/", 404)
    page(client_of, f"/portal/acme/invoices/{theirs.finalized.pk}/", 404)
    page(client_of, f"/portal/acme/invoices/{theirs.finalized.pk}/csv", 404)


def test_a_platform_admin_is_pointed_to_the_console(mine):
    client = Client()
    client.force_login(PlatformAdminFactory())
    body = page(client, "/portal/")
    assert "platform admin" in body and 'href="/admin/"' in body
    page(client, "/portal/acme/", 404)


def test_a_user_without_membership_is_told_so(mine):
    client = Client()
    client.force_login(TenantUserFactory(tenants=[]))
    assert "not a member of any organisation" in page(client, "/portal/")


def test_anonymous_visitors_go_to_the_portal_sign_in(mine):
    response = Client().get("/portal/acme/resources/")
    assert response.status_code == 302
    assert response["Location"].startswith("/portal/login/?next=/portal/acme/resources/")


# --- resources and their timeline -----------------------------------------------------


def test_the_resource_list_filters_by_kind_and_searches_by_name(client_of, mine):
    assert "acme-web" in page(client_of, "/portal/acme/resources/?kind=droplet&q=ACME")
    assert "acme-web" not in page(client_of, "/portal/acme/resources/?q=nothing-like-it")
    assert "acme-web" not in page(client_of, "/portal/acme/resources/?kind=volume")


def test_bad_list_parameters_are_400_naming_them(client_of, mine):
    assert "<code>kind</code>" in page(client_of, "/portal/acme/resources/?kind=spaceship", 400)
    assert "<code>page</code>" in page(client_of, "/portal/acme/resources/?page=x", 400)
    page(client_of, "/portal/acme/resources/?page=99", 404)


def test_the_resource_list_is_paginated(client_of, mine):
    from tests.factories import CloudResourceFactory

    project = mine.droplet.project
    CloudResourceFactory.create_batch(55, project=project, name="bulk")
    first = page(client_of, "/portal/acme/resources/?q=bulk")
    assert "Page 1 of 2" in first and "?q=bulk&amp;page=2" in first
    assert page(client_of, "/portal/acme/resources/?q=bulk&page=2").count(">bulk<") == 5


def test_a_resource_page_shows_its_timeline_as_a_changelog(client_of, mine):
    body = page(client_of, f"/portal/acme/resources/{mine.droplet.pk}/")
    assert 'id="timeline"' in body
    assert '<span class="diff-field">size_slug</span>' in body
    assert "s-1vcpu-1gb" in body and "→" in body and "s-2vcpu-4gb" in body
    assert "Discovered" in body and "Updated" in body
    # A move reads as the tenant's project names, not the log's project ids.
    assert f'<code class="diff-value" title="{mine.droplet.project.name}">' in body


# --- drift ----------------------------------------------------------------------------


def test_open_drift_on_own_resources_is_shown_read_only(client_of, mine, theirs):
    body = page(client_of, "/portal/acme/drift/")
    assert "acme-web" in body and "globex-web" not in body
    assert '<td class="drift-expected"><code>s-1vcpu-1gb</code></td>' in body
    assert "<form" not in body.split("<main", 1)[1]  # no action of any kind


def test_resolved_drift_is_not_shown(client_of, mine):
    from django.utils import timezone

    mine.drift.status, mine.drift.resolved_at = "accepted", timezone.now()
    mine.drift.save(update_fields=["status", "resolved_at"])
    assert "No open drift" in page(client_of, "/portal/acme/drift/")


# --- invoices -------------------------------------------------------------------------


def test_invoices_list_finalized_never_drafts(client_of, mine, theirs):
    body = page(client_of, "/portal/acme/invoices/")
    assert mine.finalized.number in body
    assert theirs.finalized.number not in body
    assert f"/invoices/{mine.draft.pk}/" not in body
    page(client_of, f"/portal/acme/invoices/{mine.draft.pk}/", 404)
    page(client_of, f"/portal/acme/invoices/{mine.draft.pk}/csv", 404)


def test_an_invoice_shows_lines_and_totals_at_two_decimals(client_of, mine):
    body = page(client_of, f"/portal/acme/invoices/{mine.finalized.pk}/")
    assert 'id="lines"' in body and mine.finalized.lines.count() >= 1
    assert "6.00 USD" in body  # a 31-day s-1vcpu-1gb: the monthly cap
    assert "Credits applied" in body and "0.00 USD" in body


def test_the_csv_is_the_apis_export(client_of, mine):
    response = client_of.get(f"/portal/acme/invoices/{mine.finalized.pk}/csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith(
        f'attachment; filename="{mine.finalized.number}'
    )
    text = response.content.decode()
    assert text == invoice_csv(mine.finalized)
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][0] == "product" and rows[-1][0] == "total"


# --- read-only ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/portal/",
        "/portal/acme/",
        "/portal/acme/resources/",
        "/portal/acme/drift/",
        "/portal/acme/invoices/",
    ],
)
@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_every_page_is_get_only(client_of, mine, path, method):
    assert getattr(client_of, method)(path).status_code == 405


def test_object_pages_are_get_only(client_of, mine):
    for path in (
        f"/portal/acme/resources/{mine.droplet.pk}/",
        f"/portal/acme/invoices/{mine.finalized.pk}/",
        f"/portal/acme/invoices/{mine.finalized.pk}/csv",
    ):
        assert client_of.post(path).status_code == 405, path
        assert client_of.head(path).status_code == 200, path


# --- signing in and out ---------------------------------------------------------------


def test_the_sign_in_page_speaks_to_tenants(db):
    body = page(Client(), "/portal/login/")
    assert "Sign in to your organisation" in body
    assert "staff" not in body.lower()


def test_a_wrong_password_does_not_mention_staff(member):
    response = Client().post("/portal/login/", {"username": "bob", "password": "wrong"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "do not match an account of your organisation" in body
    assert "staff" not in body.lower()


def test_a_tenant_user_signs_in_and_lands_on_its_tenant(member):
    client = Client()
    response = client.post("/portal/login/", {"username": "bob", "password": TEST_PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/portal/"
    assert client.get("/portal/")["Location"] == "/portal/acme/"


def test_sign_out_is_post_only(client_of):
    assert client_of.get("/portal/logout/").status_code == 405
    response = client_of.post("/portal/logout/")
    assert response.status_code == 302 and response["Location"] == "/portal/login/"
    assert client_of.get("/portal/acme/").status_code == 302  # signed out


def test_a_resource_moved_in_shows_only_the_tenants_own_history(client_of, mine, theirs):
    from billing.tests.conftest import at
    from inventory.models import CloudResource, CloudResourceEvent

    moved = theirs.droplet
    CloudResourceEvent.objects.create(
        resource=moved,
        event="updated",
        changes={"project": [moved.project_id, mine.droplet.project_id]},
        actor="test",
        occurred_at=at("2026-06-01 00:00"),
    )
    CloudResource.objects.filter(pk=moved.pk).update(project=mine.droplet.project)

    body = page(client_of, f"/portal/acme/resources/{moved.pk}/")
    timeline = body.split('id="timeline"', 1)[1]
    assert (
        timeline.count("portal-when") == 1
    )  # the arrival; Globex's discovery and resize stay hidden
    assert "Discovered" not in timeline and "s-2vcpu-4gb" not in timeline
    assert f'title="{mine.droplet.project.name}"' in timeline
    assert moved.project.name not in timeline  # Globex's project, by name or id
