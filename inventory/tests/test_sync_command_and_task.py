"""The command and the Celery task run the same service as everything else."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from inventory.models import CloudResource, SyncRun
from inventory.tasks import sync_full

pytestmark = pytest.mark.django_db


def test_sync_inventory_prints_the_runs_counts(simulator_settings, capsys):
    call_command("sync_inventory", "--kind", "droplet")

    out = capsys.readouterr().out
    assert "droplet sync #" in out and "completed" in out and "discovered=50" in out
    assert CloudResource.objects.count() == 50


def test_sync_inventory_exits_non_zero_when_the_run_fails(simulator_settings):
    simulator_settings.state.set_faults(every_nth_500=1)

    with pytest.raises(CommandError, match="failed"):
        call_command("sync_inventory")

    assert SyncRun.objects.get().status == SyncRun.Status.FAILED


def test_unknown_kind_is_refused(simulator_settings):
    with pytest.raises(CommandError):
        call_command("sync_inventory", "--kind", "spaceship")


def test_celery_task_leaves_its_run_marked(simulator_settings):
    result = sync_full.apply(kwargs={"kind": "droplet"}).get()

    assert result[0]["status"] == SyncRun.Status.COMPLETED
    assert SyncRun.objects.get(pk=result[0]["run"]).discovered == 50


def test_celery_task_is_routed_to_the_full_sync_queue():
    from arcadia.celery import app

    assert app.amqp.router.route({}, sync_full.name)["queue"].name == "cloud_sync_full"
    assert sync_full.acks_late is True


def test_beat_runs_the_full_sync_at_minute_15():
    from django_celery_beat.models import PeriodicTask

    task = PeriodicTask.objects.get(task="inventory.sync_full")
    assert task.crontab.minute == "15" and task.crontab.hour == "*"
    assert task.queue == "cloud_sync_full" and task.enabled
    # A last run seeded at migration time: beat's first start waits for :15 instead of
    # treating the entry as overdue.
    assert task.last_run_at is not None
