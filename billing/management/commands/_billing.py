"""What the billing commands share: turning arguments into domain values, and domain or
DO errors into one clear CommandError line (non-zero exit, nothing written)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from typing import TypeVar

from django.core.management.base import CommandError

from arcadia.errors import DomainError
from billing.periods import parse_month
from do_client import DOError
from tenants.models import Tenant
from tenants.services import find_tenant

T = TypeVar("T")


@contextmanager
def command_errors() -> Iterator[None]:
    try:
        yield
    except DomainError as exc:
        raise CommandError(exc.message) from exc
    except DOError as exc:
        raise CommandError(f"DigitalOcean API: {exc}") from exc


def month_and_tenant(month: str, tenant: str | None) -> tuple[date, Tenant | None]:
    with command_errors():
        return parse_month(month), (find_tenant(tenant) if tenant else None)


def guarded(fn: Callable[[], T]) -> T:
    with command_errors():
        return fn()
