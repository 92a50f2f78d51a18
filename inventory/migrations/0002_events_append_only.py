"""The audit log is append-only in Postgres itself, not only in the code (DESIGN.md)."""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION cloud_resource_events_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'cloud_resource_events is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER cloud_resource_events_append_only
    BEFORE UPDATE OR DELETE ON cloud_resource_events
    FOR EACH ROW EXECUTE FUNCTION cloud_resource_events_refuse_change();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS cloud_resource_events_append_only ON cloud_resource_events;
DROP FUNCTION IF EXISTS cloud_resource_events_refuse_change();
"""


class Migration(migrations.Migration):
    dependencies = [("inventory", "0001_initial")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
