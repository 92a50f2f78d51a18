"""The audit log triggers move from hand-written SQL (0002_events_append_only) to the model's
Meta.triggers (django-pgtrigger), and the table now refuses TRUNCATE too.

The old triggers are dropped and the new ones created in one transaction: the rules never
lapse. Backwards, the new ones are dropped (AddTrigger's reverse) and 0002_events_append_only's
SQL put back."""

import importlib

import pgtrigger.compiler
import pgtrigger.migrations
from django.db import migrations

import arcadia.triggers

HAND_WRITTEN = importlib.import_module("inventory.migrations.0002_events_append_only")

DROP_HAND_WRITTEN = """
DROP TRIGGER IF EXISTS cloud_resource_events_append_only ON cloud_resource_events;
DROP FUNCTION IF EXISTS cloud_resource_events_refuse_change();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("inventory", "0004_hot_sightings"),
    ]

    operations = [
        migrations.RunSQL(DROP_HAND_WRITTEN, HAND_WRITTEN.FORWARD),
        pgtrigger.migrations.AddTrigger(
            model_name="cloudresourceevent",
            trigger=pgtrigger.compiler.Trigger(
                name="append_only",
                sql=arcadia.triggers.OwnerIgnorableTriggerSql(
                    func="RAISE EXCEPTION 'cloud_resource_events is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege'; RETURN NULL;",
                    hash="bffba130423b1cbe2f46a1fe810c0e91ca7a6c26",
                    operation="UPDATE OR DELETE",
                    pgid="pgtrigger_append_only_a88e1",
                    table="cloud_resource_events",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="cloudresourceevent",
            trigger=pgtrigger.compiler.Trigger(
                name="refuse_truncate",
                sql=arcadia.triggers.OwnerIgnorableTriggerSql(
                    func="RAISE EXCEPTION 'cloud_resource_events is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege'; RETURN NULL;",
                    hash="ec782d010a94498367605816f47e89c2d5ad3e88",
                    level="STATEMENT",
                    operation="TRUNCATE",
                    pgid="pgtrigger_refuse_truncate_2ad65",
                    table="cloud_resource_events",
                    when="BEFORE",
                ),
            ),
        ),
    ]
