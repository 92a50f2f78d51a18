"""`cloud_drift.revert_started_at`: a drift knows itself that a revert saga is running
(DESIGN.md, "Accept": a drift whose revert saga is live can be neither accepted nor
closed `stale`), so accept and detection decide from drift's own column instead of
joining provisioning's saga runs.

The backfill marks every open drift that has a live revert saga now. It reads
provisioning's table by name, and only if it exists: drift sits below provisioning and
must not depend on its migrations (on a new install there are no sagas to find)."""

from django.db import migrations, models

# provisioning.models.LIVE_STATUSES, frozen as they were when this migration was written.
LIVE_SAGA_STATUSES = ["pending", "running", "waiting", "compensating"]

BACKFILL_SQL = """
UPDATE cloud_drift d
   SET revert_started_at = r.created_at
  FROM provisioning_saga_runs r
 WHERE r.drift_id = d.id AND r.status = ANY(%s) AND d.status = 'open'
"""


def backfill(apps, schema_editor):
    connection = schema_editor.connection
    if "provisioning_saga_runs" not in connection.introspection.table_names():
        return
    with connection.cursor() as cursor:
        cursor.execute(BACKFILL_SQL, [LIVE_SAGA_STATUSES])


class Migration(migrations.Migration):
    dependencies = [
        ("drift", "0002_beat_detection"),
    ]

    operations = [
        migrations.AddField(
            model_name="drift",
            name="revert_started_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="drift",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("revert_started_at__isnull", True), ("status", "open"), _connector="OR"
                ),
                name="cloud_drift_revert_only_when_open",
            ),
        ),
    ]
