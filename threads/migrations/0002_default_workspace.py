"""A default workspace exists after ``migrate``, so a fresh install is usable at once."""

from django.db import migrations


def create_default_workspace(apps, schema_editor):
    Workspace = apps.get_model("threads", "Workspace")
    Workspace.objects.get_or_create(slug="default", defaults={"name": "Default workspace"})


class Migration(migrations.Migration):
    dependencies = [("threads", "0001_initial")]

    operations = [migrations.RunPython(create_default_workspace, migrations.RunPython.noop)]
