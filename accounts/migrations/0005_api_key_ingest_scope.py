from django.db import migrations, models


class Migration(migrations.Migration):
    """API keys may carry the `ingest` scope (activity events and heartbeats only)."""

    dependencies = [
        ("accounts", "0004_system_roles"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="apikey",
            name="api_keys_permissions_known",
        ),
        migrations.AddConstraint(
            model_name="apikey",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("permissions__regex", "^(read|write|ingest)(,(read|write|ingest))*$")
                ),
                name="api_keys_permissions_known",
            ),
        ),
    ]
