"""What wrote an audit event (issue 16, README "Logs"): the request, the sync run, the saga
and the DO action behind it, so an operator can see which run noticed a change and which
action made it.

It is read from the log context (structlog contextvars), which the request middleware
(`request_id`), the Celery task hooks (a task inherits its caller's `request_id`), the sync
(`sync_run_id`) and the saga engine (`saga_id`, `do_action_id`) already bind for the log
lines: one source, so a log line and the event written beside it always name the same
origin. Every writer of `cloud_resource_events` gets it without passing it: the model's
field defaults call these functions, and the page statement passes `current()` itself.
`config_changes` (tenants.audit) records the request id the same way.

Here, in the shared plumbing, because both audit logs use it and `tenants` sits below
`inventory`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import structlog

REQUEST_ID_LENGTH = 128


@dataclass(frozen=True)
class Origin:
    request_id: str = ""
    sync_run_id: int | None = None
    saga_run_id: int | None = None
    do_action_id: int | None = None


def _int(value: Any) -> int | None:
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def current() -> Origin:
    bound = structlog.contextvars.get_contextvars()
    return Origin(
        request_id=str(bound.get("request_id") or "")[:REQUEST_ID_LENGTH],
        sync_run_id=_int(bound.get("sync_run_id")),
        saga_run_id=_int(bound.get("saga_id")),
        do_action_id=_int(bound.get("do_action_id")),
    )


# The model's field defaults (a migration refers to each by name).
def request_id() -> str:
    return current().request_id


def sync_run_id() -> int | None:
    return current().sync_run_id


def saga_run_id() -> int | None:
    return current().saga_run_id


def do_action_id() -> int | None:
    return current().do_action_id
