"""`generate_invoices`, `finalize_invoices`, `reconcile_billing` (DESIGN.md, "Surfaces"),
against the simulator through `client_for("billing")`."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from billing.models import Invoice, InvoiceStatus, Price, Reconciliation, UsageSegment
from billing.periods import month_bounds, month_of, previous_month
from billing.tests.conftest import Droplet
from do_client import reset_clients
from do_simulator.resource_kinds import DEFAULT_COUNTS
from do_simulator.testing import SimulatorHandle, running_simulator
from tests.factories import CloudProjectFactory

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def sim(settings) -> Iterator[SimulatorHandle]:
    # Droplets only: the simulator bills every product it holds, these tests none other.
    with running_simulator(
        droplets=0, seed=5, resources=dict.fromkeys(DEFAULT_COUNTS, 0)
    ) as handle:
        settings.DO_API_BASE_URL = handle.base_url
        settings.DO_API_TOKEN = handle.token
        settings.DO_API_BACKOFF_BASE_SECONDS = 0.01
        reset_clients()
        yield handle
    reset_clients()


def last_month_text() -> str:
    return f"{previous_month(month_of(timezone.now())):%Y-%m}"


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.fixture
def usage(sim) -> tuple:
    """Last month: a tenant's droplet for 2 days, and one unallocated droplet for 1 day."""
    start, _ = month_bounds(previous_month(month_of(timezone.now())))
    project, orphan = CloudProjectFactory(tenant__name="Acme"), CloudProjectFactory(tenant=None)
    for owner, days in ((project, 2), (orphan, 1)):
        Droplet(
            project=owner,
            created=start,
            discovered=start,
            seen_until=start + timedelta(days=days),
        )
    return project, orphan


def test_generate_invoices_prints_each_tenants_invoice_and_the_unallocated_cost(usage):
    output = run("generate_invoices", "--month", last_month_text())

    invoice = Invoice.objects.get()
    assert f"Acme: invoice #{invoice.pk} draft (created), 1 line(s)" in output
    assert "subtotal 0.43 USD, total 0.43 USD" in output
    assert "unallocated: 0.21 USD" in output
    assert Price.objects.count() > 0  # the price book was refreshed from DO first

    again = run("generate_invoices", "--month", last_month_text(), "--tenant", "Acme")
    assert "(unchanged)" in again


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--month", "2026-13"], "Invalid month '2026-13'"),
        (["--month", "26-1"], "Invalid month '26-1'"),
        (["--month", "2999-01"], "2999-01 is in the future"),
        (["--month", "2026-03", "--tenant", "nobody"], "No tenant matches 'nobody'"),
    ],
)
def test_bad_input_is_refused_and_writes_nothing(sim, args, message):
    with pytest.raises(CommandError, match=message):
        run("generate_invoices", *args)
    assert (Price.objects.count(), UsageSegment.objects.count(), Invoice.objects.count()) == (
        0,
        0,
        0,
    )


def test_bad_input_exits_non_zero_with_one_line_on_stderr():
    done = subprocess.run(
        [sys.executable, "manage.py", "generate_invoices", "--month", "26-1"],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "arcadia.settings"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode != 0
    assert done.stderr.strip().splitlines() == [
        "CommandError: Invalid month '26-1': expected YYYY-MM, e.g. 2026-03."
    ]


def test_finalize_invoices_numbers_the_months_drafts(usage):
    run("generate_invoices", "--month", last_month_text())
    output = run("finalize_invoices", "--month", last_month_text())
    invoice = Invoice.objects.get()
    assert invoice.status == InvoiceStatus.FINALIZED
    assert f"{invoice.number} Acme: subtotal 0.43, credits 0.00, total 0.43 USD" in output


def test_finalize_invoices_refuses_the_running_month(sim):
    with pytest.raises(CommandError, match="has not ended"):
        run("finalize_invoices", "--month", f"{month_of(timezone.now()):%Y-%m}")


def test_reconcile_billing_prints_counts_per_status_and_the_difference(sim):
    start, _ = month_bounds(previous_month(month_of(timezone.now())))
    sim.state.oob_add_droplets(1, created_at=int(start.timestamp()) + 3600)
    output = run("reconcile_billing", "--month", last_month_text())
    # We synced nothing: DO's droplet is one we do not know.
    assert "only_provider: 1" in output and "matched: 0" in output
    assert "because missing_from_inventory: 1" in output
    assert "difference -" in output
    assert Reconciliation.objects.count() == 1


def test_reconcile_billing_without_a_do_invoice_fails_saying_so(sim):
    with pytest.raises(CommandError, match="DO has no invoice for"):
        run("reconcile_billing", "--month", last_month_text())
    assert Reconciliation.objects.count() == 0


def test_reconcile_billing_refuses_a_bad_tolerance(sim):
    with pytest.raises(CommandError, match="Invalid tolerance"):
        run("reconcile_billing", "--month", last_month_text(), "--tolerance", "abc")
