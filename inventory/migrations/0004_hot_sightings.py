"""Sightings become HOT updates.

Every sync bumps `last_seen_at` on every row it sees. With that column indexed, each bump
rewrote every index of the row; unindexed, and with free space left in each page, the
bump is a heap-only tuple update. The strike pass, which reads `last_seen_at`, runs once
per sync and scans the kind instead.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("inventory", "0003_beat_full_sync")]

    operations = [
        migrations.RemoveIndex(model_name="cloudresource", name="cloud_resources_kind_seen"),
        migrations.RunSQL(
            "ALTER TABLE cloud_resources SET (fillfactor = 80)",
            "ALTER TABLE cloud_resources RESET (fillfactor)",
        ),
    ]
