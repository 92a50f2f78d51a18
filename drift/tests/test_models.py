"""Invariants Postgres keeps, whatever the code does (DESIGN.md, "Drift")."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from drift.models import Drift, DriftStatus
from tests.factories import DriftFactory, ProvisionedFactory

pytestmark = pytest.mark.django_db


def test_tables_have_the_contract_names():
    assert Drift._meta.db_table == "cloud_drift"
    assert ProvisionedFactory._meta.model._meta.db_table == "cloud_provisioned"


def test_at_most_one_open_drift_per_resource_and_field():
    first = DriftFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        DriftFactory(provisioned=first.provisioned, field=first.field)


def test_resolved_drift_stays_as_history_beside_an_open_one():
    first = DriftFactory(status=DriftStatus.STALE, resolved_at=timezone.now())
    DriftFactory(
        provisioned=first.provisioned, status=DriftStatus.ACCEPTED, resolved_at=timezone.now()
    )

    DriftFactory(provisioned=first.provisioned)

    assert Drift.objects.filter(resource=first.resource, field="size_slug").count() == 3


def test_the_database_refuses_an_unknown_status():
    drift = DriftFactory()

    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE cloud_drift SET status = 'ignored' WHERE id = %s", [drift.pk])


def test_a_resolved_drift_must_say_when():
    drift = DriftFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        Drift.objects.filter(pk=drift.pk).update(status=DriftStatus.ACCEPTED)


def test_spec_version_starts_at_one():
    with pytest.raises(IntegrityError), transaction.atomic():
        ProvisionedFactory(spec_version=0)


def test_indexes_on_status_and_provisioned_exist():
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'cloud_drift'")
        indexes = dict(cursor.fetchall())

    assert "(status, detected_at DESC, id DESC)" in indexes["cloud_drift_status"]
    assert "(provisioned_id)" in indexes["cloud_drift_provisioned"]
    # At most one active drift per (resource, field): open or suppressed.
    one_active = indexes["cloud_drift_one_active_per_field"]
    assert "UNIQUE" in one_active and "(resource_id, field)" in one_active
    assert "'open'" in one_active and "'suppressed'" in one_active
