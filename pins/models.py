import uuid

from django.conf import settings
from django.db import models


class Pin(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # One pin per message: the OneToOne's unique index is the constraint.
    message = models.OneToOneField("chats.Message", on_delete=models.CASCADE, related_name="pin")
    thread = models.ForeignKey("threads.Thread", on_delete=models.CASCADE, related_name="pins")
    pinned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        permissions = [("moderate_pin", "Can unpin messages (admin)")]
        indexes = [models.Index(fields=["thread", "-created_at"], name="pin_thread_recent")]

    def __str__(self) -> str:
        return f"Pin of {self.message_id}"
