import uuid

from django.conf import settings
from django.db import models

THUMBS_UP = ":thumbsup:"
THUMBS_DOWN = ":thumbsdown:"
# Seed 000's prose spells them with underscores; both spellings mean the same reaction.
ALIASES = {":thumbs_up:": THUMBS_UP, ":thumbs_down:": THUMBS_DOWN}


class Reaction(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    message = models.ForeignKey("chats.Message", on_delete=models.CASCADE, related_name="reactions")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reactions"
    )
    name = models.CharField(max_length=64, help_text="Shortcode, e.g. :thumbsup:")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        permissions = [("moderate_reaction", "Can remove reactions (admin)")]
        constraints = [
            models.UniqueConstraint(
                fields=["message", "user", "name"], name="one_reaction_per_user_and_name"
            )
        ]
        # Sorting a session's messages by a reaction's count groups by (message, name).
        indexes = [models.Index(fields=["message", "name"], name="reaction_message_name")]

    def __str__(self) -> str:
        return f"{self.name} by {self.user_id} on {self.message_id}"
