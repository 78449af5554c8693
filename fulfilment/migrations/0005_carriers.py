from django.db import migrations, models


def seed(apps, schema_editor):
    from fulfilment.carriers import carriers_seed

    carriers_seed(apps.get_model("fulfilment", "Carrier"))


class Migration(migrations.Migration):
    dependencies = [
        ("fulfilment", "0004_indexes_that_new_rows_do_not_need"),
    ]

    operations = [
        migrations.CreateModel(
            name="Carrier",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(max_length=60, unique=True)),
                (
                    "code",
                    models.SlugField(
                        help_text="A short code for imports and the API", max_length=30, unique=True
                    ),
                ),
                (
                    "tracking_url_template",
                    models.CharField(
                        blank=True,
                        help_text="The carrier's tracking page with {tracking} where the number goes; empty: no link",
                        max_length=300,
                    ),
                ),
                ("active", models.BooleanField(default=True, help_text="Offered when recording a shipment")),
            ],
            options={
                "ordering": ["name"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("tracking_url_template", ""))
                        | models.Q(
                            ("tracking_url_template__contains", "{tracking}"),
                            ("tracking_url_template__startswith", "https://"),
                        ),
                        name="carrier_tracking_url_has_placeholder",
                    )
                ],
            },
        ),
        migrations.RunPython(seed, migrations.RunPython.noop),
    ]
