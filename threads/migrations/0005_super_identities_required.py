import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_superidentity_user_super_identity"),
        ("threads", "0004_super_identities_and_default_responders"),
    ]

    operations = [
        migrations.AlterField(
            model_name="externaluser",
            name="super_identity",
            field=models.OneToOneField(
                editable=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="external_user",
                to="accounts.superidentity",
            ),
        ),
        migrations.AlterField(
            model_name="responder",
            name="super_identity",
            field=models.OneToOneField(
                editable=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="responder",
                to="accounts.superidentity",
            ),
        ),
    ]
