"""Beat runs detection at minute 20, on the drift queue (DESIGN.md, "Schedules")."""

from __future__ import annotations

import pytest
from django_celery_beat.models import PeriodicTask

from drift.tasks import detect
from drift.tests.conftest import provision

pytestmark = pytest.mark.django_db


def test_detection_is_scheduled_hourly_at_minute_20():
    task = PeriodicTask.objects.get(task="drift.detect")

    assert task.queue == "drift"
    assert task.crontab.minute == "20"
    assert task.crontab.hour == "*"
    assert task.enabled


def test_the_task_skips_and_says_so_without_a_completed_sync(droplet):
    provision(droplet, size_slug="s-1vcpu-1gb")

    result = detect.apply().get()

    assert result["skipped"] is True
    assert "no inventory sync has completed" in result["message"]
    assert not droplet.drifts.exists()


def test_the_task_detects_against_the_last_completed_sync(droplet, completed_sync):
    provision(droplet, size_slug="s-1vcpu-1gb")

    result = detect.apply().get()

    assert result["skipped"] is False
    assert result["against_sync"] == completed_sync.pk
    assert result["opened"] == 1
