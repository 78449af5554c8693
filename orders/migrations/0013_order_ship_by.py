from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0012_shop_line_ids_and_hold_reasons"),
    ]

    operations = [
        migrations.AddField(
            model_name="order",
            name="ship_by",
            field=models.DateTimeField(blank=True, null=True),
        ),
    ]
