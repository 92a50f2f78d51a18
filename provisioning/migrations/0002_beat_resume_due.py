"""Beat: every minute, resume saga runs that are due or whose worker's lease expired
(DESIGN.md, "Provisioning": a crashed worker's run resumed by a periodic task)."""

from django.db import migrations

from arcadia.schedules import ensure_interval_task, remove_task

NAME = "provisioning: resume due sagas (every minute)"


def forward(apps, schema_editor):
    ensure_interval_task(
        apps,
        name=NAME,
        task="provisioning.resume_due",
        queue="provisioning",
        every_seconds=60,
        description="Queue a pass for every saga run that is due or whose lease expired.",
    )


def backward(apps, schema_editor):
    remove_task(apps, name=NAME)


class Migration(migrations.Migration):
    dependencies = [
        ("provisioning", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(forward, backward)]
