# The order list's chosen columns per user (issue 19). Numbered 0003 beside another branch's 0002:
# the merge adds a merge migration.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_api_tokens"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="list_preferences",
            field=models.JSONField(blank=True, default=dict),
        ),
    ]
