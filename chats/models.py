"""Messages and their attachments.

Removal is soft: a removed message disappears from every API and page but stays for
moderators, who can restore it.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class Message(models.Model):
    class Role(models.TextChoices):
        USER = "user", "User"
        ASSISTANT = "assistant", "Assistant"
        AGENT = "agent", "Agent"
        SYSTEM = "system", "System"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    thread = models.ForeignKey("threads.Thread", on_delete=models.CASCADE, related_name="messages")
    # PROTECT: a user with chat history is deactivated, never deleted (admin: "Deactivate").
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="messages",
    )
    author_external = models.ForeignKey(
        "threads.ExternalUser",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="messages",
    )
    # A support chat's assistant messages are written as its responder (Support API).
    author_responder = models.ForeignKey(
        "threads.Responder",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="messages",
    )
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.USER)
    text = models.TextField(blank=True)
    reply_to = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="replies"
    )
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)
    is_removed = models.BooleanField(default=False)
    removed_at = models.DateTimeField(null=True, blank=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Lets a client retry a send (e.g. over a flaky socket) without posting twice.
    client_id = models.CharField(max_length=64, null=True, blank=True)

    class Meta:
        permissions = [("moderate_message", "Can remove, restore and pin messages (admin)")]
        constraints = [
            models.UniqueConstraint(
                fields=["author", "client_id"],
                condition=Q(client_id__isnull=False),
                name="one_message_per_client_id",
            )
        ]
        indexes = [
            # History paging (all surfaces): visible messages of a thread by time, id.
            models.Index(
                fields=["thread", "is_removed", "created_at", "id"], name="msg_thread_time"
            ),
            # Last/penultimate message previews and unread counts.
            models.Index(fields=["thread", "-created_at"], name="msg_thread_recent"),
            models.Index(fields=["author", "-created_at"], name="msg_author_recent"),
        ]

    def __str__(self) -> str:
        return (self.text[:60] or "(attachment)") + ("" if not self.is_removed else " [removed]")


def attachment_path(instance: "Attachment", filename: str) -> str:
    # The stored name is random: the user's file name is data, never a path.
    return f"attachments/{instance.id.hex[:2]}/{instance.id.hex}"


def thumbnail_path(instance: "Attachment", filename: str) -> str:
    # The extension is ours (``.jpg``/``.png``, chosen by the service): it tells the
    # serving view the thumbnail's type.
    extension = filename.rsplit(".", 1)[-1] if "." in filename else "png"
    return f"thumbnails/{instance.id.hex[:2]}/{instance.id.hex}.{extension}"


class Attachment(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    message = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.CASCADE, related_name="attachments"
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(upload_to=attachment_path, max_length=200)
    name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    # A small copy of an image (``CHAT_THUMBNAIL_MAX_PX`` on its longer side), made once at
    # upload so lists of images never ship the originals; empty for other files.
    thumbnail = models.FileField(upload_to=thumbnail_path, max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["uploaded_by", "-created_at"], name="attachment_uploader")]

    def __str__(self) -> str:
        return self.name

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


class SendKey(models.Model):
    """An ``Idempotency-Key`` a caller sent with a REST message send, and its first answer.

    Unique per (caller, key): the row is inserted before the message in the same
    transaction, so a concurrent duplicate waits on the unique index (PostgreSQL) or the
    write lock (SQLite) and then finds this row. Rows older than
    ``CHAT_IDEMPOTENCY_TTL_S`` no longer count and are replaced on reuse.
    """

    # Who sent it: ``user:<id>`` (user and session tokens) or ``workspace:<id>`` (a
    # Support API key speaks for its workspace).
    caller = models.CharField(max_length=80)
    key = models.CharField(max_length=255)
    # sha256 of the surface, the path and the parsed body: same key, other request -> 409.
    fingerprint = models.CharField(max_length=64)
    message = models.ForeignKey(Message, null=True, on_delete=models.SET_NULL, related_name="+")
    # The surface's rendered answer as JSON text, returned as it was to every retry (text,
    # not ``JSONField``: PostgreSQL's jsonb would reorder the keys).
    answer = models.TextField(null=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["caller", "key"], name="one_send_per_idempotency_key")
        ]
        indexes = [models.Index(fields=["created_at"], name="sendkey_created")]

    def __str__(self) -> str:
        return self.key
