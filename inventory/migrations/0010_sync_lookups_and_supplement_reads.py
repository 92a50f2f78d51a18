"""Issue 13: a sync's writes and reads at any table statistics.

- `cloud_resources_project_kind` goes: with statistics taken while the table was empty,
  the planner read a whole kind through its `kind` column to find one row by natural
  key (inventory/tests/test_page_plan.py); the project FK's own index serves a
  project's resources.
- The events' single-column `resource_id` index goes: `cloud_events_resource_time`
  (resource_id, occurred_at) serves every lookup it did, and each event a page inserts
  has one index fewer to write.
- `SyncRun.supplement_read`: whether the run read its kind's supplementary listing (a
  droplet run: every backup policy) in full (inventory/kinds/backup_policies.py).
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("inventory", "0009_sync_runs_count_requests")]

    operations = [
        migrations.RemoveIndex(model_name="cloudresource", name="cloud_resources_project_kind"),
        migrations.AlterField(
            model_name="cloudresourceevent",
            name="resource",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="events",
                to="inventory.cloudresource",
            ),
        ),
        migrations.AddField(
            model_name="syncrun",
            name="supplement_read",
            field=models.BooleanField(default=False),
        ),
    ]
