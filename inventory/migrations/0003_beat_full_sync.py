"""Beat: full inventory sync at minute 15 of every hour (DESIGN.md, "Schedules")."""

from django.db import migrations

from arcadia.schedules import ensure_crontab_task, remove_task

NAME = "inventory: full sync (hourly at :15)"


def forward(apps, schema_editor):
    ensure_crontab_task(
        apps,
        name=NAME,
        task="inventory.sync_full",
        queue="cloud_sync_full",
        minute="15",
        description="Full sync of every kind; drift detection follows at :20.",
    )


def backward(apps, schema_editor):
    remove_task(apps, name=NAME)


class Migration(migrations.Migration):
    dependencies = [
        ("inventory", "0002_events_append_only"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(forward, backward)]
