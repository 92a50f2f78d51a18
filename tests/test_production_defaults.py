"""Production defaults (issue 10, part 4): DEBUG off unless asked for, HTTPS settings that
`check --deploy` accepts and the environment can turn off, security headers, API errors
in JSON, and a login that lands somewhere real.

The suite itself runs with DEBUG off and ARCADIA_HTTPS=false (pyproject.toml,
[tool.pytest_env]); what the settings module does with other environments is asked of a
fresh interpreter."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

from arcadia.settings import DEV_SECRET_KEY
from tests.factories import TEST_PASSWORD, UserFactory

ROOT = Path(__file__).resolve().parent.parent
A_SECRET_KEY = "x7-" + "k3y-" * 15  # long and varied enough for check --deploy
CONFIG_VARS = ("DEBUG", "SECRET_KEY", "ARCADIA_HTTPS", "SECURE_SSL_REDIRECT")


def run(args: list[str], **env: str) -> subprocess.CompletedProcess[str]:
    """`python ARGS` in the project, with this environment less the settings under test."""
    clean = {k: v for k, v in os.environ.items() if k not in CONFIG_VARS}
    clean.pop("DJANGO_SETTINGS_MODULE", None)
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


SHOW = (
    "import json; from django.conf import settings as s; import django;"
    "import os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'arcadia.settings');"
    "print(json.dumps({n: getattr(s, n) for n in ["
    "'DEBUG', 'SECURE_SSL_REDIRECT', 'SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE',"
    "'SECURE_HSTS_SECONDS', 'SECURE_PROXY_SSL_HEADER']}))"
)


def settings_under(**env: str) -> dict:
    result = run(["-c", SHOW], **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


# --- DEBUG and the secret key ---------------------------------------------------------


def test_debug_is_off_unless_asked_for():
    assert settings_under(SECRET_KEY=A_SECRET_KEY)["DEBUG"] is False
    assert settings_under(DEBUG="true")["DEBUG"] is True


def test_with_debug_off_the_development_secret_key_is_refused():
    result = run(["-c", SHOW], SECRET_KEY=DEV_SECRET_KEY)

    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


def test_with_debug_off_and_no_secret_key_the_web_server_refuses_to_start():
    result = run(["-c", "import arcadia.wsgi"])

    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_tools_that_sign_nothing_run_without_a_secret_key():
    # Docker builds run collectstatic; mypy's Django plugin loads the settings.
    result = run(["manage.py", "collectstatic", "--dry-run", "--no-input", "-v0"])

    assert result.returncode == 0, result.stderr


# --- TLS ------------------------------------------------------------------------------


def test_check_deploy_passes_with_debug_off():
    result = run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"], SECRET_KEY=A_SECRET_KEY
    )

    assert result.returncode == 0, result.stdout + result.stderr


def test_with_debug_off_https_is_expected_behind_a_tls_terminating_proxy():
    production = settings_under(SECRET_KEY=A_SECRET_KEY)

    assert production["SECURE_SSL_REDIRECT"] is True
    assert production["SESSION_COOKIE_SECURE"] is True
    assert production["CSRF_COOKIE_SECURE"] is True
    assert production["SECURE_HSTS_SECONDS"] >= 31_536_000
    assert production["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]


@pytest.mark.parametrize(
    "env",
    [{"SECRET_KEY": A_SECRET_KEY, "ARCADIA_HTTPS": "false"}, {"DEBUG": "true"}],
    ids=["ARCADIA_HTTPS=false", "DEBUG=true"],
)
def test_plain_http_turns_the_https_settings_off(env):
    # bin/up serves the console on plain HTTP on loopback with DEBUG on: a Secure cookie
    # or a redirect to https would lock the operator out.
    local = settings_under(**env)

    assert local["SECURE_SSL_REDIRECT"] is False
    assert local["SESSION_COOKIE_SECURE"] is False
    assert local["CSRF_COOKIE_SECURE"] is False
    assert local["SECURE_HSTS_SECONDS"] == 0
    assert local["SECURE_PROXY_SSL_HEADER"] is None


@pytest.mark.django_db
def test_healthz_is_not_redirected_to_https(client, settings):
    settings.SECURE_SSL_REDIRECT = True

    assert client.get("/healthz").status_code == 200
    redirected = client.get("/api/v1/me")
    assert redirected.status_code == 301
    assert redirected["Location"].startswith("https://")


# --- security headers -----------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/admin/login/", "/api/v1/schema/ui/", "/api/v1/me"])
def test_security_headers_on_the_console_and_the_api(client, url):
    response = client.get(url)

    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "object-src 'none'" in policy
    assert "unsafe-eval" not in policy
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


@pytest.mark.django_db
def test_swagger_ui_needs_no_inline_script(client):
    page = client.get("/api/v1/schema/ui/")
    assert page.status_code == 200
    html = page.content.decode()

    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S)
    assert scripts
    assert all('src="' in attrs and not body.strip() for attrs, body in scripts)
    start_up = re.findall(r'<script src="([^"]*script=[^"]*)"', html)
    assert len(start_up) == 1
    script = client.get(start_up[0].replace("&amp;", "&"))
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert b"SwaggerUIBundle" in script.content


# --- API errors are JSON --------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/drift/%C2%84",
        "/api/v1/inventory/resources/abc",
        "/api/v1/no-such-route",
        "/api/v2/drift",
    ],
)
def test_an_unrouted_url_under_api_is_a_json_404(client, url):
    UserFactory()
    response = client.get(url)

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "detail": "Not found.",
        "code": "not_found",
        "request_id": response["X-Request-ID"],
    }


@pytest.mark.django_db
def test_an_unrouted_url_outside_api_keeps_djangos_page(client):
    response = client.get("/no-such-page")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.django_db
def test_a_crash_under_api_is_a_json_500_without_a_traceback(monkeypatch):
    from tenants.api.views import MeView

    def crash(*args, **kwargs):
        raise RuntimeError("secret detail of the crash")

    monkeypatch.setattr(MeView, "get", crash)
    client = Client(raise_request_exception=False)
    client.force_login(UserFactory())

    response = client.get("/api/v1/me")

    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "detail": "Server error.",
        "code": "server_error",
        "request_id": response["X-Request-ID"],
    }
    assert b"secret detail" not in response.content
    assert b"Traceback" not in response.content


@pytest.mark.django_db
def test_a_form_body_over_the_upload_limit_under_api_is_a_json_413(client, settings):
    # Django's own limit (RequestDataTooBig), met outside DRF: the login form.
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1_000

    response = client.post("/api/v1/auth/login/", {"username": "someone", "password": "x" * 2_000})

    assert response.status_code == 413
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "request_too_large"


# --- login ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_login_without_next_lands_on_a_real_page(client):
    user = UserFactory()

    response = client.post(
        "/api/v1/auth/login/", {"username": user.username, "password": TEST_PASSWORD}
    )

    assert response.status_code == 302
    assert response["Location"] == "/api/v1/me"
    landed = client.get(response["Location"])
    assert landed.status_code == 200
    assert landed.json()["username"] == user.username
