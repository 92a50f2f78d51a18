"""The dashboard's "closed per day" reads the window off this index. Built CONCURRENTLY:
`cloud_drift` holds every drift ever resolved, and a plain CREATE INDEX would block
detection's writes while it builds."""

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run in a transaction

    dependencies = [
        ("drift", "0007_beat_expire_suppressions"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="drift",
            index=models.Index(
                condition=models.Q(("resolved_at__isnull", False)),
                fields=["resolved_at"],
                name="cloud_drift_resolved",
            ),
        ),
    ]
