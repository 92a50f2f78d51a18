"""`manage.py provision_droplet`: a create saga in the foreground, for scripts."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from provisioning.models import SagaRun

pytestmark = pytest.mark.django_db


def provision(tenant, *extra: str) -> str:
    from io import StringIO

    out = StringIO()
    call_command(
        "provision_droplet",
        "--name=batch-1",
        "--region=nyc3",
        "--size=s-1vcpu-1gb",
        "--image=ubuntu-24-04-x64",
        f"--tenant={tenant.slug}",
        "--tag=env:dev",
        *extra,
        stdout=out,
    )
    return out.getvalue()


def test_the_command_runs_a_create_saga_to_the_end(sim, tenant_project):
    output = provision(tenant_project.tenant)

    run = SagaRun.objects.get()
    assert run.status == "succeeded" and run.requested_via == "command"
    assert f"saga #{run.pk} succeeded: droplet {run.droplet_id}" in output
    assert "5. record: succeeded" in output


def test_rerunning_with_the_same_idempotency_key_returns_that_saga(sim, tenant_project):
    provision(tenant_project.tenant, "--idempotency-key=nightly-1")

    output = provision(tenant_project.tenant, "--idempotency-key=nightly-1")

    assert SagaRun.objects.count() == 1 and "already exists" in output


def test_a_failed_saga_fails_the_command(sim, tenant_project):
    with pytest.raises(CommandError, match="compensated: create: DOUnprocessable"):
        provision(tenant_project.tenant, "--size=no-such-size")
