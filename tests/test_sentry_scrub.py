"""Sentry's `before_send` (arcadia.sentry): no credential leaves the process in an event."""

from __future__ import annotations

import json

from arcadia import sentry
from arcadia.sentry import FILTERED, before_send

DO_TOKEN = "dop_v1_" + "ab12" * 16
KNOX = "9f" * 32


def test_headers_tokens_and_secrets_are_scrubbed(monkeypatch):
    monkeypatch.setenv("DO_API_TOKEN", "my-do-token-value")
    monkeypatch.setenv("ARCADIA_METRICS_TOKEN", "metrics-secret-value")
    event = {
        "request": {
            "headers": {
                "Authorization": f"Token {KNOX}",
                "Cookie": "sessionid=abc",
                "X-Request-ID": "req-1",
            },
            "query_string": "page=2",
        },
        "exception": {
            "values": [
                {
                    "value": f"DO said no to {DO_TOKEN} (Bearer {KNOX}), my-do-token-value",
                    "stacktrace": {"frames": [{"vars": {"token": "x", "size": "s-1vcpu"}}]},
                }
            ]
        },
        "extra": {"note": "metrics-secret-value leaked", "calls": [f"Token {KNOX}"]},
    }

    scrubbed = before_send(event)

    text = json.dumps(scrubbed)
    for secret in (DO_TOKEN, KNOX, "my-do-token-value", "metrics-secret-value", "sessionid"):
        assert secret not in text
    headers = scrubbed["request"]["headers"]
    assert headers["Authorization"] == FILTERED
    assert headers["Cookie"] == FILTERED
    assert headers["X-Request-ID"] == "req-1"  # what helps find the logs stays
    frame_vars = scrubbed["exception"]["values"][0]["stacktrace"]["frames"][0]["vars"]
    assert frame_vars == {"token": FILTERED, "size": "s-1vcpu"}
    assert scrubbed["extra"]["calls"] == [f"Token {FILTERED}"]


def test_a_do_token_is_scrubbed_even_when_it_is_not_the_configured_one(monkeypatch):
    monkeypatch.delenv("DO_API_TOKEN", raising=False)

    assert sentry.scrub_text(f"token={DO_TOKEN}.") == f"token={FILTERED}."


def test_init_wires_django_celery_and_the_scrubber(monkeypatch):
    import sentry_sdk

    seen = {}
    monkeypatch.setattr(sentry_sdk, "init", lambda **options: seen.update(options))

    sentry.init_sentry("https://key@sentry.example/1", environment="staging")

    names = {type(i).__name__ for i in seen["integrations"]}
    assert names == {"DjangoIntegration", "CeleryIntegration"}
    assert seen["send_default_pii"] is False
    assert seen["before_send"] is before_send
    assert seen["environment"] == "staging"
