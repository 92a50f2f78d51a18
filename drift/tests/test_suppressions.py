"""Suppressing and lifting (drift.services.suppressions): scope matching, the drift it
moves at once, expiry, lift, validation, and the audit record of each."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from arcadia.errors import Conflict, InvalidInput, NotFound
from drift.models import DriftStatus, DriftSuppression
from drift.selectors import suppressed_counts
from drift.services.detection import detect_drift
from drift.services.suppressions import lift, suppress
from drift.tests.conftest import set_live
from drift.tests.suppressions import drifted, status_of, suppression
from tenants.models import ConfigChange
from tests.factories import CloudResourceFactory, PlatformAdminFactory, TenantUserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin():
    return PlatformAdminFactory(username="alice")


# -- scope matching: the suppression takes effect at once, through the service --------


def test_a_resource_suppression_holds_that_resources_drift_only(admin):
    mine, other = drifted(), drifted()

    held = suppression(admin, resource=mine.resource)

    assert status_of(mine) == (DriftStatus.SUPPRESSED, held.pk)
    assert status_of(other) == (DriftStatus.OPEN, None)


def test_a_kind_suppression_holds_drift_of_that_kind(admin):
    droplet = drifted()
    volume = drifted(kind="volume")

    held = suppression(admin, kind="droplet")

    assert status_of(droplet) == (DriftStatus.SUPPRESSED, held.pk)
    assert status_of(volume) == (DriftStatus.OPEN, None)


def test_a_tag_suppression_holds_drift_of_tagged_resources(admin):
    tagged = drifted(tags=["web", "sale"])
    untagged = drifted(tags=["web"])

    held = suppression(admin, tag="sale")

    assert status_of(tagged) == (DriftStatus.SUPPRESSED, held.pk)
    assert status_of(untagged) == (DriftStatus.OPEN, None)


def test_only_the_suppressed_field(admin):
    drift = drifted()
    suppression(admin, kind="droplet", field="region")

    assert status_of(drift) == (DriftStatus.OPEN, None)


def test_the_most_specific_suppression_holds_the_drift(admin):
    drift = drifted(tags=["sale"])
    by_tag = suppression(admin, tag="sale")
    by_resource = suppression(admin, resource=drift.resource)

    assert status_of(drift) == (DriftStatus.SUPPRESSED, by_resource.pk)

    lift(by_resource.pk, actor=admin, reason="done")  # the tag one still matches

    assert status_of(drift) == (DriftStatus.SUPPRESSED, by_tag.pk)


# -- lift and expiry reopen -----------------------------------------------------------


def test_lift_reopens_its_drift_in_the_same_transaction(admin):
    drift = drifted()
    held = suppression(admin, kind="droplet")

    lifted = lift(held.pk, actor=admin, reason="sale is over")

    assert status_of(drift) == (DriftStatus.OPEN, None)
    assert (lifted.lifted_by, lifted.lift_reason) == (admin, "sale is over")
    assert lifted.lifted_at is not None


def test_an_expired_suppression_reopens_its_drift_at_the_next_sweep(admin):
    drift = drifted()
    held = suppression(admin, kind="droplet")
    DriftSuppression.objects.filter(pk=held.pk).update(expires_at=timezone.now())

    outcome = detect_drift()

    assert outcome.reopened == 1
    assert status_of(drift) == (DriftStatus.OPEN, None)


def test_a_permanent_suppression_never_expires(admin):
    drift = drifted()
    suppression(admin, kind="droplet", permanent=True)

    detect_drift()

    assert status_of(drift)[0] == DriftStatus.SUPPRESSED


def test_a_suppressed_drift_that_heals_closes_stale(admin):
    drift = drifted()
    held = suppression(admin, kind="droplet")
    set_live(drift.resource, size_slug="s-1vcpu-1gb")

    outcome = detect_drift()

    drift.refresh_from_db()
    assert outcome.closed == 1
    assert drift.status == DriftStatus.STALE and drift.resolved_at is not None
    assert drift.suppression_id == held.pk  # which suppression held it, kept as history


def test_lifting_twice_is_refused(admin):
    held = suppression(admin, kind="droplet")
    lift(held.pk, actor=admin, reason="done")

    with pytest.raises(Conflict) as refused:
        lift(held.pk, actor=admin, reason="again")
    assert refused.value.code == "suppression_lifted"


def test_lift_needs_a_known_id_and_a_reason(admin):
    with pytest.raises(NotFound):
        lift(999_999, actor=admin, reason="x")
    held = suppression(admin, kind="droplet")
    with pytest.raises(InvalidInput) as refused:
        lift(held.pk, actor=admin, reason="  ")
    assert refused.value.field == "reason"


# -- validation: a clear error naming the field ---------------------------------------


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"kind": "droplet", "tag": "web"}, "tag"),
        ({"kind": "planet"}, "kind"),
        ({}, "resource"),
        ({"kind": "droplet", "expires_at": None}, "expires_at"),  # no expiry, not permanent
        ({"kind": "droplet", "permanent": True, "keep_expiry": True}, "expires_at"),  # both
        ({"kind": "droplet", "expires_at": "past"}, "expires_at"),
        ({"kind": "droplet", "reason": " "}, "reason"),
        ({"kind": "droplet", "field": ""}, "field"),
        ({"kind": "droplet", "field": "name.first"}, "field"),
    ],
)
def test_bad_input_names_the_field(admin, values, field):
    values = dict(values)
    arguments = {
        "field": "size_slug",
        "reason": "why",
        "expires_at": timezone.now() + timedelta(days=1),
    }
    if values.pop("keep_expiry", False) is False and values.get("permanent"):
        arguments["expires_at"] = None  # type: ignore[assignment]
    if values.get("expires_at") == "past":
        values["expires_at"] = timezone.now() - timedelta(minutes=1)
    arguments.update(values)

    with pytest.raises(InvalidInput) as refused:
        suppress(actor=admin, **arguments)  # type: ignore[arg-type]

    assert refused.value.field == field
    assert not DriftSuppression.objects.exists()


def test_the_owner_is_a_platform_admin(admin):
    with pytest.raises(InvalidInput) as refused:
        suppression(admin, kind="droplet", owner=TenantUserFactory())
    assert refused.value.field == "owner"


def test_the_owner_defaults_to_the_operator_and_may_be_another_admin(admin):
    assert suppression(admin, kind="droplet").owner == admin
    bob = PlatformAdminFactory(username="bob")
    assert suppression(admin, kind="volume", owner=bob).owner == bob


def test_a_second_active_suppression_of_the_same_scope_is_refused(admin):
    suppression(admin, kind="droplet")

    with pytest.raises(Conflict) as refused:
        suppression(admin, kind="droplet")
    assert refused.value.code == "suppression_exists"


# -- audit ----------------------------------------------------------------------------


def test_each_suppression_and_lift_is_audited(admin):
    resource = CloudResourceFactory()
    held = suppression(admin, resource=resource)
    lift(held.pk, actor=admin, reason="sale is over")

    trail = list(
        ConfigChange.objects.filter(model="drift.driftsuppression", object_id=held.pk).order_by(
            "id"
        )
    )
    assert [(c.action, c.actor) for c in trail] == [("created", "alice"), ("changed", "alice")]
    assert trail[0].changes["scope"] == [None, f"resource {resource.pk}"]
    assert trail[0].changes["reason"] == [None, "resized for the sale"]
    assert trail[1].changes["lift_reason"] == ["", "sale is over"]


# -- dashboard counts -----------------------------------------------------------------


def test_suppressed_counts(admin):
    drifted(), drifted()
    held = suppression(admin, kind="droplet", expires_at=timezone.now() + timedelta(days=2))
    drifted(kind="volume")
    suppression(admin, kind="volume", permanent=True)

    counts = suppressed_counts()

    assert (counts.drift, counts.suppressions, counts.expiring_soon) == (3, 2, 1)
    assert counts.awaiting_reopen == 0
    DriftSuppression.objects.filter(pk=held.pk).update(expires_at=timezone.now())
    assert suppressed_counts().awaiting_reopen == 2
