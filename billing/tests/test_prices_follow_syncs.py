"""Prices refresh on every sync (issue: billing §2)."""

from __future__ import annotations

import pytest

from billing.models import Price
from inventory.models import Kind, SyncRun
from inventory.services.sync import run_full_sync

pytestmark = pytest.mark.django_db


def test_a_completed_sync_captures_the_price_book(simulator, do):
    assert not Price.objects.exists()

    run = run_full_sync(Kind.DROPLET, client=do)

    assert run.status == SyncRun.Status.COMPLETED
    assert Price.objects.filter(size_slug="s-1vcpu-1gb").exists()


def test_a_failed_sync_leaves_the_price_book_alone(simulator, do):
    simulator.state.set_faults(every_nth_500=1)

    run = run_full_sync(Kind.DROPLET, client=do)

    assert run.status == SyncRun.Status.FAILED
    assert not Price.objects.exists()
