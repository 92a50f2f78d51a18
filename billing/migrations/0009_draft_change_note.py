# One column: the note a draft's change carries (a back-dated tenant assignment).

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0008_reconciliation_by_product"),
    ]

    operations = [
        migrations.AddField(
            model_name="draftchange",
            name="note",
            field=models.TextField(blank=True, default=""),
        ),
    ]
