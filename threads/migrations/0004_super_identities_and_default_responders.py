"""Give every existing user, customer and responder its super identity, and every
workspace its default responder, before the identities become required."""

from django.db import migrations


def forwards(apps, schema_editor):
    SuperIdentity = apps.get_model("accounts", "SuperIdentity")
    User = apps.get_model("accounts", "User")
    ExternalUser = apps.get_model("threads", "ExternalUser")
    Responder = apps.get_model("threads", "Responder")
    Workspace = apps.get_model("threads", "Workspace")
    for model, kind in ((User, "user"), (ExternalUser, "external_user"), (Responder, "responder")):
        for row in model.objects.filter(super_identity__isnull=True).iterator():
            row.super_identity = SuperIdentity.objects.create(kind=kind)
            row.save(update_fields=["super_identity"])
    for workspace in Workspace.objects.filter(default_responder__isnull=True):
        responder = Responder.objects.create(
            workspace=workspace,
            entity="agent",
            name="Assistant",
            super_identity=SuperIdentity.objects.create(kind="responder"),
        )
        workspace.default_responder = responder
        workspace.save(update_fields=["default_responder"])


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_superidentity_user_super_identity"),
        ("threads", "0003_support_directory"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
