"""`X-Arcadia-Signature: t=<unix seconds>,v1=<hex>`: HMAC-SHA256 with the subscription's
secret over `<t>.` followed by the raw body. The timestamp is inside the signature, so a
receiver that refuses old timestamps (`TOLERANCE_SECONDS`) cannot be replayed to later."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

HEADER = "X-Arcadia-Signature"
TOLERANCE_SECONDS = 300


def new_secret() -> str:
    return "whsec_" + secrets.token_hex(24)


def sign(secret: str, body: bytes, *, timestamp: int) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={digest.hexdigest()}"


def verify(
    secret: str,
    header: str,
    body: bytes,
    *,
    now: float | None = None,
    tolerance: int = TOLERANCE_SECONDS,
) -> bool:
    """What a receiver runs (the README shows the same few lines): the signature matches
    and its timestamp is within `tolerance` seconds of now."""
    try:
        parts = dict(item.split("=", 1) for item in header.split(","))
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs((time.time() if now is None else now) - timestamp) > tolerance:
        return False
    expected = sign(secret, body, timestamp=timestamp).split("v1=", 1)[1]
    return hmac.compare_digest(expected, parts.get("v1", ""))
