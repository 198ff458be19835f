"""``manage.py clearsendkeys``: forget expired Idempotency-Keys (run it daily from cron)."""

from django.core.management.base import BaseCommand

from chats.services import send_keys_clear_expired


class Command(BaseCommand):
    help = "Delete Idempotency-Key records older than CHAT_IDEMPOTENCY_TTL_S (24 h)."

    def handle(self, *args, **options):
        deleted = send_keys_clear_expired()
        self.stdout.write(f"Deleted {deleted} expired Idempotency-Key record(s).")
