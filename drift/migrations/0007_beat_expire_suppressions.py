"""Beat: handle drift suppressions' expiry every 5 minutes (reopen their drift, announce
`drift.suppression_expired`); each detection sweep does it first too."""

from django.db import migrations

from arcadia.schedules import ensure_interval_task, remove_task

NAME = "drift: expire suppressions (every 5 minutes)"


def forward(apps, schema_editor):
    ensure_interval_task(
        apps,
        name=NAME,
        task="drift.expire_suppressions",
        queue="drift",
        every_seconds=5 * 60,
        description="Reopens the drift of suppressions past their expiry and announces each "
        "expiry once (drift.suppression_expired).",
    )


def backward(apps, schema_editor):
    remove_task(apps, name=NAME)


class Migration(migrations.Migration):
    dependencies = [
        ("drift", "0006_suppression_expiry_handled"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(forward, backward)]
