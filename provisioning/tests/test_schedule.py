"""Beat resumes sagas every minute (DESIGN.md, "Provisioning"), from a migration."""

from __future__ import annotations

import pytest
from django_celery_beat.models import PeriodicTask

pytestmark = pytest.mark.django_db


def test_resume_due_runs_every_minute_on_the_provisioning_queue():
    task = PeriodicTask.objects.get(task="provisioning.resume_due")

    assert task.enabled and task.queue == "provisioning"
    assert (task.interval.every, task.interval.period) == (60, "seconds")
    assert task.crontab is None
