"""Users and the credentials the API surfaces accept.

Secrets are never stored: a token or key is shown once and kept as its SHA-256 digest
(they are 256-bit random strings, so a fast digest is enough; a slow password hash
would only make every request slower).
"""

import uuid

from django.contrib.auth.models import AbstractUser
from django.db import models


class User(AbstractUser):
    # UUIDs on the wire (SPEC §2), so the primary key is one.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    display_name = models.CharField(max_length=150, blank=True)

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"

    @property
    def name(self) -> str:
        return self.display_name or self.get_full_name() or self.username


class AccessToken(models.Model):
    """A bearer token for one user; a *session* token is further bound to one session thread."""

    class Kind(models.TextChoices):
        USER = "user", "User token"
        SESSION = "session", "Session token"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="access_tokens")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.USER)
    thread = models.ForeignKey(
        "threads.Thread",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="session_tokens",
        help_text="The session a session token is valid for.",
    )
    name = models.CharField(max_length=100, blank=True)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(max_length=16, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "kind"])]
        constraints = [
            models.CheckConstraint(
                name="session_token_has_thread",
                condition=models.Q(kind="user", thread__isnull=True)
                | models.Q(kind="session", thread__isnull=False),
            )
        ]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.kind}, {self.user})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class ApiKey(models.Model):
    """A workspace's key for the Support API; everything it reaches is scoped to the workspace."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    workspace = models.ForeignKey(
        "threads.Workspace", on_delete=models.CASCADE, related_name="api_keys"
    )
    name = models.CharField(max_length=100, blank=True)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(max_length=16, editable=False)
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "API key"

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.workspace})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
