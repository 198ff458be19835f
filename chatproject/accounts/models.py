"""Users and the credentials the API surfaces accept.

Secrets are never stored: a token or key is shown once and kept as its SHA-256 digest
(they are 256-bit random strings, so a fast digest is enough; a slow password hash
would only make every request slower).
"""

import uuid

from django.contrib.auth.models import AbstractUser
from django.db import models


class SuperIdentity(models.Model):
    """One id space for everyone who can own or answer a support chat (seed 003).

    The Support API's ``ownerId`` and ``responderId`` are super identity ids: a platform
    user, a customer (``threads.ExternalUser``) and a responder (``threads.Responder``, an
    agent or a squad) each point to exactly one row here, and ``kind`` says which table
    holds the row that points back, so an id resolves without guessing. Rows are made by
    the ``save()`` of the model that owns them (``HasSuperIdentity``) and never change.
    """

    class Kind(models.TextChoices):
        USER = "user", "Platform user"
        EXTERNAL_USER = "external_user", "External user (customer)"
        RESPONDER = "responder", "Responder (agent or squad)"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=20, choices=Kind.choices, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "super identities"

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.id}"


class HasSuperIdentity(models.Model):
    """A model whose every row points to its own ``SuperIdentity`` (field ``super_identity``).

    The identity is created on the first save, whatever saves it (a service, the admin, a
    factory, ``createsuperuser``), so the invariant "every user, customer and responder has
    an identity" holds without each caller remembering it. ``bulk_create`` skips ``save()``:
    callers that bulk-create such rows make the identities themselves.
    """

    SUPER_IDENTITY_KIND: str

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.super_identity_id is None:
            self.super_identity = SuperIdentity.objects.create(kind=self.SUPER_IDENTITY_KIND)
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = [*kwargs["update_fields"], "super_identity"]
        super().save(*args, **kwargs)


class User(HasSuperIdentity, AbstractUser):
    # UUIDs on the wire (SPEC §2), so the primary key is one.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    display_name = models.CharField(max_length=150, blank=True)
    super_identity = models.OneToOneField(
        SuperIdentity,
        on_delete=models.PROTECT,
        related_name="user",
        editable=False,
    )

    SUPER_IDENTITY_KIND = SuperIdentity.Kind.USER

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"
        permissions = [("moderate_user", "Can deactivate and reactivate users (admin)")]

    def __str__(self) -> str:
        return self.username

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
        permissions = [("moderate_accesstoken", "Can revoke tokens (admin)")]
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
        permissions = [("moderate_apikey", "Can revoke API keys (admin)")]
        verbose_name = "API key"

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.workspace})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
