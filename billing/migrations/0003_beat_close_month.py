"""Beat: on the 2nd of each month at 06:00 UTC, generate last month's drafts, then
reconcile them with DO's bill (DO issues its invoice on the 1st). Queue `billing`."""

from django.db import migrations

from arcadia.schedules import ensure_crontab_task, remove_task

NAME = "billing: last month's invoices and reconciliation (2nd, 06:00 UTC)"


def forward(apps, schema_editor):
    ensure_crontab_task(
        apps,
        name=NAME,
        task="billing.close_month",
        queue="billing",
        minute="0",
        hour="6",
        day_of_month="2",
        description="Generate last month's draft invoices, then reconcile with DO's invoice.",
    )


def backward(apps, schema_editor):
    remove_task(apps, name=NAME)


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0002_frozen_invoices"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(forward, backward)]
