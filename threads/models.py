"""Workspaces, threads, their members, the support desk's entities, and the event log.

Every thread kind of the four APIs is one ``Thread`` row: the surfaces differ in how they
name and show it, not in what it is.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Coalesce

from chatproject.accounts.models import HasSuperIdentity, SuperIdentity


class Workspace(models.Model):
    """The tenant: users, threads and API keys belong to one."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=100, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Answers a support chat when neither the request nor its channel names a responder.
    # Null only until ``threads.services.workspace_default_responder`` first runs (the
    # workspace and its responder point at each other, so one of them is made first).
    default_responder = models.ForeignKey(
        "Responder", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self) -> str:
        return self.name


class WorkspaceMember(models.Model):
    class Role(models.TextChoices):
        ADMIN = "admin", "Admin"
        AGENT = "agent", "Support agent"
        MEMBER = "member", "Member"

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="workspace_memberships"
    )
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "user"], name="one_workspace_membership")
        ]
        indexes = [models.Index(fields=["user", "workspace"])]

    def __str__(self) -> str:
        return f"{self.user} in {self.workspace} ({self.role})"


class Channel(models.Model):
    """Where a support chat comes from (seed 003 ``channelType``)."""

    class Type(models.TextChoices):
        WIDGET = "widget", "Widget"
        WAHA = "waha", "WAHA"
        WHATSAPP = "whatsapp", "WhatsApp"
        INSTAGRAM = "instagram", "Instagram"
        API = "api", "API"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="channels")
    name = models.CharField(max_length=200)
    type = models.CharField(max_length=20, choices=Type.choices)
    # Answers the channel's new chats unless the request names one (else the workspace's).
    responder = models.ForeignKey(
        "Responder", null=True, blank=True, on_delete=models.SET_NULL, related_name="channels"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [
            models.Index(fields=["workspace", "type"]),
            models.Index(fields=["workspace", "-created_at"], name="channel_ws_created"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.type})"


class ExternalUser(HasSuperIdentity, models.Model):
    """A customer who writes in through a channel; not a platform user."""

    SUPER_IDENTITY_KIND = SuperIdentity.Kind.EXTERNAL_USER

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    super_identity = models.OneToOneField(
        SuperIdentity,
        on_delete=models.PROTECT,
        related_name="external_user",
        editable=False,
    )
    workspace = models.ForeignKey(
        Workspace, on_delete=models.CASCADE, related_name="external_users"
    )
    identifier = models.CharField(max_length=255, help_text="Phone number, handle or e-mail.")
    name = models.CharField(max_length=200, blank=True)
    email = models.EmailField(blank=True)
    is_blocked = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        permissions = [("moderate_externaluser", "Can block and unblock customers (admin)")]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "identifier"], name="one_external_user_per_identifier"
            )
        ]
        indexes = [models.Index(fields=["workspace", "-created_at"], name="extuser_ws_created")]

    def __str__(self) -> str:
        return self.name or self.identifier


class Responder(HasSuperIdentity, models.Model):
    """Who answers support chats: an agent or a squad (seed 003 ``responderEntity``).

    On the Support API a responder is known by its super identity id (``responderId``).
    """

    SUPER_IDENTITY_KIND = SuperIdentity.Kind.RESPONDER

    class Entity(models.TextChoices):
        AGENT = "agent", "Agent"
        SQUAD = "squad", "Squad"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    super_identity = models.OneToOneField(
        SuperIdentity,
        on_delete=models.PROTECT,
        related_name="responder",
        editable=False,
    )
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="responders")
    entity = models.CharField(max_length=10, choices=Entity.choices)
    name = models.CharField(max_length=200)
    picture = models.URLField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["workspace", "-created_at"], name="responder_ws_created")]

    def __str__(self) -> str:
        return f"{self.name} ({self.entity})"


class ResponderVersion(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    responder = models.ForeignKey(Responder, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["responder", "number"], name="one_responder_version_number"
            )
        ]

    def __str__(self) -> str:
        return f"{self.responder.name} v{self.number}"


class Ticket(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "Open"
        PENDING = "pending", "Pending"
        RESOLVED = "resolved", "Resolved"
        CLOSED = "closed", "Closed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="tickets")
    subject = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.subject or self.id} ({self.status})"


class Thread(models.Model):
    class Kind(models.TextChoices):
        DIRECT = "direct", "Direct (personal)"
        GROUP = "group", "Group (project)"
        CUSTOM = "custom", "Custom"
        SESSION = "session", "Live session"
        SUPPORT = "support", "Support chat"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # PROTECT: a workspace with threads is never deleted with its chat history.
    workspace = models.ForeignKey(Workspace, on_delete=models.PROTECT, related_name="threads")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    title = models.CharField(max_length=200, blank=True)
    project_ref = models.CharField(
        max_length=100, blank=True, help_text="Project id of a group thread (seed 002 ``group``)."
    )
    # "<smaller user id>:<larger user id>" for direct threads; the unique constraint
    # below is what makes "one personal thread per pair" hold under concurrency.
    direct_key = models.CharField(max_length=80, null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    last_message_at = models.DateTimeField(null=True, blank=True)
    is_removed = models.BooleanField(default=False)
    removed_at = models.DateTimeField(null=True, blank=True)
    # Last per-thread event sequence number; bumped under the row lock by events.record.
    event_seq = models.PositiveBigIntegerField(default=0, editable=False)
    # Bumped with event_seq by every event that changes what the thread's history shows
    # (messages, their files and reactions; not read marks or membership): the version
    # the latest-page cache of ``chats.selectors.thread_message_page`` is keyed by.
    history_seq = models.PositiveBigIntegerField(default=0, editable=False)

    # Support chats (seed 003).
    channel = models.ForeignKey(
        Channel, null=True, blank=True, on_delete=models.SET_NULL, related_name="threads"
    )
    # The owner is a customer (``owner``) or, rarely, a platform user (``owner_user``);
    # exactly one is set on a support chat. On the wire both are the owner's super identity.
    # RESTRICT: a chat's owner and responder are required on the Support API (seed 003), so
    # one that has chats is not deleted from under them (nothing is hard-deleted); deleting
    # the whole workspace still cascades.
    owner = models.ForeignKey(
        ExternalUser, null=True, blank=True, on_delete=models.RESTRICT, related_name="threads"
    )
    owner_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.RESTRICT,
        related_name="owned_support_chats",
    )
    responder = models.ForeignKey(
        Responder, null=True, blank=True, on_delete=models.RESTRICT, related_name="threads"
    )
    current_responder = models.ForeignKey(
        Responder, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    responder_version = models.ForeignKey(
        ResponderVersion, null=True, blank=True, on_delete=models.SET_NULL, related_name="threads"
    )
    ticket = models.ForeignKey(
        Ticket, null=True, blank=True, on_delete=models.SET_NULL, related_name="threads"
    )

    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="Membership", related_name="chat_threads"
    )

    class Meta:
        permissions = [("moderate_thread", "Can remove and restore chats (admin)")]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "direct_key"],
                condition=Q(kind="direct"),
                name="one_direct_thread_per_pair",
            ),
            models.UniqueConstraint(
                fields=["workspace", "project_ref"],
                condition=Q(kind="group"),
                name="one_group_thread_per_project",
            ),
            models.CheckConstraint(
                name="direct_thread_has_key",
                condition=~Q(kind="direct") | Q(direct_key__isnull=False),
            ),
        ]
        indexes = [
            # Support API filters and sorts (seed 003), all scoped to a workspace.
            models.Index(
                fields=["workspace", "kind", "-created_at"], name="thread_ws_kind_created"
            ),
            models.Index(
                fields=["workspace", "kind", "last_message_at"], name="thread_ws_kind_lastmsg"
            ),
            models.Index(fields=["workspace", "channel"], name="thread_ws_channel"),
            models.Index(fields=["workspace", "owner"], name="thread_ws_owner"),
            models.Index(fields=["workspace", "responder"], name="thread_ws_responder"),
            models.Index(fields=["workspace", "responder_version"], name="thread_ws_resp_version"),
            models.Index(fields=["workspace", "owner_user"], name="thread_ws_owner_user"),
            # Support chat lists: newest activity first (``support_chat_list``'s order).
            models.Index(
                F("workspace"),
                F("kind"),
                Coalesce("last_message_at", "created_at").desc(),
                F("id").desc(),
                name="thread_ws_kind_activity",
            ),
            # Team/Messenger thread lists: newest activity first.
            models.Index(fields=["-last_message_at", "-created_at"], name="thread_activity"),
        ]

    def __str__(self) -> str:
        return self.title or f"{self.get_kind_display()} {self.id}"


class Membership(models.Model):
    class Role(models.TextChoices):
        HOST = "host", "Host"
        ADMIN = "admin", "Admin"
        MEMBER = "member", "Member"

    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="thread_memberships"
    )
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    joined_at = models.DateTimeField(auto_now_add=True)
    # Drives unread counts (seed 002 ``access``/``newActivityCount``): the ``created_at`` of the
    # newest message read (not the time of reading); null = never read.
    last_read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        permissions = [("moderate_membership", "Can remove members from threads (admin)")]
        constraints = [
            models.UniqueConstraint(fields=["thread", "user"], name="one_membership_per_thread")
        ]
        indexes = [models.Index(fields=["user", "thread"], name="membership_user_thread")]

    def __str__(self) -> str:
        return f"{self.user} in {self.thread_id} ({self.role})"

    @property
    def is_moderator(self) -> bool:
        return self.role in {self.Role.HOST, self.Role.ADMIN}


class SessionRemoval(models.Model):
    """A member a host removed from a live session. Joining is open to the workspace, so
    without this record a removed member would simply join again; only a host re-adding
    them (``membership_add``) lifts it."""

    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="removals")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="session_removals"
    )
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        permissions = [("moderate_sessionremoval", "Can let removed members rejoin (admin)")]
        constraints = [
            models.UniqueConstraint(fields=["thread", "user"], name="one_removal_per_session")
        ]

    def __str__(self) -> str:
        return f"{self.user} removed from {self.thread_id}"


class Event(models.Model):
    """One change a subscriber may see, written in the same transaction as the change.

    Live delivery and replay after reconnect both read from here: the channel layer is
    only the doorbell.
    """

    id = models.BigAutoField(primary_key=True)
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="events")
    seq = models.PositiveBigIntegerField()
    type = models.CharField(max_length=40)
    payload = models.JSONField(default=dict)
    # Set for events meant for one user only (``read.updated``).
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["thread", "seq"], name="one_event_per_seq")]
        indexes = [models.Index(fields=["created_at"], name="event_created")]

    def __str__(self) -> str:
        return f"#{self.id} {self.type} ({self.thread_id}:{self.seq})"
