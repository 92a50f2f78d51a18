"""A guesser is stopped, a normal caller is not (README, "Throttles" and "API tokens")."""

import secrets

import pytest
from django.db import connection
from django.test import Client
from knox.models import AuthToken
from rest_framework.test import APIClient

from tenants.services import issue_api_token
from tests.factories import PlatformAdminFactory, TenantUserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"
LOGIN_PAGES = ["/api/v1/auth/login/", "/admin/login/"]


def _login(client: Client, url: str, username: str, password: str):
    return client.post(url, {"username": username, "password": password})


@pytest.mark.parametrize("url", LOGIN_PAGES)
def test_thirty_wrong_passwords_lock_the_login_even_for_the_right_one(url):
    PlatformAdminFactory(username="ops", password=PASSWORD)
    client = Client()

    answers = [_login(client, url, "ops", f"guess-{n}").status_code for n in range(30)]
    right = _login(client, url, "ops", PASSWORD)

    # The form again, with its error, until the fifth failure (ARCADIA_LOGIN_FAILURE_LIMIT).
    assert answers[:4] == [200] * 4
    assert set(answers[4:]) == {429}
    assert right.status_code == 429
    assert int(right["Retry-After"]) > 0
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("url", LOGIN_PAGES)
def test_a_user_who_mistypes_once_still_logs_in(url):
    PlatformAdminFactory(username="ops", password=PASSWORD)
    client = Client()

    _login(client, url, "ops", "typo")
    response = _login(client, url, "ops", PASSWORD)

    assert response.status_code == 302
    assert "_auth_user_id" in client.session


def test_another_address_is_not_locked_out_by_a_guesser():
    PlatformAdminFactory(username="ops", password=PASSWORD)
    guesser = Client(REMOTE_ADDR="203.0.113.9")
    for n in range(10):
        _login(guesser, "/admin/login/", "ops", f"guess-{n}")

    response = _login(Client(REMOTE_ADDR="198.51.100.7"), "/admin/login/", "ops", PASSWORD)

    assert response.status_code == 302


def test_random_tokens_are_throttled_after_the_failed_token_rate():
    client = APIClient()

    answers = []
    for n in range(40):
        client.credentials(HTTP_AUTHORIZATION=f"Token {n:064x}")
        answers.append(client.get("/api/v1/me"))

    codes = [response.status_code for response in answers]
    assert codes[:20] == [401] * 20  # the default rate: 20 wrong tokens a minute
    assert set(codes[20:]) == {429}
    assert int(answers[-1]["Retry-After"]) > 0


def test_a_throttled_address_is_refused_even_with_a_right_token():
    user = TenantUserFactory()
    good = issue_api_token(user)
    client = APIClient()
    for n in range(20):
        client.credentials(HTTP_AUTHORIZATION=f"Token {n:064x}")
        client.get("/api/v1/me")

    client.credentials(HTTP_AUTHORIZATION=f"Token {good}")

    assert client.get("/api/v1/me").status_code == 429


def test_a_normal_caller_with_a_good_token_is_not_throttled():
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {issue_api_token(TenantUserFactory())}")

    codes = {client.get("/api/v1/me").status_code for _ in range(100)}

    assert codes == {200}


def with_rates(settings, **rates: str) -> None:
    """Overrides some throttle rates for one test (the rest stay at their defaults)."""
    framework = settings.REST_FRAMEWORK
    settings.REST_FRAMEWORK = {
        **framework,
        "DEFAULT_THROTTLE_RATES": {**framework["DEFAULT_THROTTLE_RATES"], **rates},
    }


def test_anonymous_requests_are_throttled_per_address(settings):
    with_rates(settings, anon="5/min")

    # A public endpoint: elsewhere an anonymous call is a 401 before any throttle runs,
    # and a wrong token is counted by the failed-token throttle instead.
    codes = [APIClient().get("/api/v1/schema/").status_code for _ in range(7)]
    other = APIClient(REMOTE_ADDR="198.51.100.7").get("/api/v1/schema/")

    assert codes == [200] * 5 + [429] * 2
    assert other.status_code == 200


def test_a_user_over_the_user_rate_is_throttled(settings):
    with_rates(settings, user="3/min")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {issue_api_token(TenantUserFactory())}")

    responses = [client.get("/api/v1/me") for _ in range(4)]

    assert [r.status_code for r in responses] == [200, 200, 200, 429]
    assert int(responses[-1]["Retry-After"]) > 0


def test_two_hundred_random_tokens_end_in_429s():
    """The issue's guesser: 200 random tokens against /me."""
    client = APIClient()

    codes = []
    for _ in range(200):
        client.credentials(HTTP_AUTHORIZATION=f"Token {secrets.token_hex(32)}")
        codes.append(client.get("/api/v1/me").status_code)

    assert codes.count(401) == 20
    assert codes[-180:] == [429] * 180


def test_a_forged_forwarded_for_does_not_give_a_guesser_new_addresses():
    client = APIClient()

    codes = []
    for n in range(30):
        client.credentials(HTTP_AUTHORIZATION=f"Token {n:064x}", HTTP_X_FORWARDED_FOR=f"10.0.0.{n}")
        codes.append(client.get("/api/v1/me").status_code)

    assert set(codes[20:]) == {429}


def test_behind_a_proxy_the_address_is_the_one_the_proxy_saw(settings):
    """ARCADIA_PROXY_COUNT=1: the last X-Forwarded-For hop is the client (the proxy wrote
    it); whatever the client wrote before it does not count."""
    settings.ARCADIA_PROXY_COUNT = 1
    proxy = {"REMOTE_ADDR": "10.0.0.1"}

    def guess(n: int, forwarded: str) -> int:
        client = APIClient(**proxy)
        client.credentials(HTTP_AUTHORIZATION=f"Token {n:064x}", HTTP_X_FORWARDED_FOR=forwarded)
        return client.get("/api/v1/me").status_code

    guesser = [guess(n, f"192.0.2.{n}, 203.0.113.9") for n in range(21)]
    neighbour = guess(99, "198.51.100.7")  # another client behind the same proxy

    assert guesser[-1] == 429
    assert neighbour == 401


@pytest.mark.parametrize("url", LOGIN_PAGES)
def test_a_forged_forwarded_for_does_not_lift_a_password_lockout(url):
    PlatformAdminFactory(username="ops", password=PASSWORD)

    codes = [
        _login(Client(HTTP_X_FORWARDED_FOR=f"10.0.0.{n}"), url, "ops", f"guess-{n}").status_code
        for n in range(6)
    ]

    assert codes[-1] == 429


def test_behind_a_proxy_a_password_guesser_does_not_lock_out_its_neighbours(settings):
    settings.ARCADIA_PROXY_COUNT = 1
    PlatformAdminFactory(username="ops", password=PASSWORD)

    def via_proxy(client_address: str) -> Client:
        return Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=client_address)

    guesses = [
        _login(via_proxy("203.0.113.9"), "/admin/login/", "ops", f"guess-{n}").status_code
        for n in range(6)
    ]
    owner = _login(via_proxy("198.51.100.7"), "/admin/login/", "ops", PASSWORD)

    assert guesses[-1] == 429
    assert owner.status_code == 302


def test_a_token_of_non_ascii_bytes_is_a_401_not_a_500():
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token caf\xe9\xff")

    response = client.get("/api/v1/me")

    assert response.status_code == 401
    assert response["Content-Type"] == "application/json"


def test_the_database_holds_no_usable_token():
    """What a `pg_dump` would show: neither stored column authenticates."""
    token = issue_api_token(TenantUserFactory())
    with connection.cursor() as cursor:
        cursor.execute("SELECT digest, token_key FROM knox_authtoken")
        [(digest, prefix)] = cursor.fetchall()
        cursor.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = 'authtoken_token'"
        )
        [(clear_tables,)] = cursor.fetchall()

    assert token not in (digest, prefix)
    assert clear_tables == 0
    for stored in (digest, prefix):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {stored}")
        assert client.get("/api/v1/me").status_code == 401


def test_an_expired_token_is_refused(settings):
    token = issue_api_token(TenantUserFactory())
    AuthToken.objects.update(expiry="2000-01-01T00:00:00Z")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")

    assert client.get("/api/v1/me").status_code == 401


def test_tokens_expire_after_the_configured_lifetime(settings):
    issue_api_token(TenantUserFactory())
    stored = AuthToken.objects.get()

    lifetime = stored.expiry - stored.created
    assert abs(lifetime.total_seconds() - 30 * 86400) < 5


def test_the_console_lists_tokens_by_prefix_only():
    admin = PlatformAdminFactory()
    token = issue_api_token(admin)
    client = Client()
    client.force_login(admin)

    page = client.get("/admin/tenants/apitoken/").content.decode()

    stored = AuthToken.objects.get()
    assert stored.token_key in page
    assert token not in page
    # The row's key is knox's digest (SHA-512 of the token): not a token, and refused as one.
    client_api = APIClient()
    client_api.credentials(HTTP_AUTHORIZATION=f"Token {stored.digest}")
    assert client_api.get("/api/v1/me").status_code == 401
