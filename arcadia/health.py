"""`/healthz`: is each backing service reachable? 200 when all are, 503 otherwise. A cheap
liveness check: two round trips, nothing else.

`/healthz/ready`: is Arcadia doing its work? Also 200 or 503, each check named with what it
found: every kind's last completed sync is younger than `SYNC_STALE_AFTER`, beat ran a
schedule within `BEAT_STALE_AFTER`, no live saga is overdue by more than `SAGA_OVERDUE_AFTER`,
and a Celery worker answers a ping within `WORKER_PING_TIMEOUT` seconds. Bounded: a few
queries and at most one ping's wait.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import redis
from django.apps import apps
from django.conf import settings
from django.db import connection
from django.db.models import Max, Q
from django.http import HttpRequest, JsonResponse
from django.utils import timezone

SYNC_STALE_AFTER = timedelta(hours=2)  # the full sync is hourly
# Beat's every-minute saga resume updates its schedule's last run at least every three
# minutes (django_celery_beat saves every `sync_every`, 180 s).
BEAT_STALE_AFTER = timedelta(minutes=10)
# Beat resumes due sagas every minute: one due for longer is not being driven (the same
# threshold as the dashboard's stuck sagas).
SAGA_OVERDUE_AFTER = timedelta(minutes=10)
WORKER_PING_TIMEOUT = 1.0


def _check_postgres() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return "ok"
    except Exception as exc:  # a health check reports, it never raises
        return f"error: {exc.__class__.__name__}"


def _check_redis() -> str:
    try:
        client = redis.Redis.from_url(
            settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2
        )
        client.ping()
        return "ok"
    except Exception as exc:
        return f"error: {exc.__class__.__name__}"


def healthz(request: HttpRequest) -> JsonResponse:
    checks = {"postgres": _check_postgres(), "redis": _check_redis()}
    healthy = all(value == "ok" for value in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "degraded", "checks": checks},
        status=200 if healthy else 503,
    )


# --- readiness --------------------------------------------------------------------------
# Each check returns (ok, what it found). Models are looked up by label: arcadia/ imports no
# domain app (STYLE.md, "Layers"), yet readiness is about the domain's work.


def _ago(moment: datetime | None, now: datetime) -> str:
    return "never" if moment is None else f"{int((now - moment).total_seconds())}s ago"


def _check_syncs(now: datetime) -> tuple[bool, str]:
    SyncRun = apps.get_model("inventory", "SyncRun")
    kinds = [value for value, _ in SyncRun._meta.get_field("kind").choices or ()]
    last = dict(
        SyncRun.objects.filter(status="completed")
        .values("kind")
        .annotate(at=Max("finished_at"))
        .values_list("kind", "at")
    )
    stale = [k for k in kinds if last.get(k) is None or now - last[k] > SYNC_STALE_AFTER]
    if not stale:
        oldest = min(kinds, key=lambda k: last[k])
        return (
            True,
            f"{len(kinds)} kinds; the oldest sync is {oldest}'s ({_ago(last[oldest], now)})",
        )
    hours = int(SYNC_STALE_AFTER.total_seconds() // 3600)
    return False, (
        f"{len(stale)} kind(s) without a completed sync in the last {hours}h: "
        + ", ".join(f"{k} ({_ago(last.get(k), now)})" for k in stale)
    )


def _check_beat(now: datetime) -> tuple[bool, str]:
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    newest = PeriodicTask.objects.filter(enabled=True).aggregate(at=Max("last_run_at"))["at"]
    if newest is not None and now - newest <= BEAT_STALE_AFTER:
        return True, f"last ran a schedule {_ago(newest, now)}"
    minutes = int(BEAT_STALE_AFTER.total_seconds() // 60)
    return False, f"beat ran no schedule in the last {minutes} minutes (last: {_ago(newest, now)})"


def _check_sagas(now: datetime) -> tuple[bool, str]:
    SagaRun = apps.get_model("provisioning", "SagaRun")
    live = Q(status__in=["pending", "running", "waiting", "compensating"])
    overdue = list(
        SagaRun.objects.filter(live, next_run_at__lt=now - SAGA_OVERDUE_AFTER)
        .order_by("next_run_at")
        .values_list("id", flat=True)[:10]
    )
    if not overdue:
        return True, "no live saga overdue"
    minutes = int(SAGA_OVERDUE_AFTER.total_seconds() // 60)
    runs = ", ".join(map(str, overdue))
    return False, f"saga run(s) {runs} overdue by more than {minutes} minutes"


def _ping_workers() -> list[dict[str, object]]:
    from arcadia.celery import app

    return app.control.ping(timeout=WORKER_PING_TIMEOUT) or []


def _check_worker(now: datetime) -> tuple[bool, str]:
    try:
        replies = _ping_workers()
    except Exception as exc:
        return False, f"cannot ping workers: {exc.__class__.__name__}"
    if replies:
        names = sorted(name for reply in replies for name in reply)
        return True, f"{len(names)} worker(s) answered: {', '.join(names)}"
    return False, f"no worker answered a ping within {WORKER_PING_TIMEOUT:g}s"


READINESS_CHECKS: dict[str, Callable[[datetime], tuple[bool, str]]] = {
    "sync": _check_syncs,
    "beat": _check_beat,
    "sagas": _check_sagas,
    "worker": _check_worker,
}


def readiness(request: HttpRequest) -> JsonResponse:
    now = timezone.now()
    checks: dict[str, object] = {"postgres": _check_postgres(), "redis": _check_redis()}
    failing = [name for name, value in checks.items() if value != "ok"]
    if "postgres" not in failing:
        for name, check in READINESS_CHECKS.items():
            try:
                ok, detail = check(now)
            except Exception as exc:  # a check reports, it never raises
                ok, detail = False, f"error: {exc.__class__.__name__}"
            checks[name] = f"ok: {detail}" if ok else detail
            if not ok:
                failing.append(name)
    return JsonResponse(
        {"status": "not ready" if failing else "ready", "failing": failing, "checks": checks},
        status=503 if failing else 200,
    )
