"""`manage.py demo --simulator` seeds through the services and the simulator's client."""

from __future__ import annotations

from collections.abc import Iterator
from io import StringIO

import pytest
from django.core.management import call_command

from do_client import reset_clients
from do_simulator.testing import SimulatorHandle, running_simulator
from drift.models import Provisioned
from inventory.models import ProjectTenantChange
from inventory.services.projects import PLATFORM_PROJECT_NAME
from tenants.models import Membership

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def sim(settings) -> Iterator[SimulatorHandle]:
    with running_simulator(droplets=30, seed=5) as handle:
        settings.DO_API_BASE_URL = handle.base_url
        settings.DO_API_TOKEN = handle.token
        settings.DO_API_BACKOFF_BASE_SECONDS = 0.01
        reset_clients()
        yield handle
    reset_clients()


def test_demo_assigns_projects_through_the_service_and_is_idempotent(sim):
    counts = []
    for _ in range(2):
        call_command("demo", "--password", "pw", "--simulator", stdout=StringIO())
        counts.append((ProjectTenantChange.objects.count(), Membership.objects.count()))
    assert counts[0][0] > 0 and counts[0][1] > 0
    customers = ProjectTenantChange.objects.exclude(project__name=PLATFORM_PROJECT_NAME)
    assert {c.actor for c in customers} == {"demo"}  # the platform's own: the bootstrap
    assert counts[1] == counts[0]  # the second run changed no mapping, added no membership
    assert Provisioned.objects.exists()


def test_the_demo_account_has_every_kind_and_drift_beyond_droplets(sim):
    from drift.models import Drift, DriftStatus
    from inventory.kinds import KINDS
    from inventory.models import CloudResource

    call_command("demo", "--password", "pw", "--simulator", stdout=StringIO())
    present = set(CloudResource.objects.values_list("kind", flat=True).distinct())
    assert present == set(KINDS)
    open_kinds = set(
        Drift.objects.filter(status=DriftStatus.OPEN).values_list("resource__kind", flat=True)
    )
    assert {"droplet", "volume", "database", "kubernetes_cluster", "firewall"} <= open_kinds
    # A second run (bin/up restarted) changes nothing more out of band.
    before = sorted(Drift.objects.values_list("id", "actual"))
    call_command("demo", "--password", "pw", "--simulator", stdout=StringIO())
    assert sorted(Drift.objects.values_list("id", "actual")) == before
