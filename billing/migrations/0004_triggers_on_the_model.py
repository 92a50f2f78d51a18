"""The invoice triggers move from hand-written SQL (0002_frozen_invoices) to the model's
Meta.triggers (django-pgtrigger), and the tables now refuse TRUNCATE too.

The old triggers are dropped and the new ones created in one transaction: the rules never
lapse. Backwards, the new ones are dropped (AddTrigger's reverse) and 0002_frozen_invoices's
SQL put back."""

import importlib

import pgtrigger.compiler
import pgtrigger.migrations
from django.db import migrations

import arcadia.triggers

HAND_WRITTEN = importlib.import_module("billing.migrations.0002_frozen_invoices")

DROP_HAND_WRITTEN = """
DROP TRIGGER IF EXISTS billing_invoices_frozen ON billing_invoices;
DROP FUNCTION IF EXISTS billing_invoices_refuse_change();
DROP TRIGGER IF EXISTS billing_invoice_lines_frozen ON billing_invoice_lines;
DROP FUNCTION IF EXISTS billing_invoice_lines_refuse_frozen();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0003_beat_close_month"),
    ]

    operations = [
        migrations.RunSQL(DROP_HAND_WRITTEN, HAND_WRITTEN.FORWARD),
        pgtrigger.migrations.AddTrigger(
            model_name="invoice",
            trigger=pgtrigger.compiler.Trigger(
                name="only_drafts_deleted",
                sql=arcadia.triggers.OwnerIgnorableTriggerSql(
                    condition="WHEN (NOT (OLD.\"status\" = 'draft'))",
                    func="RAISE EXCEPTION 'billing_invoices: only a draft invoice may be deleted: % refused', TG_OP USING ERRCODE = 'insufficient_privilege'; RETURN NULL;",
                    hash="33db7e46103a90850554d932effc67d35b85798d",
                    operation="DELETE",
                    pgid="pgtrigger_only_drafts_deleted_82cf4",
                    table="billing_invoices",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="invoice",
            trigger=pgtrigger.compiler.Trigger(
                name="void_is_final",
                sql=arcadia.triggers.OwnerIgnorableTriggerSql(
                    condition="WHEN (OLD.\"status\" = 'void')",
                    func="RAISE EXCEPTION 'billing_invoices: a void invoice cannot change: % refused', TG_OP USING ERRCODE = 'insufficient_privilege'; RETURN NULL;",
                    hash="df8cbf1d72266a854bd4da57f201208269176e1a",
                    operation="UPDATE",
                    pgid="pgtrigger_void_is_final_708f6",
                    table="billing_invoices",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="invoice",
            trigger=pgtrigger.compiler.Trigger(
                name="finalized_only_voids",
                sql=arcadia.triggers.OwnerIgnorableTriggerSql(
                    condition='WHEN (OLD."status" = \'finalized\' AND (NOT (NEW."status" = \'void\') OR OLD."tenant_id" IS DISTINCT FROM (NEW."tenant_id") OR OLD."period_start" IS DISTINCT FROM (NEW."period_start") OR OLD."period_end" IS DISTINCT FROM (NEW."period_end") OR OLD."currency" IS DISTINCT FROM (NEW."currency") OR OLD."rule" IS DISTINCT FROM (NEW."rule") OR OLD."number" IS DISTINCT FROM (NEW."number") OR OLD."markup_percent" IS DISTINCT FROM (NEW."markup_percent") OR OLD."subtotal" IS DISTINCT FROM (NEW."subtotal") OR OLD."credits_total" IS DISTINCT FROM (NEW."credits_total") OR OLD."total" IS DISTINCT FROM (NEW."total") OR OLD."fingerprint" IS DISTINCT FROM (NEW."fingerprint") OR OLD."replaces_id" IS DISTINCT FROM (NEW."replaces_id") OR OLD."finalized_at" IS DISTINCT FROM (NEW."finalized_at")))',
                    func="RAISE EXCEPTION 'billing_invoices: a finalized invoice may only be voided: % refused', TG_OP USING ERRCODE = 'insufficient_privilege'; RETURN NULL;",
                    hash="ae800c2f1292d1f9c062575dcb04bbc86f81f208",
                    operation="UPDATE",
                    pgid="pgtrigger_finalized_only_voids_f5cc4",
                    table="billing_invoices",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="invoice",
            trigger=pgtrigger.compiler.Trigger(
                name="refuse_truncate",
                sql=arcadia.triggers.OwnerIgnorableTriggerSql(
                    func="RAISE EXCEPTION 'billing_invoices holds finalized invoices: % refused', TG_OP USING ERRCODE = 'insufficient_privilege'; RETURN NULL;",
                    hash="dfdd23002ec807513e443a49482ac9051392cefb",
                    level="STATEMENT",
                    operation="TRUNCATE",
                    pgid="pgtrigger_refuse_truncate_a44ea",
                    table="billing_invoices",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="invoiceline",
            trigger=pgtrigger.compiler.Trigger(
                name="frozen_with_invoice",
                sql=arcadia.triggers.OwnerIgnorableTriggerSql(
                    declare="DECLARE parent_status text;",
                    func="\n    IF TG_OP IN ('UPDATE', 'DELETE') THEN\n        SELECT status INTO parent_status FROM public.billing_invoices\n         WHERE id = OLD.invoice_id;\n        IF parent_status IN ('finalized', 'void') THEN\n            RAISE EXCEPTION 'billing_invoice_lines of % invoice % are frozen: % refused',\n                parent_status, OLD.invoice_id, TG_OP USING ERRCODE = 'insufficient_privilege';\n        END IF;\n    END IF;\n    IF TG_OP IN ('UPDATE', 'INSERT') THEN\n        SELECT status INTO parent_status FROM public.billing_invoices\n         WHERE id = NEW.invoice_id;\n        IF parent_status IN ('finalized', 'void') THEN\n            RAISE EXCEPTION 'billing_invoice_lines of % invoice % are frozen: % refused',\n                parent_status, NEW.invoice_id, TG_OP USING ERRCODE = 'insufficient_privilege';\n        END IF;\n    END IF;\n    IF TG_OP = 'DELETE' THEN\n        RETURN OLD;\n    END IF;\n    RETURN NEW;\n",
                    hash="1e71ac3d2e52b4e0d46b1dd12640691edaf2c4af",
                    operation="INSERT OR UPDATE OR DELETE",
                    pgid="pgtrigger_frozen_with_invoice_709e1",
                    table="billing_invoice_lines",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="invoiceline",
            trigger=pgtrigger.compiler.Trigger(
                name="refuse_truncate",
                sql=arcadia.triggers.OwnerIgnorableTriggerSql(
                    func="RAISE EXCEPTION 'billing_invoice_lines holds frozen lines: % refused', TG_OP USING ERRCODE = 'insufficient_privilege'; RETURN NULL;",
                    hash="2a1206fd1a51495409a58ae752ae43e728171f0c",
                    level="STATEMENT",
                    operation="TRUNCATE",
                    pgid="pgtrigger_refuse_truncate_679d2",
                    table="billing_invoice_lines",
                    when="BEFORE",
                ),
            ),
        ),
    ]
