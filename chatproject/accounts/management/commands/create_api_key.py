from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from chatproject.accounts.services import api_key_create
from threads.models import Workspace


class Command(BaseCommand):
    help = "Create a Support API key for a workspace and print it (it is shown only once)."

    def add_arguments(self, parser):
        parser.add_argument("workspace", help="Workspace slug or id")
        parser.add_argument("--name", default="", help="A label to recognise the key by")

    def handle(self, *args, workspace, name, **options):
        found = Workspace.objects.filter(slug=workspace).first()
        if found is None:
            try:
                found = Workspace.objects.filter(pk=workspace).first()
            except (ValueError, ValidationError):
                found = None
        if found is None:
            raise CommandError(f"No workspace {workspace!r}.")
        _, raw = api_key_create(workspace=found, name=name or "command line")
        self.stdout.write(raw)
