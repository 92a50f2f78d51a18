"""Every product metered (billing.meters): segments and invoice lines carry the product,
its quantity and unit. (The price book's seed of DO's published prices is written by
`manage.py seed_prices`, not here: see billing.services.prices.seed_published_prices.)"""

import django.contrib.postgres.constraints
import django.contrib.postgres.fields.ranges
from django.db import migrations, models

import billing.models


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0006_price_kind_every_do_kind"),
    ]

    operations = [
        migrations.AddField(
            model_name="price",
            name="set_by",
            field=models.CharField(
                blank=True,
                default="",
                help_text="Who wrote this version: an operator, or empty for DO's API and the seed.",
                max_length=255,
            ),
        ),
        migrations.AddField(
            model_name="usagesegment",
            name="product",
            field=models.CharField(default="droplet", max_length=32),
        ),
        migrations.AddField(
            model_name="usagesegment",
            name="quantity",
            field=models.DecimalField(
                decimal_places=6, default=1, help_text="Nodes, components or GiB.", max_digits=18
            ),
        ),
        migrations.AddField(
            model_name="usagesegment",
            name="unit",
            field=models.CharField(default="hours", max_length=16),
        ),
        migrations.AlterField(
            model_name="usagesegment",
            name="size_slug",
            field=models.CharField(
                help_text="The price key: a size slug, tier or plan (`Price.size_slug`).",
                max_length=64,
            ),
        ),
        migrations.RemoveConstraint(
            model_name="usagesegment", name="billing_usage_segments_no_overlap"
        ),
        migrations.AddConstraint(
            model_name="usagesegment",
            constraint=django.contrib.postgres.constraints.ExclusionConstraint(
                expressions=[
                    ("resource", "="),
                    ("product", "="),
                    ("size_slug", "="),
                    (
                        billing.models.TsTzRange(
                            "started_at",
                            "ended_at",
                            django.contrib.postgres.fields.ranges.RangeBoundary(),
                        ),
                        "&&",
                    ),
                ],
                name="billing_usage_segments_no_overlap",
            ),
        ),
        migrations.AddConstraint(
            model_name="usagesegment",
            constraint=models.CheckConstraint(
                condition=models.Q(("quantity__gt", 0)), name="billing_usage_segments_quantity"
            ),
        ),
        migrations.AddField(
            model_name="invoiceline",
            name="product",
            field=models.CharField(default="droplet", max_length=32),
        ),
        migrations.AddField(
            model_name="invoiceline",
            name="description",
            field=models.CharField(blank=True, default="", max_length=255),
        ),
        migrations.AddField(
            model_name="invoiceline",
            name="unit",
            field=models.CharField(default="hours", help_text="hours or GiB-months", max_length=16),
        ),
        migrations.AddField(
            model_name="invoiceline",
            name="unit_price",
            field=models.DecimalField(
                decimal_places=10,
                default=0,
                help_text="Per hour (hours) or per GiB and month (GiB-months).",
                max_digits=20,
            ),
        ),
        migrations.AlterField(
            model_name="invoiceline",
            name="quantity",
            field=models.DecimalField(
                decimal_places=6, help_text="Billed, in `unit`.", max_digits=18
            ),
        ),
        migrations.RemoveConstraint(model_name="invoiceline", name="billing_invoice_lines_unique"),
        migrations.AddConstraint(
            model_name="invoiceline",
            constraint=models.UniqueConstraint(
                fields=("invoice", "resource", "product", "size_slug", "description"),
                name="billing_invoice_lines_unique",
            ),
        ),
    ]
