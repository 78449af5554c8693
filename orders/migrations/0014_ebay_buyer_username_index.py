"""eBay's account deletion finds a buyer's orders by eBay user name, whatever its case. Built
concurrently: at a million orders a plain CREATE INDEX would hold up every order write meanwhile."""

import django.db.models.fields.json
import django.db.models.functions.text
from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("orders", "0013_order_ship_by"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="order",
            index=models.Index(
                django.db.models.functions.text.Lower(
                    django.db.models.fields.json.KeyTextTransform("ebay_buyer", "attributes")
                ),
                condition=models.Q(("attributes__has_key", "ebay_buyer")),
                name="order_ebay_buyer",
            ),
        ),
    ]
