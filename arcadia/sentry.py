"""Errors to Sentry (README, "Errors"): with `SENTRY_DSN` set, sentry-sdk with its Django and
Celery integrations, no personal data, and every event scrubbed of credentials before it
leaves the process: Authorization and Cookie headers, DigitalOcean tokens (`DO_API_TOKEN`
and anything shaped like one, `dop_v1_...`), knox API tokens (`Token <64 hex>`) and the
metrics token.
"""

from __future__ import annotations

import os
import re
from typing import Any

FILTERED = "[Filtered]"
# DO's personal access tokens and OAuth tokens: `dop_v1_`, `doo_v1_`, `dor_v1_` + 64 hex.
_DO_TOKEN = re.compile(r"\bdo[por]_v1_[0-9a-f]{16,}", re.IGNORECASE)
# An API token as callers send it (knox: 64 hex characters), or a bearer token.
_AUTH_VALUE = re.compile(r"\b(Token|Bearer)\s+[A-Za-z0-9._~+/=-]{8,}", re.IGNORECASE)
_SECRET_KEYS = re.compile(
    r"authorization|cookie|token|secret|password|passwd|api[_-]?key|dsn|csrf", re.IGNORECASE
)


def _secrets() -> list[str]:
    """The configured secrets themselves, wherever they turn up in a message."""
    values = [os.environ.get(name, "") for name in ("DO_API_TOKEN", "ARCADIA_METRICS_TOKEN")]
    return [v for v in values if len(v) >= 8]


def scrub_text(text: str, secrets: list[str] | None = None) -> str:
    for secret in secrets if secrets is not None else _secrets():
        text = text.replace(secret, FILTERED)
    text = _DO_TOKEN.sub(FILTERED, text)
    return _AUTH_VALUE.sub(lambda m: f"{m.group(1)} {FILTERED}", text)


def _scrub(value: Any, secrets: list[str]) -> Any:
    if isinstance(value, str):
        return scrub_text(value, secrets)
    if isinstance(value, dict):
        return {
            k: FILTERED if isinstance(k, str) and _SECRET_KEYS.search(k) else _scrub(v, secrets)
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return type(value)(_scrub(v, secrets) for v in value)
    return value


def before_send(event: dict[str, Any], hint: dict[str, Any] | None = None) -> dict[str, Any]:
    """Sentry's `before_send` (and `before_send_transaction`): the event, scrubbed."""
    scrubbed: dict[str, Any] = _scrub(event, _secrets())
    return scrubbed


def init_sentry(dsn: str, *, environment: str = "", traces: float = 0.0) -> None:
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=dsn,
        environment=environment or None,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        send_default_pii=False,
        traces_sample_rate=traces,
        before_send=before_send,  # type: ignore[arg-type]
        before_send_transaction=before_send,  # type: ignore[arg-type]
    )
