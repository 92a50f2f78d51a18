"""A revert's comment (why revert) is kept on its drift, as accept keeps its."""

from __future__ import annotations

import pytest

from drift.models import Drift
from provisioning.revert import revert_drift
from tests.factories import DriftFactory, PlatformAdminFactory, ProvisionedFactory

pytestmark = pytest.mark.django_db


def renamed(**fields) -> Drift:
    return DriftFactory(
        field="name",
        expected="web-1",
        actual="web-x",
        provisioned=ProvisionedFactory(spec={"name": "web-1"}),
        **fields,
    )


def test_starting_a_revert_keeps_its_comment_on_the_drift():
    drift = renamed()

    revert_drift(drift.pk, actor=PlatformAdminFactory(), comment="  names are managed ")

    assert Drift.objects.get(pk=drift.pk).comment == "names are managed"


def test_a_revert_without_a_comment_leaves_the_drifts_comment():
    drift = renamed(comment="noted by the on-call")

    revert_drift(drift.pk, actor=PlatformAdminFactory())

    assert Drift.objects.get(pk=drift.pk).comment == "noted by the on-call"


def test_a_revert_that_settles_is_announced_as_resolved_reverted():
    from drift.services.reverting import settle_revert
    from webhooks.models import WebhookEvent
    from webhooks.services import subscribe

    subscribe(url="https://hooks.example.com/a", events=["drift.resolved"], tenant=None, actor=None)
    drift = DriftFactory()  # live s-2vcpu-4gb, the spec wants the resource's own size
    drift.resource.size_slug = drift.provisioned.spec["size_slug"]
    drift.resource.save()  # the saga put it back

    assert settle_revert(drift.pk, actor="saga", resolved_by_id=None) == "reverted"

    event = WebhookEvent.objects.get()
    assert event.type == "drift.resolved"
    assert (event.payload["id"], event.payload["status"]) == (drift.pk, "reverted")
