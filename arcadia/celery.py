"""The Celery app. Queues are per DO token purpose (DESIGN.md, "Tokens") so one
purpose's rate limit never starves another's work."""

import logging.config
import os
from typing import Any

import structlog
from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "arcadia.settings")

app = Celery("arcadia")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


# --- logs (README, "Logs") --------------------------------------------------------------
# Celery leaves logging to Django's LOGGING (JSON lines, arcadia.log_config); each task's
# lines carry its id and name, and the request id of the request that enqueued it.


@signals.setup_logging.connect
def _use_django_logging(**_: Any) -> None:
    from django.conf import settings

    logging.config.dictConfig(settings.LOGGING)


@signals.before_task_publish.connect
def _pass_request_id(headers: dict[str, Any] | None = None, **_: Any) -> None:
    request_id = structlog.contextvars.get_contextvars().get("request_id")
    if headers is not None and request_id and "request_id" not in headers:
        headers["request_id"] = request_id


# What was bound before each running task (by task id): an eager task runs inside the
# request or task that called it, whose lines must keep their ids after it returns.
_outer_context: dict[str, dict[str, Any]] = {}


@signals.task_prerun.connect
def _bind_task(task_id: str | None = None, task: Any = None, **_: Any) -> None:
    _outer_context[task_id or ""] = structlog.contextvars.get_contextvars()
    request_id = getattr(getattr(task, "request", None), "request_id", None)
    structlog.contextvars.bind_contextvars(
        task_id=task_id,
        task=getattr(task, "name", None),
        **({"request_id": request_id} if request_id else {}),
    )


@signals.task_postrun.connect
def _unbind_task(task_id: str | None = None, **_: Any) -> None:
    structlog.contextvars.clear_contextvars()
    structlog.contextvars.bind_contextvars(**_outer_context.pop(task_id or "", {}))
