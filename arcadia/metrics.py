"""`/metrics`: Prometheus' text format, for Prometheus with `ARCADIA_METRICS_TOKEN`
(`Authorization: Bearer <token>`) or a platform admin with an API token
(`Authorization: Token <token>`) or a console session. Anyone else: 401, or 403 when
signed in without the role.

The figures (arcadia.metrics_collectors) are read from the database and Redis at scrape
time, so every process answers with the same numbers; nothing is kept in memory.
"""

from __future__ import annotations

import hmac
from typing import Any

from django.conf import settings
from django.http import HttpResponse
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4
from rest_framework import exceptions, permissions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.request import Request
from rest_framework.views import APIView

from arcadia.metrics_collectors import ArcadiaCollector

# Its own registry: only `arcadia_*` figures, none of one process's internals.
REGISTRY = CollectorRegistry(auto_describe=False)
REGISTRY.register(ArcadiaCollector())


class MetricsScraper:
    """Who presented `ARCADIA_METRICS_TOKEN`: may read `/metrics`, nothing else."""

    is_authenticated = True
    is_anonymous = False
    is_active = True
    has_platform_role = False
    pk = None
    id = None

    def __str__(self) -> str:
        return "metrics scraper"


class MetricsTokenAuthentication(BaseAuthentication):
    """`Authorization: Bearer <ARCADIA_METRICS_TOKEN>`, compared in constant time. The
    token is a long random secret (README, "Metrics"): guessing it is not a threat a
    throttle needs to stop. Unset: every Bearer token is refused."""

    keyword = b"bearer"

    def authenticate(self, request: Request) -> tuple[MetricsScraper, None] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword:
            return None
        expected = getattr(settings, "ARCADIA_METRICS_TOKEN", "")
        if len(parts) == 2 and expected and hmac.compare_digest(parts[1], expected.encode()):
            return MetricsScraper(), None
        raise exceptions.AuthenticationFailed("Invalid metrics token.")

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="metrics"'


class MayReadMetrics(permissions.BasePermission):
    message = "Only platform admins and the metrics token may read metrics."

    def has_permission(self, request: Any, view: Any) -> bool:
        user = request.user
        return isinstance(user, MetricsScraper) or bool(getattr(user, "has_platform_role", False))


class MetricsView(APIView):
    authentication_classes = [
        MetricsTokenAuthentication,
        *APIView.authentication_classes,  # knox tokens, console sessions
    ]
    permission_classes = [MayReadMetrics]
    schema = None  # not part of the API's OpenAPI document

    def get(self, request: Request) -> HttpResponse:
        # The classic text format: every Prometheus version reads it (names are ASCII).
        return HttpResponse(generate_latest(REGISTRY), content_type=CONTENT_TYPE_PLAIN_0_0_4)


metrics = MetricsView.as_view()
