"""The "Moderators" group: exactly the permissions the admin's moderation actions declare,
and the view permissions to reach them. Staff put in this group can moderate (remove and
restore messages and chats, pin, remove reactions and members, block customers, revoke
tokens and API keys, deactivate users) and change nothing else."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP = "Moderators"

# (app label, model, actions): each model's moderate_<model> permission and its view one.
MODERATED = [
    ("accounts", "user"),
    ("accounts", "accesstoken"),
    ("accounts", "apikey"),
    ("threads", "thread"),
    ("threads", "membership"),
    ("threads", "externaluser"),
    ("threads", "sessionremoval"),
    ("chats", "message"),
    ("reactions", "reaction"),
    ("pins", "pin"),
]


def codenames():
    for app_label, model in MODERATED:
        yield app_label, f"moderate_{model}"
        yield app_label, f"view_{model}"


def create_group(apps, schema_editor):
    # Permissions are normally made after migrate (post_migrate); make them now so the group
    # can hold them on a fresh database.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=GROUP)
    wanted = [
        Permission.objects.get(content_type__app_label=app_label, codename=codename)
        for app_label, codename in codenames()
    ]
    group.permissions.set(wanted)


def remove_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_hardening"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("chats", "0006_hardening"),
        ("pins", "0002_hardening"),
        ("reactions", "0002_hardening"),
        ("threads", "0008_hardening"),
    ]

    operations = [migrations.RunPython(create_group, remove_group)]
