# The model moves here from webhooks with its table (renamed by webhooks.0005) and rows.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_user_projects_synced_at"),
        ("webhooks", "0005_servicetoken_moves_to_accounts"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="ServiceToken",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("client_id", models.CharField(max_length=200, unique=True)),
                        ("access_token_encrypted", models.TextField()),
                        ("expires_at", models.DateTimeField()),
                        ("updated_at", models.DateTimeField(auto_now=True)),
                    ],
                ),
            ],
        ),
    ]
