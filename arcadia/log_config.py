"""Logs: one JSON object a line from web, worker and beat (README, "Logs").

structlog renders every record, Django's, Celery's and the libraries' `logging` calls as
well as structlog's own, through `structlog.stdlib.ProcessorFormatter` on the one root
handler. Each line carries what `structlog.contextvars` holds at the time: `request_id`
(arcadia.request_id), `task_id` and `task` (arcadia.celery), `sync_run_id` (inventory's
sync), `saga_id` (the provisioning engine), and `actor`, the signed-in user once the
request has authenticated them.

`LOG_FORMAT=plain` prints the same events as readable lines for a developer's terminal.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

import structlog
from django.utils.functional import empty

# The request being served in this context (arcadia.request_id), read only to name its
# actor: never evaluated for that, so logging never costs a session or token lookup.
current_request: ContextVar[Any] = ContextVar("arcadia_current_request", default=None)


def add_actor(logger: Any, method: str, event: dict[str, Any]) -> dict[str, Any]:
    """`actor`: the request's user, when authentication already ran (Django's lazy user
    resolved, or DRF set it) and found one."""
    if "actor" in event:
        return event
    request = current_request.get()
    user = getattr(request, "__dict__", {}).get("user") if request is not None else None
    if user is None or getattr(user, "_wrapped", None) is empty:
        return event
    if getattr(user, "is_authenticated", False):
        event["actor"] = user.get_username() if hasattr(user, "get_username") else str(user)
    return event


def _pre_chain() -> list[Any]:
    """What every record goes through, structlog's and the standard library's alike."""
    return [
        structlog.contextvars.merge_contextvars,
        add_actor,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.stdlib.ExtraAdder(),
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]


def logging_config(level: str, fmt: str = "json") -> dict[str, Any]:
    """The LOGGING setting; configures structlog as a side effect (once per process)."""
    renderer: Any = (
        structlog.dev.ConsoleRenderer(colors=False)
        if fmt == "plain"
        else structlog.processors.JSONRenderer()
    )
    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            *_pre_chain(),
            structlog.stdlib.PositionalArgumentsFormatter(),
            structlog.processors.StackInfoRenderer(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    final = [
        structlog.stdlib.ProcessorFormatter.remove_processors_meta,
        *([] if fmt == "plain" else [structlog.processors.format_exc_info]),
        renderer,
    ]
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "structured": {
                "()": structlog.stdlib.ProcessorFormatter,
                "processors": final,
                "foreign_pre_chain": _pre_chain(),
            }
        },
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "structured"}},
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            # Django's defaults give `django` a console handler of its own (with DEBUG on)
            # and `django.server` one that does not propagate: their lines printed twice,
            # or outside the JSON. Here they only propagate to the root's handler.
            "django": {"handlers": [], "level": level, "propagate": True},
            "django.server": {"handlers": [], "level": level, "propagate": True},
            "httpx": {"level": "WARNING"},
            "httpcore": {"level": "WARNING"},
        },
    }
