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
