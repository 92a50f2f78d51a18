# Why an invoice was finalized (the console's Finalize page asks), frozen with the rest:
# the finalized-only-voids trigger now guards it too.

import pgtrigger.compiler
import pgtrigger.migrations
from django.db import migrations, models

import arcadia.triggers


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0009_draft_change_note"),
    ]

    operations = [
        pgtrigger.migrations.RemoveTrigger(
            model_name="invoice",
            name="finalized_only_voids",
        ),
        migrations.AddField(
            model_name="invoice",
            name="finalize_reason",
            field=models.TextField(blank=True, default=""),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="invoice",
            trigger=pgtrigger.compiler.Trigger(
                name="finalized_only_voids",
                sql=arcadia.triggers.OwnerIgnorableTriggerSql(
                    condition='WHEN (OLD."status" = \'finalized\' AND (NOT (NEW."status" = \'void\') OR OLD."tenant_id" IS DISTINCT FROM (NEW."tenant_id") OR OLD."period_start" IS DISTINCT FROM (NEW."period_start") OR OLD."period_end" IS DISTINCT FROM (NEW."period_end") OR OLD."currency" IS DISTINCT FROM (NEW."currency") OR OLD."rule" IS DISTINCT FROM (NEW."rule") OR OLD."number" IS DISTINCT FROM (NEW."number") OR OLD."markup_percent" IS DISTINCT FROM (NEW."markup_percent") OR OLD."subtotal" IS DISTINCT FROM (NEW."subtotal") OR OLD."credits_total" IS DISTINCT FROM (NEW."credits_total") OR OLD."total" IS DISTINCT FROM (NEW."total") OR OLD."fingerprint" IS DISTINCT FROM (NEW."fingerprint") OR OLD."replaces_id" IS DISTINCT FROM (NEW."replaces_id") OR OLD."finalized_at" IS DISTINCT FROM (NEW."finalized_at") OR OLD."finalize_reason" IS DISTINCT FROM (NEW."finalize_reason")))',
                    func="RAISE EXCEPTION 'billing_invoices: a finalized invoice may only be voided: % refused', TG_OP USING ERRCODE = 'insufficient_privilege'; RETURN NULL;",
                    hash="6f909a6574fd1aeb4002035ba33dd182321b7366",
                    operation="UPDATE",
                    pgid="pgtrigger_finalized_only_voids_f5cc4",
                    table="billing_invoices",
                    when="BEFORE",
                ),
            ),
        ),
    ]
