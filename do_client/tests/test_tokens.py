"""resolve_token: DO_API_TOKEN_<PURPOSE>, else DO_API_TOKEN, else settings, else ""."""

from __future__ import annotations

import django.conf
import pytest
from django.conf import LazySettings

from do_client import resolve_token

PURPOSES = ["sync", "provisioning", "billing", "drift"]


@pytest.fixture(autouse=True)
def no_tokens_in_env(monkeypatch):
    monkeypatch.delenv("DO_API_TOKEN", raising=False)
    for purpose in PURPOSES:
        monkeypatch.delenv(f"DO_API_TOKEN_{purpose.upper()}", raising=False)


@pytest.mark.parametrize("purpose", PURPOSES)
def test_purpose_token_wins(monkeypatch, purpose):
    monkeypatch.setenv("DO_API_TOKEN", "shared")
    monkeypatch.setenv(f"DO_API_TOKEN_{purpose.upper()}", f"token-for-{purpose}")

    assert resolve_token(purpose) == f"token-for-{purpose}"


def test_each_purpose_gets_its_own_token(monkeypatch):
    monkeypatch.setenv("DO_API_TOKEN_SYNC", "sync-token")
    monkeypatch.setenv("DO_API_TOKEN_BILLING", "billing-token")
    monkeypatch.setenv("DO_API_TOKEN", "shared")

    assert resolve_token("sync") == "sync-token"
    assert resolve_token("billing") == "billing-token"
    assert resolve_token("provisioning") == "shared"


def test_falls_back_to_shared_token(monkeypatch):
    monkeypatch.setenv("DO_API_TOKEN", "shared")

    assert resolve_token("drift") == "shared"


def test_empty_purpose_token_falls_back(monkeypatch):
    monkeypatch.setenv("DO_API_TOKEN_SYNC", "")
    monkeypatch.setenv("DO_API_TOKEN", "shared")

    assert resolve_token("sync") == "shared"


def test_falls_back_to_django_settings(settings):
    settings.DO_API_TOKEN = "from-settings"

    assert resolve_token("sync") == "from-settings"


def test_env_wins_over_settings(monkeypatch, settings):
    settings.DO_API_TOKEN = "from-settings"
    monkeypatch.setenv("DO_API_TOKEN", "from-env")

    assert resolve_token("sync") == "from-env"


def test_empty_without_env_or_settings_token(settings):
    settings.DO_API_TOKEN = ""

    assert resolve_token("sync") == ""


def test_empty_when_django_is_not_configured(monkeypatch):
    monkeypatch.delenv("DJANGO_SETTINGS_MODULE", raising=False)
    monkeypatch.setattr(django.conf, "settings", LazySettings())

    assert resolve_token("sync") == ""
