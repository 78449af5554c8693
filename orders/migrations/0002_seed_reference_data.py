"""One built-in status per stage (SPEC 2.1), the manual and csv channels, a default warehouse."""

from django.db import migrations

from orders.reference_data import ensure_reference_data


def seed(apps, schema_editor):
    ensure_reference_data(apps)


class Migration(migrations.Migration):
    dependencies = [("orders", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
