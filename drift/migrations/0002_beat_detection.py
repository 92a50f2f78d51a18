"""Beat: drift detection at minute 20 of every hour, after the :15 full sync, so drift
compares against fresh inventory (DESIGN.md, "Schedules")."""

from django.db import migrations

from arcadia.schedules import ensure_crontab_task, remove_task

NAME = "drift: detection (hourly at :20)"


def forward(apps, schema_editor):
    ensure_crontab_task(
        apps,
        name=NAME,
        task="drift.detect",
        queue="drift",
        minute="20",
        description="Detect drift against the last completed sync (the full sync runs at :15).",
    )


def backward(apps, schema_editor):
    remove_task(apps, name=NAME)


class Migration(migrations.Migration):
    dependencies = [
        ("drift", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(forward, backward)]
