"""The audit log is append-only in Postgres (DESIGN.md, "Inventory"): UPDATE, DELETE and
TRUNCATE are refused, a CASCADE from another table included; the rules are declared on the
model (Meta.triggers) and the only escape hatch is the owner's `allow_truncate()`."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.db import InternalError, ProgrammingError, connection, transaction
from django.utils import timezone

from arcadia.triggers import REFUSE_TRUNCATE, allow_truncate, truncate_guards
from inventory.models import CloudResourceEvent, EventType
from tests.factories import CloudResourceFactory

pytestmark = pytest.mark.django_db

REFUSED = (InternalError, ProgrammingError)  # insufficient_privilege


@pytest.fixture
def event() -> CloudResourceEvent:
    return CloudResourceEvent.objects.create(
        resource=CloudResourceFactory(),
        event=EventType.DISCOVERED,
        changes={},
        actor="test",
        occurred_at=timezone.now(),
    )


def execute(statement: str) -> None:
    with connection.cursor() as cursor:
        # Else TRUNCATE stops first at the test's own pending (deferred) FK checks.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(statement)


def test_audit_log_refuses_truncate(event):
    with pytest.raises(REFUSED, match="append-only: TRUNCATE refused"), transaction.atomic():
        execute("TRUNCATE cloud_resource_events")
    assert CloudResourceEvent.objects.filter(pk=event.pk).exists()


def test_audit_log_refuses_truncate_by_cascade(event):
    with pytest.raises(REFUSED, match="append-only"), transaction.atomic():
        execute("TRUNCATE cloud_resources CASCADE")
    assert CloudResourceEvent.objects.filter(pk=event.pk).exists()


def test_audit_log_rules_are_declared_on_the_model():
    names = {trigger.name for trigger in CloudResourceEvent._meta.triggers}
    assert names == {"append_only", REFUSE_TRUNCATE}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgname FROM pg_trigger WHERE tgrelid = 'cloud_resource_events'::regclass "
            "AND NOT tgisinternal"
        )
        installed = {row[0] for row in cursor.fetchall()}
    # Exactly the model's triggers: the hand-written one of migration 0002 is gone.
    assert installed == {t.get_pgid(CloudResourceEvent) for t in CloudResourceEvent._meta.triggers}


def test_owner_may_truncate_through_the_escape_hatch(event):
    # The suite connects as a superuser, a member of the owning role.
    with allow_truncate(), transaction.atomic():
        execute("TRUNCATE cloud_resource_events")
        assert not CloudResourceEvent.objects.exists()
        transaction.set_rollback(True)


def test_escape_hatch_lifts_no_row_rule(event):
    assert "inventory.CloudResourceEvent:refuse_truncate" in truncate_guards()
    # allow_truncate() outside the atomic block: it resets its setting on exit, which an
    # aborted transaction would refuse.
    with (
        pytest.raises(REFUSED, match="append-only: DELETE refused"),
        allow_truncate(),
        transaction.atomic(),
    ):
        CloudResourceEvent.objects.filter(pk=event.pk).delete()


def test_flush_refuses_without_its_escape_hatch(monkeypatch, event):
    monkeypatch.delenv("ARCADIA_ALLOW_FLUSH", raising=False)
    with pytest.raises(CommandError, match="ARCADIA_ALLOW_FLUSH=1"):
        call_command("flush", interactive=False, verbosity=0)
    assert CloudResourceEvent.objects.filter(pk=event.pk).exists()
