"""The generation of the small tables every request reads (config/reference_cache.py): one row that any change to
them sets to a new value, in the changing transaction, so that each process may keep them until it
changes."""

from django.db import migrations

# Statuses, channels, warehouses, hold and ship-by rules; and what a user's permissions are made of.
TABLES = (
    "orders_status", "orders_channel", "orders_warehouse", "orders_holdrule", "orders_shipbyrule",
    "auth_permission", "auth_group", "auth_group_permissions", "django_content_type",
    "accounts_user_groups", "accounts_user_user_permissions",
)  # fmt: skip

CREATE = """
CREATE SEQUENCE packline_reference_generation_seq;
CREATE TABLE packline_reference_generation (
    one boolean PRIMARY KEY DEFAULT true CHECK (one),
    value bigint NOT NULL
);
INSERT INTO packline_reference_generation (value) VALUES (nextval('packline_reference_generation_seq'));
CREATE FUNCTION packline_reference_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- A new value, never given before: not even one a rolled-back transaction saw.
    UPDATE packline_reference_generation SET value = nextval('packline_reference_generation_seq');
    RETURN NULL;
END $$;
"""

TRIGGER = """
CREATE TRIGGER {table}_reference_changed
AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table}
FOR EACH STATEMENT EXECUTE FUNCTION packline_reference_changed();
"""

DROP = """
DROP FUNCTION packline_reference_changed() CASCADE;
DROP TABLE packline_reference_generation;
DROP SEQUENCE packline_reference_generation_seq;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0020_order_activity"),
        ("accounts", "0005_passkey_events"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunSQL(CREATE + "".join(TRIGGER.format(table=table) for table in TABLES), DROP),
    ]
