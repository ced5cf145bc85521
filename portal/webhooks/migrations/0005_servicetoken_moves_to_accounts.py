# The service account's token belongs to accounts (portal.accounts.service uses it); the table
# is renamed and its rows kept, and accounts.0003 takes the model over.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("webhooks", "0004_partial_indexes_raw_body"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.AlterModelTable(name="servicetoken", table="accounts_servicetoken")],
            state_operations=[migrations.DeleteModel(name="ServiceToken")],
        ),
    ]
