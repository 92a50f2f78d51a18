"""API tokens moved to django-rest-knox, which stores only a digest. DRF's authtoken table
held every token in clear: drop it, so an old database (and its dumps) keeps none. Users
get new tokens with `manage.py tenancy token USER`."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("tenants", "0001_initial"), ("knox", "0009_extend_authtoken_field")]

    operations = [
        migrations.RunSQL("DROP TABLE IF EXISTS authtoken_token", migrations.RunSQL.noop),
    ]
