"""The command and the Celery tasks run the same service as everything else."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from inventory.kinds import KINDS
from inventory.models import CloudResource, Kind, SyncRun
from inventory.tasks import QUEUE, sync_full, sync_kind

pytestmark = pytest.mark.django_db


def test_sync_inventory_prints_the_runs_counts(simulator_settings, capsys):
    call_command("sync_inventory", "--kind", "droplet")

    out = capsys.readouterr().out
    droplets = len(simulator_settings.state.droplet_ids())
    assert "droplet sync #" in out and "completed" in out and f"discovered={droplets}" in out
    assert CloudResource.objects.count() == droplets
    assert list(SyncRun.objects.values_list("kind", flat=True)) == ["droplet"]


def test_sync_inventory_without_a_kind_syncs_every_kind(simulator_settings, capsys):
    call_command("sync_inventory")

    out = capsys.readouterr().out
    assert set(SyncRun.objects.values_list("kind", flat=True)) == set(KINDS)
    assert all(f"{kind} sync #" in out for kind in KINDS)


def test_sync_inventory_exits_non_zero_when_the_run_fails(simulator_settings):
    simulator_settings.state.set_faults(every_nth_500=1)

    with pytest.raises(CommandError, match="failed"):
        call_command("sync_inventory", "--kind", "volume")

    assert SyncRun.objects.get().status == SyncRun.Status.FAILED


def test_unknown_kind_is_refused_in_one_line(simulator_settings):
    with pytest.raises(CommandError) as refused:
        call_command("sync_inventory", "--kind", "spaceship")

    assert "spaceship" in str(refused.value) and "\n" not in str(refused.value)
    assert not SyncRun.objects.exists()


def test_celery_task_leaves_its_run_marked(simulator_settings):
    result = sync_full.apply(kwargs={"kind": "droplet"}).get()

    assert result[0]["status"] == SyncRun.Status.COMPLETED
    droplets = len(simulator_settings.state.droplet_ids())
    assert SyncRun.objects.get(pk=result[0]["run"]).discovered == droplets


def test_fan_out_enqueues_one_sync_per_kind_on_the_full_sync_queue(simulator_settings, monkeypatch):
    sent = []
    monkeypatch.setattr(
        sync_kind, "apply_async", lambda args, kwargs, queue: sent.append((args, kwargs, queue))
    )

    sync_full.apply().get()

    assert [args[0] for args, _, _ in sent] == list(KINDS)
    assert {queue for _, _, queue in sent} == {QUEUE}
    # Projects were read once, ahead of the kinds: no kind reads them again.
    assert all(kwargs == {"with_projects": False} for _, kwargs, _ in sent)
    assert not SyncRun.objects.exists()  # the fan-out itself syncs no kind


def test_fan_out_runs_every_kind_each_with_its_own_run(simulator_settings, settings):
    from arcadia.celery import app

    app.conf.task_always_eager = True
    try:
        sync_full.apply().get()
    finally:
        app.conf.task_always_eager = False

    runs = SyncRun.objects.all()
    assert sorted(r.kind for r in runs) == sorted(KINDS)
    assert {r.status for r in runs} == {SyncRun.Status.COMPLETED}
    assert {r.trigger for r in runs} == {"celery"}


def test_fan_out_hands_projects_to_each_kind_when_the_shared_read_fails(
    simulator_settings, monkeypatch
):
    sent = []
    monkeypatch.setattr(sync_kind, "apply_async", lambda args, kwargs, queue: sent.append(kwargs))
    simulator_settings.state.set_faults(every_nth_500=1)

    sync_full.apply().get()

    assert len(sent) == len(KINDS)
    assert all(kwargs == {"with_projects": True} for kwargs in sent)


def test_sync_kind_task_syncs_that_kind(simulator_settings):
    result = sync_kind.apply(args=(Kind.VOLUME,)).get()

    assert result["status"] == SyncRun.Status.COMPLETED
    assert SyncRun.objects.get().kind == Kind.VOLUME


def test_celery_tasks_are_routed_to_the_full_sync_queue():
    from arcadia.celery import app

    for task in (sync_full, sync_kind):
        assert app.amqp.router.route({}, task.name)["queue"].name == "cloud_sync_full"
        assert task.acks_late is True


def test_beat_runs_the_fan_out_at_minute_15():
    from django_celery_beat.models import PeriodicTask

    task = PeriodicTask.objects.get(task="inventory.sync_full")
    assert task.crontab.minute == "15" and task.crontab.hour == "*"
    assert task.queue == "cloud_sync_full" and task.enabled
    assert task.kwargs == "{}"  # no kind: the fan-out
    assert "fans out" in task.description
    # A last run seeded at migration time: beat's first start waits for :15 instead of
    # treating the entry as overdue.
    assert task.last_run_at is not None
