"""Beat: the hourly :15 full sync now fans out one task per kind (inventory.tasks)."""

from django.db import migrations

from arcadia.schedules import ensure_crontab_task

NAME = "inventory: full sync (hourly at :15)"


def forward(apps, schema_editor):
    ensure_crontab_task(
        apps,
        name=NAME,
        task="inventory.sync_full",
        queue="cloud_sync_full",
        minute="15",
        description=(
            "Reads projects once, then fans out one inventory.sync_kind per kind on "
            "cloud_sync_full; drift detection follows at :20."
        ),
    )


def backward(apps, schema_editor):
    ensure_crontab_task(
        apps,
        name=NAME,
        task="inventory.sync_full",
        queue="cloud_sync_full",
        minute="15",
        description="Full sync of every kind; drift detection follows at :20.",
    )


class Migration(migrations.Migration):
    dependencies = [("inventory", "0007_every_do_kind")]

    operations = [migrations.RunPython(forward, backward)]
