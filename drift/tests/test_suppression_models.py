"""Postgres keeps suppressions honest (drift.models.DriftSuppression): one scope, a field
and a reason, a permanent one chosen explicitly, a lift that says who and why, no
deletion; and a suppressed drift is unresolved drift that names its suppression."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import IntegrityError, InternalError, ProgrammingError, transaction
from django.utils import timezone

from drift.models import Drift, DriftStatus, DriftSuppression
from tests.factories import CloudResourceFactory, DriftFactory, PlatformAdminFactory

pytestmark = pytest.mark.django_db


def row(**overrides: Any) -> DriftSuppression:
    admin = PlatformAdminFactory()
    values: dict[str, Any] = {
        "kind": "droplet",
        "field": "size_slug",
        "reason": "known",
        "expires_at": timezone.now() + timedelta(days=1),
        "owner": admin,
        "created_by": admin,
        "created_at": timezone.now(),
        **overrides,
    }
    return DriftSuppression.objects.create(**values)


def refused(**overrides: Any) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        row(**overrides)


def test_a_valid_suppression_is_stored():
    assert row().scope_label == "kind droplet"


@pytest.mark.parametrize(
    "scope",
    [
        {"kind": ""},  # none
        {"tag": "web"},  # kind and tag
        {"resource": "make"},  # kind and resource
    ],
)
def test_exactly_one_scope_target(scope):
    if scope.get("resource") == "make":
        scope = {"resource": CloudResourceFactory()}
    refused(**scope)


def test_field_and_reason_are_required():
    refused(field="")
    refused(reason="")


def test_permanent_xor_expiry():
    refused(expires_at=None)  # neither: a forgotten expiry
    refused(permanent=True)  # both
    assert row(permanent=True, expires_at=None).permanent


def test_a_lift_says_who_and_why():
    suppression = row()
    with pytest.raises(IntegrityError), transaction.atomic():
        DriftSuppression.objects.filter(pk=suppression.pk).update(lifted_at=timezone.now())


def test_a_suppression_is_never_deleted():
    suppression = row()
    refusal = pytest.raises((InternalError, ProgrammingError), match="never deleted")
    with refusal, transaction.atomic():
        DriftSuppression.objects.filter(pk=suppression.pk).delete()
    assert DriftSuppression.objects.filter(pk=suppression.pk).exists()


def test_a_suppressed_drift_names_its_suppression_and_is_unresolved():
    drift = DriftFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Drift.objects.filter(pk=drift.pk).update(status=DriftStatus.SUPPRESSED)
    suppression = row()
    with pytest.raises(IntegrityError), transaction.atomic():  # open, yet held
        Drift.objects.filter(pk=drift.pk).update(suppression=suppression)
    with pytest.raises(IntegrityError), transaction.atomic():  # unresolved: no resolved_at
        Drift.objects.filter(pk=drift.pk).update(
            status=DriftStatus.SUPPRESSED, suppression=suppression, resolved_at=timezone.now()
        )
    Drift.objects.filter(pk=drift.pk).update(status=DriftStatus.SUPPRESSED, suppression=suppression)


def test_no_revert_runs_on_a_suppressed_drift():
    suppression = row()
    drift = DriftFactory(status=DriftStatus.SUPPRESSED, suppression=suppression)
    with pytest.raises(IntegrityError), transaction.atomic():
        Drift.objects.filter(pk=drift.pk).update(revert_started_at=timezone.now())


def test_one_active_drift_per_field_counts_suppressed_drift():
    suppression = row()
    held = DriftFactory(status=DriftStatus.SUPPRESSED, suppression=suppression)
    with pytest.raises(IntegrityError), transaction.atomic():
        DriftFactory(provisioned=held.provisioned, field=held.field)
