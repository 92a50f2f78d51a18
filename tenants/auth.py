"""How callers prove who they are, and what stops a guesser (README, "Throttles").

- API tokens are django-rest-knox tokens: only a digest is stored, so neither the
  console, the `knox_authtoken` table nor a `pg_dump` holds a usable token.
- `ThrottledTokenAuthentication` counts every wrong token against the caller's address
  (the `failed_token` rate). DRF authenticates before it throttles, so a bad token is a
  401 that DRF's anonymous throttle never sees; without this, guessing tokens is free.
- Password logins (the console's and the API's login pages) are django-axes' job;
  `locked_out` is its lockout response: a 429 with `Retry-After`, like every throttle.
- `client_address` is the one answer to "who is calling" for all of them.
"""

from __future__ import annotations

import math
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from knox.auth import TokenAuthentication
from rest_framework.authentication import get_authorization_header
from rest_framework.exceptions import AuthenticationFailed, Throttled
from rest_framework.request import Request
from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle, UserRateThrottle


def client_address(request: Any) -> str:
    """The caller's address: `REMOTE_ADDR`, or with `ARCADIA_PROXY_COUNT` proxies in
    front, the address the outermost of them saw (that many places from the right of
    `X-Forwarded-For`). What a client writes into `X-Forwarded-For` itself stands further
    left and never counts, so it cannot pick a fresh address for each guess."""
    count = settings.ARCADIA_PROXY_COUNT
    if count:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if hops:
            return str(hops[-min(count, len(hops))])
    return str(request.META.get("REMOTE_ADDR", ""))


class _ArcadiaRate:
    """Rates read when a throttle is made, not when DRF's module was imported (so an
    overridden REST_FRAMEWORK takes effect), and the caller's address from
    `client_address`."""

    scope: str | None

    def get_rate(self) -> str | None:
        rates: dict[Any, Any] = api_settings.DEFAULT_THROTTLE_RATES
        try:
            return rates[self.scope]
        except KeyError as exc:
            raise ImproperlyConfigured(f"No throttle rate for scope {self.scope!r}.") from exc

    def get_ident(self, request: Any) -> str:
        return client_address(request)


class AnonThrottle(_ArcadiaRate, AnonRateThrottle):
    """Anonymous calls (public endpoints: the schema) per address."""


class UserThrottle(_ArcadiaRate, UserRateThrottle):
    """Authenticated calls per user, whichever token or session they come with."""


class FailedTokenThrottle(_ArcadiaRate, SimpleRateThrottle):
    """Wrong tokens per address; only failures are recorded, so a valid token never
    uses this budget up."""

    scope = "failed_token"
    # Set by SimpleRateThrottle.__init__ from the rate; declared for the type checker.
    num_requests: int
    duration: int

    def get_cache_key(self, request: Any, view: Any) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}

    def wait_if_blocked(self, request: Request) -> float | None:
        """Seconds until this address may try a token again, or None if it may now."""
        self.key = self.get_cache_key(request, None)
        self.history = self.cache.get(self.key, [])
        self.now = self.timer()
        while self.history and self.history[-1] <= self.now - self.duration:
            self.history.pop()
        if len(self.history) >= self.num_requests:
            return self.wait()
        return None

    def record_failure(self) -> None:
        self.history.insert(0, self.now)
        self.cache.set(self.key, self.history, self.duration)


class ThrottledTokenAuthentication(TokenAuthentication):
    """knox's token authentication, refusing an address that sent too many wrong tokens.

    A blocked address is refused before its token is looked up, the right one too:
    were only wrong tokens refused, a 200 among the 429s would still tell a guesser
    that it had found one."""

    def authenticate(self, request: Request) -> Any:
        if not get_authorization_header(request):
            return None
        throttle = FailedTokenThrottle()
        wait = throttle.wait_if_blocked(request)
        if wait is not None:
            raise Throttled(wait=wait, detail="Too many invalid tokens from this address.")
        try:
            return super().authenticate(request)
        except AuthenticationFailed:
            throttle.record_failure()
            raise

    def authenticate_credentials(self, token: bytes) -> Any:
        # knox decodes the token as UTF-8 and would fail with a 500 on other bytes; a
        # token is ASCII, so anything else is simply a wrong one.
        try:
            token.decode("ascii")
        except UnicodeDecodeError as exc:
            raise AuthenticationFailed("Invalid token.") from exc
        return super().authenticate_credentials(token)


def locked_out(
    request: HttpRequest, response: HttpResponse | None = None, credentials: Any = None
) -> HttpResponse:
    """django-axes' lockout: 429 with `Retry-After`, on either login page."""
    seconds = math.ceil(settings.AXES_COOLOFF_TIME.total_seconds())
    minutes = max(1, seconds // 60)
    body = (
        "<!doctype html><title>Too many failed logins</title>"
        "<h1>Too many failed logins</h1>"
        f"<p>This account is locked for this address. Try again in {minutes} minutes.</p>"
    )
    locked = HttpResponse(body, status=429)
    locked["Retry-After"] = str(seconds)
    return locked


class TokenAuthenticationScheme(OpenApiAuthenticationExtension):
    """How the OpenAPI schema documents `ThrottledTokenAuthentication`."""

    target_class = ThrottledTokenAuthentication
    name = "tokenAuth"

    def get_security_definition(self, auto_schema: Any) -> Any:
        return build_bearer_security_scheme_object(
            header_name="Authorization", token_prefix="Token"
        )
