"""`/api/v1/me`, `/api/v1/tenants` and the OpenAPI schema (DESIGN.md, "Surfaces")."""

import pytest
from openapi_spec_validator import validate
from rest_framework.test import APIClient

from tenants.services import issue_api_token
from tests.factories import PlatformAdminFactory, TenantFactory, TenantUserFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


def token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {issue_api_token(user)}")
    return client


def session_client(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def tenant_ids(response) -> list[int]:
    assert response.status_code == 200
    return sorted(row["id"] for row in response.json()["results"])


# --- authentication ---------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/api/v1/me", "/api/v1/tenants", "/api/v1/tenants/1"])
def test_unauthenticated_request_is_refused(api_client, url):
    response = api_client.get(url)

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_unknown_token_is_refused(api_client):
    api_client.credentials(HTTP_AUTHORIZATION="Token not-a-real-key")

    assert api_client.get("/api/v1/me").status_code == 401


def test_token_of_an_inactive_user_is_refused():
    user = TenantUserFactory(is_active=False)

    assert token_client(user).get("/api/v1/me").status_code == 401


def test_token_auth_identifies_the_user():
    user = TenantUserFactory()

    response = token_client(user).get("/api/v1/me")

    assert response.status_code == 200
    assert response.json()["username"] == user.username


def test_session_auth_identifies_the_user():
    user = TenantUserFactory()

    response = session_client(user).get("/api/v1/me")

    assert response.status_code == 200
    assert response.json()["username"] == user.username


# --- /me ----------------------------------------------------------------------------------


def test_me_lists_the_users_tenants():
    acme, globex = TenantFactory(), TenantFactory()
    TenantFactory()  # not a member
    user = TenantUserFactory(tenants=[acme, globex])

    body = token_client(user).get("/api/v1/me").json()

    assert body["is_platform_admin"] is False
    assert sorted(t["id"] for t in body["tenants"]) == sorted([acme.pk, globex.pk])


def test_me_says_platform_admin():
    admin = PlatformAdminFactory()

    assert token_client(admin).get("/api/v1/me").json()["is_platform_admin"] is True


# --- /tenants -----------------------------------------------------------------------------


def test_tenant_user_sees_only_own_tenants():
    acme, globex = TenantFactory(), TenantFactory()
    TenantFactory()
    user = TenantUserFactory(tenants=[acme, globex])

    response = token_client(user).get("/api/v1/tenants")

    assert tenant_ids(response) == sorted([acme.pk, globex.pk])


def test_user_without_membership_sees_no_tenants():
    TenantFactory()
    user = UserFactory()

    assert tenant_ids(token_client(user).get("/api/v1/tenants")) == []


def test_platform_admin_sees_all_tenants():
    tenants = TenantFactory.create_batch(3)
    admin = PlatformAdminFactory()

    assert tenant_ids(token_client(admin).get("/api/v1/tenants")) == sorted(t.pk for t in tenants)


def test_tenant_user_sees_own_tenant_detail():
    acme = TenantFactory(name="Acme AI")
    user = TenantUserFactory(tenants=[acme])

    response = token_client(user).get(f"/api/v1/tenants/{acme.pk}")

    assert response.status_code == 200
    assert response.json()["name"] == "Acme AI"


def test_another_tenants_detail_is_not_found():
    other = TenantFactory()
    user = TenantUserFactory()

    response = token_client(user).get(f"/api/v1/tenants/{other.pk}")

    assert response.status_code == 404


def test_platform_admin_sees_any_tenant_detail():
    other = TenantFactory()
    admin = PlatformAdminFactory()

    assert token_client(admin).get(f"/api/v1/tenants/{other.pk}").status_code == 200


def test_tenants_accept_a_trailing_slash():
    user = TenantUserFactory()

    assert token_client(user).get("/api/v1/tenants/").status_code == 200


def test_tenants_are_read_only():
    admin = PlatformAdminFactory()

    response = token_client(admin).post("/api/v1/tenants", {"name": "New"}, format="json")

    assert response.status_code == 405


# --- schema -------------------------------------------------------------------------------


def fetch_schema(client: APIClient) -> dict:
    response = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    return response.json()


def test_schema_is_a_valid_openapi_document(api_client):
    schema = fetch_schema(api_client)

    assert "openapi" in schema
    validate(schema)  # raises on an invalid document


def test_schema_documents_the_tenant_endpoints(api_client):
    paths = set(fetch_schema(api_client)["paths"])

    assert {"/api/v1/me", "/api/v1/tenants", "/api/v1/tenants/{id}"} <= paths


def test_schema_ui_renders_for_a_logged_in_user():
    response = session_client(TenantUserFactory()).get("/api/v1/schema/ui/")

    assert response.status_code == 200
    assert b"swagger-ui" in response.content
