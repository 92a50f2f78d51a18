"""Beat schedules are created by data migrations, idempotently, keyed on the unique
`PeriodicTask.name` (STYLE.md): re-running never duplicates, and an operator's
enable/disable choice in the admin survives upgrades."""

from __future__ import annotations

import json
from typing import Any


def ensure_crontab_task(
    apps: Any,
    *,
    name: str,
    task: str,
    queue: str,
    minute: str,
    hour: str = "*",
    day_of_month: str = "*",
    kwargs: dict[str, Any] | None = None,
    description: str = "",
) -> None:
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    schedule, _ = CrontabSchedule.objects.get_or_create(
        minute=minute,
        hour=hour,
        day_of_month=day_of_month,
        month_of_year="*",
        day_of_week="*",
        timezone="UTC",
    )
    PeriodicTask.objects.update_or_create(
        name=name,
        defaults={
            "task": task,
            "crontab": schedule,
            "interval": None,
            "queue": queue,
            "kwargs": json.dumps(kwargs or {}),
            "description": description,
        },
        # Without a last run, beat treats a new crontab entry as due at once and runs it
        # off schedule at its first start; from "now" the next run is the cron time.
        create_defaults={
            "task": task,
            "crontab": schedule,
            "queue": queue,
            "kwargs": json.dumps(kwargs or {}),
            "description": description,
            "last_run_at": _now(),
        },
    )
    _mark_changed(PeriodicTasks)


def ensure_interval_task(
    apps: Any, *, name: str, task: str, queue: str, every_seconds: int, description: str = ""
) -> None:
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    schedule, _ = IntervalSchedule.objects.get_or_create(every=every_seconds, period="seconds")
    PeriodicTask.objects.update_or_create(
        name=name,
        defaults={
            "task": task,
            "interval": schedule,
            "crontab": None,
            "queue": queue,
            "description": description,
        },
    )
    _mark_changed(PeriodicTasks)


def remove_task(apps: Any, *, name: str) -> None:
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=name).delete()
    _mark_changed(apps.get_model("django_celery_beat", "PeriodicTasks"))


def _now() -> Any:
    from django.utils import timezone

    return timezone.now()


def _mark_changed(PeriodicTasks: Any) -> None:
    # `.update_or_create` on historical models fires no signals: tell beat ourselves, as
    # PeriodicTasks.update_changed() does, so a running beat reloads its schedule.
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": _now()})
