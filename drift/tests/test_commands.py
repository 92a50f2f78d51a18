"""`manage.py record_provisioned` and `manage.py detect_drift`."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from drift.models import Provisioned
from drift.tests.conftest import provision
from tests.factories import CloudResourceFactory

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.mark.parametrize("reference", ["urn", "id"])
def test_record_provisioned_takes_a_urn_or_an_id(reference):
    resource = CloudResourceFactory(provider_id="55")
    ref = resource.urn if reference == "urn" else str(resource.pk)

    out = run("record_provisioned", "--resource", ref, "--spec", '{"size_slug": "s-1vcpu-1gb"}')

    assert "do:droplet:55: spec v1 created" in out
    assert Provisioned.objects.get(resource=resource).spec == {"size_slug": "s-1vcpu-1gb"}


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("{not json", "not valid JSON"),
        ('["size_slug"]', "JSON object"),
        ('"s-1vcpu-1gb"', "JSON object"),
        ('{"": 1}', "non-empty strings"),
    ],
)
def test_record_provisioned_refuses_a_bad_spec(spec, message):
    resource = CloudResourceFactory()

    with pytest.raises(CommandError, match=message):
        run("record_provisioned", "--resource", resource.urn, "--spec", spec)

    assert not Provisioned.objects.exists()


def test_record_provisioned_refuses_an_unknown_resource():
    with pytest.raises(CommandError, match="No resource matches 'do:droplet:404'"):
        run("record_provisioned", "--resource", "do:droplet:404", "--spec", "{}")


def test_detect_drift_prints_opened_refreshed_and_closed(droplet, completed_sync):
    provision(droplet, size_slug="s-1vcpu-1gb")

    out = run("detect_drift")

    assert f"sync #{completed_sync.pk}" in out
    assert "opened 1, refreshed 0, closed 0" in out


def test_detect_drift_skips_without_a_completed_sync(droplet):
    provision(droplet, size_slug="s-1vcpu-1gb")

    out = run("detect_drift")

    assert "skipped: no inventory sync has completed yet" in out
    assert not droplet.drifts.exists()


def test_detect_drift_can_run_without_a_sync_when_asked(droplet):
    provision(droplet, size_slug="s-1vcpu-1gb")

    out = run("detect_drift", "--even-without-sync")

    assert "opened 1" in out


def test_record_then_detect_from_the_command_line(droplet, completed_sync):
    spec = json.dumps({"size_slug": "s-1vcpu-1gb", "region": "nyc3"})
    run("record_provisioned", "--resource", droplet.urn, "--spec", spec)

    assert "opened 1," in run("detect_drift")
