# Reconciliation per (DO product, resource), each non-matched line with a reason.
# Written by hand (makemigrations would pick up other work in progress).

from django.db import migrations, models

REASONS = [
    (
        "first_seen_late",
        "First seen after DO's billing started (history before Arcadia saw it is assumed)",
    ),
    ("changed_before_first_seen", "Resized or moved before first seen"),
    ("missing_from_inventory", "Missing from the inventory"),
    ("price_differs", "Price differs from DO's"),
    ("not_metered", "Not metered"),
    ("rounding", "Rounding"),
    ("not_on_do_invoice", "Billed by us, absent from DO's invoice"),
    ("usage_differs", "Usage differs (changed between syncs)"),
]

# Runs before this one compared droplets only and gave no reason: their lines get the
# product and the reason their status implies (a mismatch of theirs is unexplained usage).
BACKFILL = """
UPDATE billing_reconciliation_lines
   SET product = CASE WHEN resource_id IS NOT NULL OR provider_resource_id ~ '^[0-9]+$'
                      THEN 'Droplets' ELSE '' END,
       reason = CASE status
                  WHEN 'matched' THEN ''
                  WHEN 'only_ours' THEN 'not_on_do_invoice'
                  WHEN 'only_provider' THEN 'missing_from_inventory'
                  ELSE 'usage_differs' END
"""


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0007_meter_every_product"),
    ]

    operations = [
        migrations.AddField(
            model_name="reconciliationline",
            name="product",
            field=models.CharField(
                blank=True,
                default="",
                help_text="DO's product name (billing.products).",
                max_length=255,
            ),
        ),
        migrations.AddField(
            model_name="reconciliationline",
            name="reason",
            field=models.CharField(
                blank=True,
                choices=REASONS,
                default="",
                help_text="Why not matched; empty only when matched.",
                max_length=32,
            ),
        ),
        migrations.RunSQL(BACKFILL, migrations.RunSQL.noop),
        migrations.AddIndex(
            model_name="reconciliationline",
            index=models.Index(
                fields=["reconciliation", "status", "product"], name="billing_recon_lines_group"
            ),
        ),
        migrations.AddConstraint(
            model_name="reconciliationline",
            constraint=models.CheckConstraint(
                condition=models.Q(models.Q(("reason", ""), ("status", "matched")))
                | models.Q(
                    models.Q(("status", "matched"), _negated=True),
                    ("reason__in", [value for value, _ in REASONS]),
                ),
                name="billing_reconciliation_lines_reason",
            ),
        ),
    ]
