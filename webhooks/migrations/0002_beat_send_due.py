"""Beat: send due webhook deliveries every minute (retries; a fresh event is also sent
at once, on the commit that wrote it)."""

from django.db import migrations

from arcadia.schedules import ensure_interval_task, remove_task

NAME = "webhooks: send due deliveries (every minute)"


def forward(apps, schema_editor):
    ensure_interval_task(
        apps,
        name=NAME,
        task="webhooks.send_due",
        queue="webhooks",
        every_seconds=60,
        description="Retries webhook deliveries that are due (backoff 15 s, 30 s, 1 min ... 24 h).",
    )


def backward(apps, schema_editor):
    remove_task(apps, name=NAME)


class Migration(migrations.Migration):
    dependencies = [
        ("webhooks", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(forward, backward)]
