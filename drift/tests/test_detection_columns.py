"""Detection reads a resource's columns by name, from one list (`RESOURCE_COLUMNS`)."""

from __future__ import annotations

import pytest

from drift.equality import RESOURCE_COLUMNS, to_json
from drift.services.detection import detect_drift
from drift.tests.conftest import open_drift, provision
from tests.factories import CloudResourceFactory

pytestmark = pytest.mark.django_db


def test_a_spec_may_name_every_resource_column_and_each_is_read_by_name():
    resource = CloudResourceFactory(tags=["web"])
    wanted = {column: f"not-{column}" for column in RESOURCE_COLUMNS}
    provision(resource, **wanted)

    outcome = detect_drift()

    drifts = {d.field: d for d in open_drift(resource)}
    assert outcome.opened == len(RESOURCE_COLUMNS) == len(drifts)
    for column in RESOURCE_COLUMNS:
        assert drifts[column].expected == f"not-{column}"
        assert drifts[column].actual == to_json(getattr(resource, column)), column
