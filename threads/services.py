"""Every write to threads and memberships. Each function is one transaction that also
records the event announcing it (``threads.events``), so the change and its event commit
together.

Every function that checks what its caller may do takes that caller as the required
keyword ``actor`` (``chatproject.actors``): a user, whose permissions are checked, or
``SYSTEM``, a trusted caller that has already scoped the request itself (the admin,
management commands and demo data, a workspace API key whose workspace the surface has
checked). Validation applies to both. Errors name fields in domain terms (``title``,
``project_ref``, ``owner``...); each surface maps them to its wire names.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any, NoReturn, Protocol

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email, validate_slug
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from chatproject.accounts import access
from chatproject.accounts import services as accounts
from chatproject.actors import SYSTEM, Actor, recorded_user
from chatproject.errors import Conflict, Id, InvalidInput, NotFound, PermissionDenied
from chatproject.text import clean_text
from threads import events, selectors
from threads.models import (
    Channel,
    ExternalUser,
    Membership,
    Responder,
    ResponderVersion,
    SessionRemoval,
    Thread,
    Ticket,
    Workspace,
    WorkspaceMember,
)

if TYPE_CHECKING:
    from chatproject.accounts.models import User

TITLE_MAX_LENGTH: int = Thread._meta.get_field("title").max_length or 0
PROJECT_REF_MAX_LENGTH: int = Thread._meta.get_field("project_ref").max_length or 0


def thread_lock(thread_id: Id) -> Thread:
    """Lock a thread's row for the rest of the transaction.

    Every write that touches a thread takes this lock first, so writes to one thread
    serialize in one order (no deadlocks) and checks made under it stay true until commit.
    """
    return selectors.thread_locked(thread_id)


def thread_lock_as(thread_id: Id, *, user: User) -> tuple[Thread, bool]:
    """``thread_lock``, and whether ``user`` may see the thread under the lock, in one
    statement (``threads.selectors.thread_locked_as``)."""
    return selectors.thread_locked_as(user=user, thread_id=thread_id)


def direct_key(user_a: User, user_b: User) -> str:
    return ":".join(sorted([str(user_a.pk), str(user_b.pk)]))


def _clean_title(title: str | None, *, required: bool = False) -> str:
    title = clean_text(title, field="title")
    if required and not title:
        raise InvalidInput("A name is required.", field="title")
    if len(title) > TITLE_MAX_LENGTH:
        raise InvalidInput(f"At most {TITLE_MAX_LENGTH} characters.", field="title")
    return title


def _check_workspace_users(workspace: Workspace, users: Iterable[User]) -> list[User]:
    unique = list({u.pk: u for u in users}.values())
    known = selectors.workspace_user_ids(workspace_id=workspace.pk, user_ids=[u.pk for u in unique])
    if len(known) != len(unique):
        raise InvalidInput("Every user must belong to the workspace.", field="users")
    return unique


def _create(
    *,
    workspace: Workspace,
    kind: str,
    creator: User | None,
    members: Mapping[User, str],
    **fields: Any,
) -> Thread:
    """Create a thread with its members and announce it. ``members``: user -> role."""
    thread = Thread.objects.create(workspace=workspace, kind=kind, created_by=creator, **fields)
    Membership.objects.bulk_create(
        Membership(thread=thread, user=user, role=role) for user, role in members.items()
    )
    events.thread_changed(thread, "thread.created")
    return thread


@transaction.atomic
def direct_thread_get_or_create(
    *, workspace: Workspace, user: User, other: User
) -> tuple[Thread, bool]:
    """The one personal thread between two users, created on first use.

    Safe under concurrency: the partial unique constraint on ``direct_key`` lets exactly
    one of two racing creators insert; the other finds the winner's thread.
    """
    if user.pk == other.pk:
        raise InvalidInput("A personal thread needs another user.", field="to")
    _check_workspace_users(workspace, [user, other])
    key = direct_key(user, other)
    existing = Thread.objects.filter(workspace=workspace, kind=Thread.Kind.DIRECT, direct_key=key)
    thread = existing.first()
    if thread is not None:
        return thread, False
    try:
        with transaction.atomic():
            thread = _create(
                workspace=workspace,
                kind=Thread.Kind.DIRECT,
                creator=user,
                members={user: Membership.Role.MEMBER, other: Membership.Role.MEMBER},
                direct_key=key,
            )
    except IntegrityError:
        return existing.get(), False
    return thread, True


@transaction.atomic
def custom_thread_create(
    *, workspace: Workspace, creator: User, title: str | None, members: Iterable[User]
) -> Thread:
    """A private group among users, made by one of them (seed 002 ``custom``)."""
    title = _clean_title(title, required=True)
    users = _check_workspace_users(workspace, [creator, *members])
    roles = {u: Membership.Role.MEMBER for u in users}
    roles[creator] = Membership.Role.ADMIN
    return _create(
        workspace=workspace, kind=Thread.Kind.CUSTOM, creator=creator, members=roles, title=title
    )


@transaction.atomic
def group_thread_create(
    *,
    workspace: Workspace,
    actor: Actor,
    project_ref: str | None,
    title: str | None = "",
    members: Iterable[User] = (),
    creator: User | None = None,
) -> Thread:
    """The one thread of a project (seed 002 ``group``); the creator administers it.

    Only the workspace's admins (and site moderators) create project threads: anyone else
    gets ``PermissionDenied`` and nothing changes. The creator is the acting user; a
    ``SYSTEM`` caller names one.
    """
    if actor is not SYSTEM and not selectors.is_workspace_admin(
        user=actor, workspace_id=workspace.pk
    ):
        raise PermissionDenied("Only workspace admins may create project threads.")
    creator = recorded_user(actor, creator, field="creator")
    if creator is None:
        raise ValueError("A project thread needs a creator.")
    project_ref = clean_text(project_ref, field="project_ref")
    if not project_ref:
        raise InvalidInput("A project id is required.", field="project_ref")
    if len(project_ref) > PROJECT_REF_MAX_LENGTH:
        raise InvalidInput(f"At most {PROJECT_REF_MAX_LENGTH} characters.", field="project_ref")
    users = _check_workspace_users(workspace, [creator, *members])
    roles = {u: Membership.Role.MEMBER for u in users}
    roles[creator] = Membership.Role.ADMIN
    try:
        with transaction.atomic():
            return _create(
                workspace=workspace,
                kind=Thread.Kind.GROUP,
                creator=creator,
                members=roles,
                title=_clean_title(title),
                project_ref=project_ref,
            )
    except IntegrityError:
        raise InvalidInput(
            "That project already has a group thread.", field="project_ref"
        ) from None


@transaction.atomic
def session_create(*, workspace: Workspace, host: User, title: str | None) -> Thread:
    """A live session's chat; its creator is the host (seed 000)."""
    _check_workspace_users(workspace, [host])
    return _create(
        workspace=workspace,
        kind=Thread.Kind.SESSION,
        creator=host,
        members={host: Membership.Role.HOST},
        title=_clean_title(title, required=True),
    )


class _Unset:
    """Marks a keyword the caller left out (``None`` is a value some fields take)."""


_UNSET = _Unset()


@transaction.atomic
def thread_update(
    *,
    thread: Thread,
    actor: Actor,
    title: str | _Unset | None = _UNSET,
    last_message_at: datetime | _Unset | None = _UNSET,
) -> Thread:
    """Rename a thread or (support API) set its last message time; announces ``thread.updated``.

    Hosts and admins of the thread may; ``SYSTEM`` may, also on a removed thread.
    """
    thread = thread_lock(thread.pk)
    _require_live(thread, actor)
    if actor is not SYSTEM and not selectors.can_moderate_thread(thread=thread, user=actor):
        _deny(thread, actor, "Only a host or admin may change the thread.")
    changed = []
    if not isinstance(title, _Unset):
        thread.title = _clean_title(title)
        changed.append("title")
    if not isinstance(last_message_at, _Unset):
        thread.last_message_at = last_message_at
        changed.append("last_message_at")
    if changed:
        thread.save(update_fields=[*changed, "updated_at"])
        events.thread_changed(thread, "thread.updated")
    return thread


@transaction.atomic
def thread_remove(*, thread: Thread, actor: Actor) -> Thread:
    """Soft-remove a thread: hidden from every surface, kept for moderators, restorable.

    Hosts and admins of the thread may, and ``SYSTEM``; removing it twice is ``NotFound``.
    """
    thread = thread_lock(thread.pk)
    if actor is not SYSTEM and not selectors.can_moderate_thread(thread=thread, user=actor):
        _deny(thread, actor, "Only a host or admin may remove the thread.")
    if thread.is_removed:
        raise NotFound("Thread not found.")
    thread.is_removed = True
    thread.removed_at = timezone.now()
    thread.save(update_fields=["is_removed", "removed_at", "updated_at"])
    events.thread_changed(thread, "thread.removed")
    return thread


@transaction.atomic
def thread_restore(*, thread: Thread, actor: Actor) -> Thread:
    """Undo ``thread_remove``: ``SYSTEM`` only (moderators, through the admin). Every user,
    its host included, gets ``NotFound``: a removed thread is hidden from them."""
    thread = thread_lock(thread.pk)
    if actor is not SYSTEM:
        raise NotFound("Thread not found.")
    if not thread.is_removed:
        return thread
    thread.is_removed = False
    thread.removed_at = None
    thread.save(update_fields=["is_removed", "removed_at", "updated_at"])
    events.thread_changed(thread, "thread.updated")
    return thread


@transaction.atomic
def membership_add(
    *, thread: Thread, user: User, actor: Actor, role: str = Membership.Role.MEMBER
) -> Membership:
    """Add a member. Personal threads have fixed members; in custom threads any member may
    invite; elsewhere only hosts and admins (and ``SYSTEM``) may. Adding a member twice
    changes nothing."""
    thread = thread_lock(thread.pk)
    _require_live(thread, actor)
    if thread.kind == Thread.Kind.DIRECT:
        raise InvalidInput("A personal thread's members cannot change.", field="users")
    if actor is not SYSTEM:
        actor_membership = selectors.membership_get(thread=thread, user=actor)
        allowed = actor_membership is not None and (
            actor_membership.is_moderator
            or (thread.kind == Thread.Kind.CUSTOM and role == Membership.Role.MEMBER)
        )
        if not allowed:
            _deny(thread, actor, "You may not add members to this thread.")
    if role not in Membership.Role.values:
        raise InvalidInput("Unknown role.", field="role")
    _check_workspace_users(thread.workspace, [user])
    membership, created = Membership.objects.get_or_create(
        thread=thread, user=user, defaults={"role": role}
    )
    if thread.kind == Thread.Kind.SESSION:
        SessionRemoval.objects.filter(thread=thread, user=user).delete()  # a host re-adds
    if created:
        events.member_changed(membership, "member.added")
    return membership


@transaction.atomic
def membership_add_many(*, thread: Thread, users: Iterable[User], actor: Actor) -> list[Membership]:
    """Add several members at once: all of them or, if any may not join, none."""
    return [membership_add(thread=thread, user=user, actor=actor) for user in users]


@transaction.atomic
def membership_remove(*, thread: Thread, user: User, actor: Actor) -> None:
    """Remove a member; anyone may leave, hosts and admins (and ``SYSTEM``) remove others."""
    thread = thread_lock(thread.pk)
    _require_live(thread, actor)
    if thread.kind == Thread.Kind.DIRECT:
        raise InvalidInput("A personal thread's members cannot change.", field="users")
    membership = selectors.membership_get(thread=thread, user=user)
    if (
        actor is not SYSTEM
        and actor.pk != user.pk
        and not selectors.can_moderate_thread(thread=thread, user=actor)
    ):
        _deny(thread, actor, "Only a host or admin may remove members.")
    if membership is None:
        raise NotFound("Not a member of this thread.")
    # The event is recorded while the leaver is still a member, so it reaches them too.
    events.member_changed(membership, "member.removed")
    membership.delete()
    if thread.kind == Thread.Kind.SESSION:
        by_other = actor is SYSTEM or actor.pk != user.pk
        _session_member_gone(thread, user, by_other=by_other, actor=actor)


@transaction.atomic
def session_join(*, thread: Thread, actor: User) -> Membership:
    """Join a live session, as opening its link does: anyone in the session's workspace
    may, as a participant; a host stays host. Anything else is ``NotFound``. A member a
    host removed cannot join again (``PermissionDenied``) until a host re-adds them."""
    thread = thread_lock(thread.pk)
    if (
        thread.is_removed
        or thread.kind != Thread.Kind.SESSION
        or not selectors.workspace_user_ids(workspace_id=thread.workspace_id, user_ids=[actor.pk])
    ):
        raise NotFound("Session not found.")
    if SessionRemoval.objects.filter(thread=thread, user=actor).exists():
        raise PermissionDenied(
            "A host removed you from this session; only a host can add you back."
        )
    membership, created = Membership.objects.get_or_create(
        thread=thread, user=actor, defaults={"role": Membership.Role.MEMBER}
    )
    if created:
        events.member_changed(membership, "member.added")
    return membership


class Timed(Protocol):
    """Anything with the creation time of a message: a ``Message`` or a history row."""

    @property
    def created_at(self) -> datetime: ...


def thread_mark_read(
    *,
    thread: Thread,
    actor: User,
    up_to: Timed,
    known: selectors.ReadMark | None = None,
) -> Membership | None:
    """Move the reader's mark up to the message ``up_to`` they have just read.

    The mark is the ``created_at`` of the newest message read (never the clock), so it
    only moves when a newer message has really been read. Guarantees: the mark never moves
    back; reading what was already read writes nothing and announces nothing (one indexed
    SELECT, no lock, no transaction; none at all when the caller passes the mark it read
    with the thread as ``known``, from ``selectors.thread_get_for_reader``); a moved mark
    and its ``read.updated`` event (to the reader only) commit together. ``NotFound`` if
    the reader is not a member or the thread is removed. Returns the membership when the
    mark moved, else ``None``.
    """
    mark = up_to.created_at
    if known is None:
        row = (
            Membership.objects.filter(thread_id=thread.pk, user=actor)
            .values_list("pk", "last_read_at")
            .first()
        )
        if row is None:
            raise NotFound("Thread not found.")
        known = selectors.ReadMark(*row)
    if known.last_read_at is not None and known.last_read_at >= mark:
        return None  # the cheap path: most reads re-read what was already read
    # A stale ``known`` is harmless: the move is conditional on the row as it is now.
    return _move_read_mark(thread_id=thread.pk, membership_id=known.membership_id, mark=mark)


@transaction.atomic
def _move_read_mark(*, thread_id: Id, membership_id: int, mark: datetime) -> Membership | None:
    thread = thread_lock(thread_id)  # thread row first, like every other write: one lock order
    if thread.is_removed:
        raise NotFound("Thread not found.")
    # Conditional: a concurrent reader may have moved it further meanwhile.
    moved = (
        Membership.objects.filter(pk=membership_id)
        .filter(Q(last_read_at__isnull=True) | Q(last_read_at__lt=mark))
        .update(last_read_at=mark)
    )
    if not moved:
        return None
    membership = Membership.objects.select_related(None).get(pk=membership_id)
    events.read_updated(membership)
    return membership


@transaction.atomic
def workspace_member_add(
    *, workspace: Workspace, user: User, role: str = WorkspaceMember.Role.MEMBER
) -> WorkspaceMember:
    member, _ = WorkspaceMember.objects.get_or_create(
        workspace=workspace, user=user, defaults={"role": role}
    )
    return member


def _require_live(thread: Thread, actor: Actor) -> None:
    """A removed thread is hidden from users (``SYSTEM`` still reaches it)."""
    if actor is not SYSTEM and thread.is_removed:
        raise NotFound("Thread not found.")


def _deny(thread: Thread, actor: User, detail: str) -> NoReturn:
    """403 for those who can see the thread, 404 for everyone else."""
    if selectors.can_see_thread(thread=thread, user=actor):
        raise PermissionDenied(detail)
    raise NotFound("Thread not found.")


# --- the support desk (seed 003) ------------------------------------------------------
#
# Support chats, their customers, channels, responders and tickets. Every function takes
# the acting ``actor``: ``SYSTEM`` for trusted callers that have already scoped the request
# to ``workspace`` (a Support API key, the admin, commands, demo data), or a user, who must
# be support staff (agent or admin) of the workspace. Everything a chat points to must
# belong to the chat's workspace; fields are named in domain terms (``owner``, ``channel``,
# ``responder``...). Changes a chat's subscribers may see announce ``thread.*`` /
# ``message.*`` events; directory rows no chat shows yet (a new channel, customer or
# responder) have no thread to announce on, so they raise none.

NAME_MAX_LENGTH: int = Responder._meta.get_field("name").max_length or 0
IDENTIFIER_MAX_LENGTH: int = ExternalUser._meta.get_field("identifier").max_length or 0
EXTERNAL_NAME_MAX_LENGTH: int = ExternalUser._meta.get_field("name").max_length or 0
EMAIL_MAX_LENGTH: int = ExternalUser._meta.get_field("email").max_length or 0
PICTURE_MAX_LENGTH: int = Responder._meta.get_field("picture").max_length or 0
SUBJECT_MAX_LENGTH: int = Ticket._meta.get_field("subject").max_length or 0
SLUG_MAX_LENGTH: int = Workspace._meta.get_field("slug").max_length or 0
DEFAULT_RESPONDER_NAME = "Assistant"


def _require_support_staff(actor: Actor, workspace_id: Id) -> None:
    """``SYSTEM`` passes; a user must be an agent or admin of the workspace."""
    if actor is SYSTEM:
        return
    if not selectors.is_support_staff(user=actor, workspace_id=workspace_id):
        raise PermissionDenied("Only the workspace's support staff may do this.")


def _clean_text_field(value: object, *, field: str, max_length: int, required: bool = False) -> str:
    value = clean_text(value, field=field)
    if required and not value:
        raise InvalidInput("This field may not be blank.", field=field)
    if len(value) > max_length:
        raise InvalidInput(f"At most {max_length} characters.", field=field)
    return value


def _in_workspace(
    obj: Channel | ExternalUser | Responder | Ticket | Thread | None,
    workspace: Workspace,
    field: str,
) -> None:
    if obj is not None and obj.workspace_id != workspace.pk:
        raise InvalidInput("Not found in this workspace.", field=field)


@transaction.atomic
def workspace_create(*, slug: str, name: str = "", actor: Actor) -> Workspace:
    """A new tenant with its default responder, so it can take support chats at once."""
    if actor is not SYSTEM:
        raise PermissionDenied("Only the system creates workspaces.")
    slug = _clean_text_field(slug, field="slug", max_length=SLUG_MAX_LENGTH, required=True)
    try:
        validate_slug(slug)
    except ValidationError:
        raise InvalidInput("Letters, digits, hyphens and underscores only.", field="slug") from None
    name = _clean_text_field(name or slug, field="name", max_length=NAME_MAX_LENGTH)
    try:
        with transaction.atomic():
            workspace = Workspace.objects.create(slug=slug, name=name)
    except IntegrityError:
        raise Conflict("A workspace with this slug exists.", field="slug") from None
    workspace_default_responder(workspace=workspace)
    return workspace


@transaction.atomic
def workspace_default_responder(*, workspace: Workspace) -> Responder:
    """The workspace's default responder, made on first need (an agent named "Assistant").

    Every workspace has one: ``workspace_create`` makes it, migrations made it for older
    workspaces, and this makes it for any workspace created another way (the admin).
    The workspace row is locked, so two first uses make one responder.
    """
    workspace = Workspace.objects.select_for_update().get(pk=workspace.pk)
    if workspace.default_responder is not None:
        return workspace.default_responder
    responder = Responder.objects.create(
        workspace=workspace, entity=Responder.Entity.AGENT, name=DEFAULT_RESPONDER_NAME
    )
    workspace.default_responder = responder
    workspace.save(update_fields=["default_responder"])
    return responder


def _latest_version(responder: Responder) -> ResponderVersion | None:
    return responder.versions.order_by("-number").first()


@transaction.atomic
def support_chat_create(
    *,
    workspace: Workspace,
    owner: ExternalUser | User,
    actor: Actor,
    channel: Channel | None = None,
    title: str | None = None,
    responder: Responder | None = None,
    responder_version: ResponderVersion | None = None,
    ticket: Ticket | None = None,
) -> Thread:
    """A chat of ``owner`` (a customer, ``ExternalUser``, or a platform user) with the desk.

    Guarantees: everything given belongs to ``workspace``; the responder is the one given,
    else the channel's, else the workspace's default, and is also the current responder;
    the responder version is the one given (it must be the responder's), else the
    responder's latest (or none). A platform-user owner becomes a member, so the chat
    shows up in their own lists. Announces ``thread.created`` (agents and admins hear it).
    """
    _require_support_staff(actor, workspace.pk)
    if isinstance(owner, ExternalUser):
        _in_workspace(owner, workspace, "owner")
        owner_fields: dict[str, ExternalUser | User] = {"owner": owner}
        members: dict[User, str] = {}
    else:
        if not selectors.workspace_user_ids(workspace_id=workspace.pk, user_ids=[owner.pk]):
            raise InvalidInput("Not found in this workspace.", field="owner")
        owner_fields = {"owner_user": owner}
        members = {owner: Membership.Role.MEMBER}
    _in_workspace(channel, workspace, "channel")
    _in_workspace(responder, workspace, "responder")
    _in_workspace(ticket, workspace, "ticket")
    if responder is None and responder_version is not None:
        responder = responder_version.responder
        _in_workspace(responder, workspace, "responder_version")
    if responder is None and channel is not None:
        responder = channel.responder
    if responder is None:
        responder = workspace_default_responder(workspace=workspace)
    if responder_version is None:
        responder_version = _latest_version(responder)
    elif responder_version.responder_id != responder.pk:
        raise InvalidInput("The version belongs to another responder.", field="responder_version")
    return _create(
        workspace=workspace,
        kind=Thread.Kind.SUPPORT,
        creator=None,
        members=members,
        title=_clean_title(title),
        channel=channel,
        responder=responder,
        current_responder=responder,
        responder_version=responder_version,
        ticket=ticket,
        **owner_fields,
    )


def _support_chat_lock(chat: Thread, actor: Actor) -> Thread:
    chat = thread_lock(chat.pk)
    if chat.kind != Thread.Kind.SUPPORT:
        raise NotFound("Chat not found.")
    _require_support_staff(actor, chat.workspace_id)
    return chat


@transaction.atomic
def support_chat_update(
    *,
    chat: Thread,
    actor: Actor,
    title: str | _Unset | None = _UNSET,
    last_message_at: datetime | _Unset | None = _UNSET,
) -> Thread:
    """Change the given fields only (Support API PATCH); a removed chat may be changed too.

    ``updated_at`` moves and ``thread.updated`` is announced only if a value really
    changed: setting a field to the value it has writes nothing.
    """
    chat = _support_chat_lock(chat, actor)
    changed = []
    if not isinstance(title, _Unset):
        title = _clean_title(title)
        if title != chat.title:
            chat.title = title
            changed.append("title")
    if not isinstance(last_message_at, _Unset) and last_message_at != chat.last_message_at:
        chat.last_message_at = last_message_at
        changed.append("last_message_at")
    if changed:
        chat.save(update_fields=[*changed, "updated_at"])
        events.thread_changed(chat, "thread.updated")
    return chat


@transaction.atomic
def support_chat_remove(*, chat: Thread, actor: Actor) -> Thread:
    """Soft-remove a support chat (restorable in the admin). Removing it again is a no-op
    that succeeds, so a retried DELETE answers like the first."""
    chat = _support_chat_lock(chat, actor)
    if chat.is_removed:
        return chat
    chat.is_removed = True
    chat.removed_at = timezone.now()
    chat.save(update_fields=["is_removed", "removed_at", "updated_at"])
    events.thread_changed(chat, "thread.removed")
    return chat


@transaction.atomic
def channel_create(
    *, workspace: Workspace, name: str, type: str, actor: Actor, responder: Responder | None = None
) -> Channel:
    """A channel customers write in through; ``responder`` answers its new chats."""
    _require_support_staff(actor, workspace.pk)
    name = _clean_text_field(name, field="name", max_length=NAME_MAX_LENGTH, required=True)
    if type not in Channel.Type.values:
        raise InvalidInput("Unknown channel type.", field="type")
    _in_workspace(responder, workspace, "responder")
    return Channel.objects.create(workspace=workspace, name=name, type=type, responder=responder)


@transaction.atomic
def channel_get_or_create(*, workspace: Workspace, name: str, type: str, actor: Actor) -> Channel:
    """The workspace's channel of this name and type, made on first use (demo data)."""
    existing = Channel.objects.filter(workspace=workspace, name=name, type=type).first()
    return existing or channel_create(workspace=workspace, name=name, type=type, actor=actor)


def _clean_customer(identifier: object, name: object, email: object) -> tuple[str, str, str]:
    identifier = _clean_text_field(
        identifier, field="identifier", max_length=IDENTIFIER_MAX_LENGTH, required=True
    )
    name = _clean_text_field(name, field="name", max_length=EXTERNAL_NAME_MAX_LENGTH)
    email = _clean_text_field(email, field="email", max_length=EMAIL_MAX_LENGTH)
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise InvalidInput("Enter a valid e-mail address.", field="email") from None
    return identifier, name, email


@transaction.atomic
def external_user_create(
    *, workspace: Workspace, identifier: str, actor: Actor, name: str = "", email: str = ""
) -> ExternalUser:
    """A customer, known in the workspace by ``identifier`` (phone, handle or e-mail);
    the same identifier twice is a ``Conflict`` on ``identifier``."""
    _require_support_staff(actor, workspace.pk)
    identifier, name, email = _clean_customer(identifier, name, email)
    try:
        with transaction.atomic():
            return ExternalUser.objects.create(
                workspace=workspace, identifier=identifier, name=name, email=email
            )
    except IntegrityError:
        raise Conflict("A customer with this identifier exists.", field="identifier") from None


@transaction.atomic
def external_user_get_or_create(
    *, workspace: Workspace, identifier: str, actor: Actor, name: str = "", email: str = ""
) -> ExternalUser:
    """The customer known by ``identifier``; name and email only on creation (demo data)."""
    _require_support_staff(actor, workspace.pk)
    identifier, name, email = _clean_customer(identifier, name, email)
    user, _ = ExternalUser.objects.get_or_create(
        workspace=workspace, identifier=identifier, defaults={"name": name, "email": email}
    )
    return user


@transaction.atomic
def external_user_set_blocked(
    *, external_user: ExternalUser, blocked: bool, actor: Actor
) -> ExternalUser:
    """Block or unblock a customer across all their support chats (seed 003 ``isOwnerBlocked``).

    A blocked customer's ``user`` messages are refused. Each of their chats announces
    ``thread.updated`` so agents' views refresh; setting the state it has changes nothing.
    """
    _require_support_staff(actor, external_user.workspace_id)
    external_user = ExternalUser.objects.select_for_update().get(pk=external_user.pk)
    if external_user.is_blocked == blocked:
        return external_user
    external_user.is_blocked = blocked
    external_user.save(update_fields=["is_blocked"])
    chats = Thread.objects.filter(owner=external_user).order_by("pk")
    for thread_id in chats.values_list("pk", flat=True):
        events.thread_changed(thread_lock(thread_id), "thread.updated")
    return external_user


def _clean_responder(name: object, entity: str, picture: object) -> tuple[str, str, str]:
    name = _clean_text_field(name, field="name", max_length=NAME_MAX_LENGTH, required=True)
    if entity not in Responder.Entity.values:
        raise InvalidInput("Unknown responder entity.", field="entity")
    picture = _clean_text_field(picture, field="picture", max_length=PICTURE_MAX_LENGTH)
    if picture:
        try:
            URLValidator(schemes=["http", "https"])(picture)
        except ValidationError:
            raise InvalidInput("Enter a valid http(s) URL.", field="picture") from None
    return name, entity, picture


@transaction.atomic
def responder_create(
    *, workspace: Workspace, name: str, entity: str, actor: Actor, picture: str = ""
) -> Responder:
    """An agent or squad that answers chats; known on the wire by its super identity."""
    _require_support_staff(actor, workspace.pk)
    name, entity, picture = _clean_responder(name, entity, picture)
    return Responder.objects.create(workspace=workspace, name=name, entity=entity, picture=picture)


@transaction.atomic
def responder_get_or_create(
    *, workspace: Workspace, entity: str, name: str, actor: Actor, picture: str = ""
) -> Responder:
    """The workspace's responder of this entity and name, made on first use (demo data)."""
    _require_support_staff(actor, workspace.pk)
    name, entity, picture = _clean_responder(name, entity, picture)
    responder, _ = Responder.objects.get_or_create(
        workspace=workspace, entity=entity, name=name, defaults={"picture": picture}
    )
    return responder


@transaction.atomic
def responder_version_create(*, responder: Responder, actor: Actor) -> ResponderVersion:
    """The responder's next version: numbers count up from 1 without gaps or repeats (the
    responder's row is locked while the number is drawn)."""
    _require_support_staff(actor, responder.workspace_id)
    responder = Responder.objects.select_for_update().get(pk=responder.pk)
    latest = _latest_version(responder)
    number = latest.number + 1 if latest else 1
    return ResponderVersion.objects.create(responder=responder, number=number)


def _clean_ticket(subject: object, status: str) -> tuple[str, str]:
    subject = _clean_text_field(subject, field="subject", max_length=SUBJECT_MAX_LENGTH)
    if status not in Ticket.Status.values:
        raise InvalidInput("Unknown ticket status.", field="status")
    return subject, status


@transaction.atomic
def ticket_create(
    *,
    workspace: Workspace,
    actor: Actor,
    subject: str = "",
    status: str = Ticket.Status.OPEN,
    chat: Thread | None = None,
) -> Ticket:
    """A ticket; with ``chat`` it becomes that chat's current ticket (``thread.updated``)."""
    _require_support_staff(actor, workspace.pk)
    subject, status = _clean_ticket(subject, status)
    if chat is not None:
        chat = _support_chat_lock(chat, actor)
        _in_workspace(chat, workspace, "chat")
    ticket = Ticket.objects.create(workspace=workspace, subject=subject, status=status)
    if chat is not None:
        chat.ticket = ticket
        chat.save(update_fields=["ticket", "updated_at"])
        events.thread_changed(chat, "thread.updated")
    return ticket


@transaction.atomic
def ticket_update(
    *,
    ticket: Ticket,
    actor: Actor,
    status: str | _Unset = _UNSET,
    subject: str | _Unset | None = _UNSET,
) -> Ticket:
    """Change a ticket's status or subject; each chat it is linked to announces
    ``thread.updated`` (their detail rows show the status). No change, no write."""
    _require_support_staff(actor, ticket.workspace_id)
    linked = Thread.objects.filter(ticket=ticket).order_by("pk").values_list("pk", flat=True)
    chats = [thread_lock(pk) for pk in linked]  # thread rows first: the one lock order
    ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
    new_subject, new_status = _clean_ticket(
        ticket.subject if isinstance(subject, _Unset) else subject,
        ticket.status if isinstance(status, _Unset) else status,
    )
    if (new_subject, new_status) == (ticket.subject, ticket.status):
        return ticket
    ticket.subject, ticket.status = new_subject, new_status
    ticket.save(update_fields=["subject", "status", "updated_at"])
    for chat in chats:
        events.thread_changed(chat, "thread.updated")
    return ticket


# --- workspace membership (issue 12: new users join at once; leaving leaves everything) ----


def default_workspace() -> Workspace | None:
    """The workspace every new user joins (``CHAT_DEFAULT_WORKSPACE``, a slug; empty: none).

    Created on first use when missing, so a fresh install with another slug works at once.
    """
    slug = (settings.CHAT_DEFAULT_WORKSPACE or "").strip()
    if not slug:
        return None
    workspace, _ = Workspace.objects.get_or_create(
        slug=slug, defaults={"name": slug.replace("-", " ").capitalize()}
    )
    return workspace


@transaction.atomic
def workspace_join_default(*, user: User) -> WorkspaceMember | None:
    """Make a new user a member of the default workspace, so they can chat at once.

    Guarantees: idempotent (an existing membership, whatever its role, is kept); nothing
    happens when ``CHAT_DEFAULT_WORKSPACE`` is empty. Called for every user created, however
    it was created (``accounts.signals``).
    """
    workspace = default_workspace()
    if workspace is None:
        return None
    return workspace_member_add(workspace=workspace, user=user)


@transaction.atomic
def workspace_member_set_role(
    *, workspace: Workspace, user: User, role: str, actor: Actor
) -> WorkspaceMember:
    """Change a user's role in a workspace (workspace admins, staff or ``SYSTEM``).

    Guarantees: the user's open sockets re-read what they may hear once this commits, so a
    support agent demoted to member stops hearing support chats at once.
    """
    if role not in WorkspaceMember.Role.values:
        raise InvalidInput("Unknown role.", field="role")
    _require_workspace_admin(workspace, actor)
    member = (
        WorkspaceMember.objects.select_for_update().filter(workspace=workspace, user=user).first()
    )
    if member is None:
        raise NotFound("Not a member of this workspace.")
    if member.role != role:
        member.role = role
        member.save(update_fields=["role"])
        access.access_changed(user_id=user.pk)
    return member


@transaction.atomic
def workspace_member_remove(*, workspace: Workspace, user: User, actor: Actor) -> None:
    """Take a user out of a workspace (they leave, or a workspace admin, staff or ``SYSTEM``
    removes them).

    Guarantees: the user leaves every thread of the workspace too, personal threads
    included, each with its ``member.removed`` event (so their sockets stop hearing them
    and the other members see them go); their session tokens for the workspace's sessions
    are revoked; their sockets re-read what they may hear (support-chat staff rights go
    with the membership). All of it commits together or not at all.
    """
    if actor is not SYSTEM and getattr(actor, "pk", None) != user.pk:
        _require_workspace_admin(workspace, actor)
    member = (
        WorkspaceMember.objects.select_for_update().filter(workspace=workspace, user=user).first()
    )
    if member is None:
        raise NotFound("Not a member of this workspace.")
    thread_ids = sorted(
        Membership.objects.filter(user=user, thread__workspace=workspace).values_list(
            "thread_id", flat=True
        )
    )
    for thread_id in thread_ids:  # one lock order (by id), like every multi-thread write
        thread_lock(thread_id)
        membership = Membership.objects.select_related("user").get(thread_id=thread_id, user=user)
        events.member_changed(membership, "member.removed")
        membership.delete()
    accounts.session_tokens_revoke(user=user, threads=Thread.objects.filter(workspace=workspace))
    member.delete()
    access.access_changed(user_id=user.pk)


@transaction.atomic
def session_removal_lift(*, thread: Thread, user: User, actor: Actor) -> None:
    """Let a member a host removed join the session again (its hosts, or ``SYSTEM``)."""
    if actor is not SYSTEM and not selectors.can_moderate_thread(thread=thread, user=actor):
        _deny(thread, actor, "Only a host may let a removed member back.")
    SessionRemoval.objects.filter(thread=thread, user=user).delete()


def _session_member_gone(thread: Thread, user: User, *, by_other: bool, actor: Actor) -> None:
    """Whoever leaves a session loses its session tokens; whom a host (or a moderator)
    removed stays out until a host adds them back."""
    accounts.session_tokens_revoke(user=user, threads=[thread])
    if by_other:
        removed_by = None if actor is SYSTEM else actor
        SessionRemoval.objects.get_or_create(
            thread=thread, user=user, defaults={"removed_by": removed_by}
        )


def _require_workspace_admin(workspace: Workspace, actor: Actor) -> None:
    if actor is SYSTEM:
        return
    if not selectors.is_workspace_admin(user=actor, workspace_id=workspace.pk):
        raise PermissionDenied("Only a workspace admin may do this.")
