from django.db import migrations, models


def forget_keys(apps, schema_editor):
    """Keys are a 24-hour memory of answers; starting afresh loses no message."""
    apps.get_model("chats", "SendKey").objects.all().delete()


class Migration(migrations.Migration):
    """A Support API key has no user: a key belongs to a caller (a user or a workspace)."""

    dependencies = [
        ("chats", "0006_hardening"),
    ]

    operations = [
        migrations.RunPython(forget_keys, migrations.RunPython.noop),
        migrations.RemoveConstraint(
            model_name="sendkey",
            name="one_send_per_idempotency_key",
        ),
        migrations.RemoveField(
            model_name="sendkey",
            name="user",
        ),
        migrations.AddField(
            model_name="sendkey",
            name="caller",
            field=models.CharField(default="", max_length=80),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name="sendkey",
            name="answer",
            field=models.TextField(null=True),
        ),
        migrations.AddConstraint(
            model_name="sendkey",
            constraint=models.UniqueConstraint(
                fields=("caller", "key"), name="one_send_per_idempotency_key"
            ),
        ),
    ]
