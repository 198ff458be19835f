"""``python manage.py create_workspace <slug> [--name NAME]``: a new tenant, printed by id.

The workspace comes with its default responder, so a Support API key made for it next
(``create_api_key <slug>``) can create chats at once.
"""

from django.core.management.base import BaseCommand, CommandError

from chatproject.actors import SYSTEM
from chatproject.errors import DomainError
from threads.services import workspace_create


class Command(BaseCommand):
    help = "Create a workspace (and its default responder) and print its id."

    def add_arguments(self, parser):
        parser.add_argument("slug", help="Short unique name: letters, digits, - and _")
        parser.add_argument("--name", default="", help="Display name (default: the slug)")

    def handle(self, *args, slug, name, **options):
        try:
            workspace = workspace_create(slug=slug, name=name, actor=SYSTEM)
        except DomainError as error:
            raise CommandError(f"{error.field or 'workspace'}: {error.detail}") from None
        self.stdout.write(str(workspace.id))
