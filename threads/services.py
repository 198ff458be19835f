"""Every write to threads and memberships. Each function is one transaction that also
records the event announcing it (``threads.events``), so the change and its event commit
together.

``actor=None`` means a trusted caller that has already scoped the request itself: the
system, the admin, or a workspace API key whose workspace the surface has checked.
"""

from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from chatproject.errors import InvalidInput, NotFound, PermissionDenied
from threads import events, selectors
from threads.models import (
    Channel,
    ExternalUser,
    Membership,
    Responder,
    ResponderVersion,
    Thread,
    Ticket,
    Workspace,
    WorkspaceMember,
)

TITLE_MAX_LENGTH = Thread._meta.get_field("title").max_length
PROJECT_REF_MAX_LENGTH = Thread._meta.get_field("project_ref").max_length


def thread_lock(thread_id) -> Thread:
    """Lock a thread's row for the rest of the transaction.

    Every write that touches a thread takes this lock first, so writes to one thread
    serialize in one order (no deadlocks) and checks made under it stay true until commit.
    """
    try:
        return Thread.objects.select_for_update().get(pk=thread_id)
    except Thread.DoesNotExist:
        raise NotFound("Thread not found.") from None


def direct_key(user_a, user_b) -> str:
    return ":".join(sorted([str(user_a.pk), str(user_b.pk)]))


def _clean_title(title: str | None, *, required: bool = False) -> str:
    title = (title or "").strip()
    if required and not title:
        raise InvalidInput("A name is required.", field="title")
    if len(title) > TITLE_MAX_LENGTH:
        raise InvalidInput(f"At most {TITLE_MAX_LENGTH} characters.", field="title")
    return title


def _check_workspace_users(workspace: Workspace, users: Iterable) -> list:
    users = list({u.pk: u for u in users}.values())
    known = selectors.workspace_user_ids(workspace_id=workspace.pk, user_ids=[u.pk for u in users])
    if len(known) != len(users):
        raise InvalidInput("Every user must belong to the workspace.", field="users")
    return users


def _create(*, workspace, kind, creator, members: dict, **fields) -> Thread:
    """Create a thread with its members and announce it. ``members``: user -> role."""
    thread = Thread.objects.create(workspace=workspace, kind=kind, created_by=creator, **fields)
    Membership.objects.bulk_create(
        Membership(thread=thread, user=user, role=role) for user, role in members.items()
    )
    events.thread_changed(thread, "thread.created")
    return thread


@transaction.atomic
def direct_thread_get_or_create(*, workspace: Workspace, user, other) -> tuple[Thread, bool]:
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
def custom_thread_create(*, workspace: Workspace, creator, title: str, members: Iterable) -> Thread:
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
    *, workspace: Workspace, creator, project_ref: str, title: str = "", members: Iterable = ()
) -> Thread:
    """The one thread of a project (seed 002 ``group``); the creator administers it."""
    project_ref = (project_ref or "").strip()
    if not project_ref:
        raise InvalidInput("A project id is required.", field="group")
    if len(project_ref) > PROJECT_REF_MAX_LENGTH:
        raise InvalidInput(f"At most {PROJECT_REF_MAX_LENGTH} characters.", field="group")
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
        raise InvalidInput("That project already has a group thread.", field="group") from None


@transaction.atomic
def session_create(*, workspace: Workspace, host, title: str) -> Thread:
    """A live session's chat; its creator is the host (seed 000)."""
    _check_workspace_users(workspace, [host])
    return _create(
        workspace=workspace,
        kind=Thread.Kind.SESSION,
        creator=host,
        members={host: Membership.Role.HOST},
        title=_clean_title(title, required=True),
    )


@transaction.atomic
def support_chat_create(
    *,
    workspace: Workspace,
    owner: ExternalUser,
    channel: Channel | None = None,
    title: str | None = None,
    responder: Responder | None = None,
    responder_version: ResponderVersion | None = None,
    ticket: Ticket | None = None,
) -> Thread:
    """A customer's chat with the support desk (seed 003). Everything must share the workspace."""
    for field, obj in (
        ("ownerId", owner),
        ("channelId", channel),
        ("responderId", responder),
        ("ticketId", ticket),
    ):
        if obj is not None and obj.workspace_id != workspace.pk:
            raise InvalidInput("Not found in this workspace.", field=field)
    if responder_version is not None and responder_version.responder_id != getattr(
        responder, "pk", None
    ):
        raise InvalidInput("The version belongs to another responder.", field="responderVersionId")
    return _create(
        workspace=workspace,
        kind=Thread.Kind.SUPPORT,
        creator=None,
        members={},
        title=_clean_title(title),
        owner=owner,
        channel=channel,
        responder=responder,
        current_responder=responder,
        responder_version=responder_version,
        ticket=ticket,
    )


_UNSET = object()


@transaction.atomic
def thread_update(*, thread: Thread, actor=None, title=_UNSET, last_message_at=_UNSET) -> Thread:
    """Rename a thread or (support API) set its last message time; announces ``thread.updated``."""
    thread = thread_lock(thread.pk)
    _require_live(thread, actor)
    if actor is not None and not selectors.can_moderate_thread(thread=thread, user=actor):
        _deny(thread, actor, "Only a host or admin may change the thread.")
    changed = []
    if title is not _UNSET:
        thread.title = _clean_title(title)
        changed.append("title")
    if last_message_at is not _UNSET:
        thread.last_message_at = last_message_at
        changed.append("last_message_at")
    if changed:
        thread.save(update_fields=[*changed, "updated_at"])
        events.thread_changed(thread, "thread.updated")
    return thread


@transaction.atomic
def thread_remove(*, thread: Thread, actor=None) -> Thread:
    """Soft-remove a thread: hidden from every surface, kept for moderators, restorable."""
    thread = thread_lock(thread.pk)
    if actor is not None and not selectors.can_moderate_thread(thread=thread, user=actor):
        _deny(thread, actor, "Only a host or admin may remove the thread.")
    if thread.is_removed:
        raise NotFound("Thread not found.")
    thread.is_removed = True
    thread.removed_at = timezone.now()
    thread.save(update_fields=["is_removed", "removed_at", "updated_at"])
    events.thread_changed(thread, "thread.removed")
    return thread


@transaction.atomic
def thread_restore(*, thread: Thread) -> Thread:
    """Undo ``thread_remove`` (moderators, through the admin)."""
    thread = thread_lock(thread.pk)
    if not thread.is_removed:
        return thread
    thread.is_removed = False
    thread.removed_at = None
    thread.save(update_fields=["is_removed", "removed_at", "updated_at"])
    events.thread_changed(thread, "thread.updated")
    return thread


@transaction.atomic
def membership_add(
    *, thread: Thread, user, role: str = Membership.Role.MEMBER, actor=None
) -> Membership:
    """Add a member. Personal threads have fixed members; in custom threads any member may
    invite; elsewhere only hosts and admins may."""
    thread = thread_lock(thread.pk)
    _require_live(thread, actor)
    if thread.kind == Thread.Kind.DIRECT:
        raise InvalidInput("A personal thread's members cannot change.", field="users")
    if actor is not None:
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
    if created:
        events.member_changed(membership, "member.added")
    return membership


@transaction.atomic
def membership_add_many(*, thread: Thread, users: Iterable, actor=None) -> list[Membership]:
    """Add several members at once: all of them or, if any may not join, none."""
    return [membership_add(thread=thread, user=user, actor=actor) for user in users]


@transaction.atomic
def membership_remove(*, thread: Thread, user, actor=None) -> None:
    """Remove a member; anyone may leave, hosts and admins may remove others."""
    thread = thread_lock(thread.pk)
    _require_live(thread, actor)
    if thread.kind == Thread.Kind.DIRECT:
        raise InvalidInput("A personal thread's members cannot change.", field="users")
    membership = selectors.membership_get(thread=thread, user=user)
    removing_other = actor is not None and actor.pk != user.pk
    if removing_other and not selectors.can_moderate_thread(thread=thread, user=actor):
        _deny(thread, actor, "Only a host or admin may remove members.")
    if membership is None:
        raise NotFound("Not a member of this thread.")
    # The event is recorded while the leaver is still a member, so it reaches them too.
    events.member_changed(membership, "member.removed")
    membership.delete()


def thread_mark_read(*, thread: Thread, actor, up_to) -> Membership | None:
    """Move the reader's mark up to the message ``up_to`` they have just read.

    The mark is the ``created_at`` of the newest message read (never the clock), so it
    only moves when a newer message has really been read. Guarantees: the mark never moves
    back; reading what was already read writes nothing and announces nothing (one indexed
    SELECT, no lock, no transaction); a moved mark and its ``read.updated`` event (to the
    reader only) commit together. ``NotFound`` if the reader is not a member or the thread
    is removed. Returns the membership when the mark moved, else ``None``.
    """
    mark = up_to.created_at
    row = (
        Membership.objects.filter(thread_id=thread.pk, user=actor)
        .values_list("pk", "last_read_at")
        .first()
    )
    if row is None:
        raise NotFound("Thread not found.")
    if row[1] is not None and row[1] >= mark:
        return None  # the cheap path: most reads re-read what was already read
    return _move_read_mark(thread_id=thread.pk, membership_id=row[0], mark=mark)


@transaction.atomic
def _move_read_mark(*, thread_id, membership_id, mark) -> Membership | None:
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
def workspace_member_add(*, workspace: Workspace, user, role=WorkspaceMember.Role.MEMBER):
    member, _ = WorkspaceMember.objects.get_or_create(
        workspace=workspace, user=user, defaults={"role": role}
    )
    return member


def _require_live(thread: Thread, actor) -> None:
    """A removed thread is hidden from users (trusted callers, ``actor=None``, still reach it)."""
    if actor is not None and thread.is_removed:
        raise NotFound("Thread not found.")


def _deny(thread: Thread, actor, detail: str):
    """403 for those who can see the thread, 404 for everyone else."""
    if selectors.can_see_thread(thread=thread, user=actor):
        raise PermissionDenied(detail)
    raise NotFound("Thread not found.")


# Support desk entities. Nothing in the four APIs creates them (the admin and the demo
# data do), so these stay small: get-or-create by their natural key, one place each.


def channel_get_or_create(*, workspace: Workspace, name: str, type: str) -> Channel:
    """A workspace's channel of this name and type (seed 003 ``channelType``)."""
    if type not in Channel.Type.values:
        raise InvalidInput("Unknown channel type.", field="channelType")
    channel, _ = Channel.objects.get_or_create(workspace=workspace, name=name, type=type)
    return channel


def external_user_get_or_create(
    *, workspace: Workspace, identifier: str, name: str = "", email: str = ""
) -> ExternalUser:
    """The customer known by ``identifier`` in the workspace; name and email only on creation."""
    identifier = (identifier or "").strip()
    if not identifier:
        raise InvalidInput("An identifier is required.", field="identifier")
    user, _ = ExternalUser.objects.get_or_create(
        workspace=workspace, identifier=identifier, defaults={"name": name, "email": email}
    )
    return user


def responder_get_or_create(
    *, workspace: Workspace, entity: str, name: str, picture: str = ""
) -> Responder:
    if entity not in Responder.Entity.values:
        raise InvalidInput("Unknown responder entity.", field="responderEntity")
    responder, _ = Responder.objects.get_or_create(
        workspace=workspace, entity=entity, name=name, defaults={"picture": picture}
    )
    return responder


def responder_version_get_or_create(*, responder: Responder, number: int) -> ResponderVersion:
    version, _ = ResponderVersion.objects.get_or_create(responder=responder, number=number)
    return version


def ticket_create(
    *, workspace: Workspace, subject: str = "", status: str = Ticket.Status.OPEN
) -> Ticket:
    if status not in Ticket.Status.values:
        raise InvalidInput("Unknown ticket status.", field="status")
    return Ticket.objects.create(workspace=workspace, subject=subject.strip(), status=status)


@transaction.atomic
def external_user_set_blocked(*, external_user: ExternalUser, blocked: bool) -> ExternalUser:
    """Block or unblock a customer across all their support chats (seed 003 ``isOwnerBlocked``).

    Each of their visible chats announces ``thread.updated`` so agents' views refresh.
    """
    external_user = ExternalUser.objects.select_for_update().get(pk=external_user.pk)
    if external_user.is_blocked == blocked:
        return external_user
    external_user.is_blocked = blocked
    external_user.save(update_fields=["is_blocked"])
    for thread_id in Thread.objects.filter(owner=external_user).values_list("pk", flat=True):
        events.thread_changed(thread_lock(thread_id), "thread.updated")
    return external_user
