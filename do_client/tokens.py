"""Which DO API token a caller uses, by purpose.

One token per purpose (``sync``, ``provisioning``, ``billing``, ``drift``) keeps one queue's
rate limit from starving another's: DO counts requests per token (DESIGN.md, "Tokens").
"""

from __future__ import annotations

import os
import re

__all__ = ["resolve_token"]

_NOT_NAME_CHARS = re.compile(r"[^A-Z0-9]+")


def resolve_token(purpose: str) -> str:
    """The token for ``purpose``, or "" when none is configured.

    Order: env ``DO_API_TOKEN_<PURPOSE>`` (non-empty), env ``DO_API_TOKEN`` (non-empty),
    ``settings.DO_API_TOKEN`` when Django settings can be loaded, else "".
    """
    suffix = _NOT_NAME_CHARS.sub("_", purpose.upper()).strip("_")
    names = [f"DO_API_TOKEN_{suffix}"] if suffix else []
    for name in [*names, "DO_API_TOKEN"]:
        token = os.environ.get(name, "")
        if token:
            return token
    return _token_from_settings()


def _token_from_settings() -> str:
    # Imported late: the client is usable from plain scripts without Django configured.
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured

    try:
        token = getattr(settings, "DO_API_TOKEN", "")
    except ImproperlyConfigured:
        return ""
    return token or ""
