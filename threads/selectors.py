"""Reads about threads that more than one caller needs, visibility above all.

Who may see a thread is decided here and nowhere else: a thread that is not removed is
visible to its members, and a support chat also to its workspace's support staff
(admins and agents). The rule is written once, as the ``Q`` objects below; every other
question about visibility is asked through them:

- ``visible_threads_q`` filters ``Thread`` rows (lists, ``thread_get_for_user``);
- ``can_see_thread`` asks the same filter about one thread, and ``thread_locked_as`` asks
  it in the statement that locks the thread (a send);
- ``chats.selectors`` filters messages and search by threads in ``visible_threads_q``;
- ``chatproject.realtime.audience`` builds who hears an *event* from ``visible_threads_q``
  and ``support_staff_q`` (through ``Event.thread``), and the websocket's in-memory
  mirror (``chatproject.realtime.state``) starts from ``support_staff_workspace_ids`` and
  the threads ``visible_threads_q`` gives.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any, NamedTuple

from django.contrib.auth import get_user_model
from django.db import DEFAULT_DB_ALIAS
from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
)

from chatproject.accounts.models import SuperIdentity
from chatproject.compiled import CompiledQuery
from chatproject.errors import Id, NotFound
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

if TYPE_CHECKING:
    from chatproject.accounts.models import User

SUPPORT_STAFF_ROLES = (WorkspaceMember.Role.ADMIN, WorkspaceMember.Role.AGENT)


def support_staff_of(user: User) -> QuerySet[WorkspaceMember]:
    """The user's workspace memberships that make them support staff there."""
    return WorkspaceMember.objects.filter(user=user, role__in=SUPPORT_STAFF_ROLES)


def support_staff_workspace_ids(user: User) -> set[str]:
    """Workspaces whose support chats the user sees as staff (ids as strings).

    Compiled once (``chatproject.compiled``): every websocket connect asks."""
    return {str(row[0]) for row in _STAFF_WORKSPACE_IDS.rows(user_id=user.pk)}


def member_q(user: User, *, thread: str = "pk") -> Q:
    """Rows whose ``thread`` (a path to a ``Thread``; ``pk`` for threads) the user is in."""
    return Q(Exists(Membership.objects.filter(thread=OuterRef(thread), user=user)))


def support_staff_q(user: User, *, prefix: str = "") -> Q:
    """Support chats whose workspace the user is staff of.

    ``prefix`` reaches the thread from another model (``"thread__"`` for events).
    """
    return Q(**{f"{prefix}kind": Thread.Kind.SUPPORT}) & Q(
        Exists(support_staff_of(user).filter(workspace=OuterRef(f"{prefix}workspace")))
    )


def visible_threads_q(user: User) -> Q:
    """A filter for ``Thread`` rows the user may see (one query, no per-row checks).

    Compiled once for all users by ``thread_get_for_reader``: the user may appear only as a
    value in the filter, never in a Python branch.
    """
    return Q(is_removed=False) & (member_q(user) | support_staff_q(user))


def member_thread_id_set(user: User) -> set[str]:
    """``member_thread_ids`` as a set of strings, compiled once: every connect asks."""
    return {str(row[0]) for row in _MEMBER_THREAD_IDS.rows(user_id=user.pk)}


def member_thread_ids(user: User) -> QuerySet[Membership, Any]:
    """Ids of the threads the user is a member of and may see: ``visible_threads_q`` for a
    member is only "not removed", so this is one plain join (a socket's subscription reads
    it at every connect)."""
    return Membership.objects.filter(user=user, thread__is_removed=False).values_list(
        "thread_id", flat=True
    )


def _placeholder_user(user_id: uuid.UUID) -> User:
    return get_user_model()(pk=user_id)


_STAFF_WORKSPACE_IDS = CompiledQuery(
    lambda user_id: support_staff_of(_placeholder_user(user_id)).values_list("workspace_id"),
    user_id=uuid.UUID,
)
_MEMBER_THREAD_IDS = CompiledQuery(
    lambda user_id: member_thread_ids(_placeholder_user(user_id)), user_id=uuid.UUID
)


def thread_list_for_user(*, user: User) -> QuerySet[Thread]:
    return Thread.objects.filter(visible_threads_q(user))


def _visible_thread_query(*, user_id: uuid.UUID, thread_id: uuid.UUID) -> QuerySet[Thread]:
    user = _placeholder_user(user_id)
    return thread_list_for_user(user=user).filter(pk=thread_id)


def _reader_query(*, user_id: uuid.UUID, thread_id: uuid.UUID) -> QuerySet[Thread]:
    user = _placeholder_user(user_id)
    mine = Membership.objects.filter(thread=OuterRef("pk"), user=user)
    return _visible_thread_query(user_id=user_id, thread_id=thread_id).annotate(
        reader_membership_id=Subquery(mine.values("pk")[:1]),
        reader_last_read_at=Subquery(mine.values("last_read_at")[:1]),
    )


# The per-request visibility lookups, compiled once (chatproject.compiled).
_THREAD_COLUMNS = [f.attname for f in Thread._meta.concrete_fields]
# The row lock every write to a thread takes first (``threads.services.thread_lock``):
# ``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite's IMMEDIATE transaction already holds
# the database's write lock. Compiled, as it runs on every send.
_LOCKED_THREAD = CompiledQuery(
    lambda thread_id: (
        Thread.objects.select_for_update().filter(pk=thread_id).values_list(*_THREAD_COLUMNS)
    ),
    thread_id=uuid.UUID,
)


def _locked_as_query(*, user_id: uuid.UUID, thread_id: uuid.UUID) -> QuerySet[Thread]:
    """The row lock, with ``visible_threads_q`` asked of the user in the same statement and
    the thread's ``event_seq`` as the statement's snapshot has it (see ``thread_locked_as``)."""
    user = _placeholder_user(user_id)
    return (
        Thread.objects.select_for_update()
        .filter(pk=thread_id)
        .annotate(
            lock_visible=ExpressionWrapper(visible_threads_q(user), output_field=BooleanField()),
            lock_seq_in_snapshot=Subquery(
                Thread.objects.filter(pk=OuterRef("pk")).values("event_seq")[:1]
            ),
        )
    )


_LOCKED_THREAD_AS = CompiledQuery(
    lambda **ids: _locked_as_query(**ids).values_list(
        *_THREAD_COLUMNS, "lock_visible", "lock_seq_in_snapshot"
    ),
    user_id=uuid.UUID,
    thread_id=uuid.UUID,
)
_VISIBLE_THREAD = CompiledQuery(
    lambda **ids: _visible_thread_query(**ids).values_list(*_THREAD_COLUMNS),
    user_id=uuid.UUID,
    thread_id=uuid.UUID,
)
_VISIBLE_THREAD_ID = CompiledQuery(
    lambda **ids: _visible_thread_query(**ids).values_list("pk")[:1],
    user_id=uuid.UUID,
    thread_id=uuid.UUID,
)
_READER_QUERY = CompiledQuery(
    lambda **ids: _reader_query(**ids).values_list(
        *_THREAD_COLUMNS, "reader_membership_id", "reader_last_read_at"
    ),
    user_id=uuid.UUID,
    thread_id=uuid.UUID,
)


def thread_get_for_user(*, user: User, thread_id: Id) -> Thread:
    """The thread if the user may see it; ``NotFound`` whether it is missing or hidden.

    Asked by nearly every request about a thread, on every surface, so its query is
    compiled once (``chatproject.compiled``); it is ``visible_threads_q`` all the same.
    """
    return _the_thread(_VISIBLE_THREAD.rows(user_id=user.pk, thread_id=thread_key(thread_id)))


def thread_locked(thread_id: Id) -> Thread:
    """The thread, its row locked until the transaction ends; ``NotFound`` if missing.

    Call it inside the transaction (``threads.services.thread_lock``)."""
    return _the_thread(_LOCKED_THREAD.rows(thread_id=thread_key(thread_id)))


def thread_locked_as(*, user: User, thread_id: Id) -> tuple[Thread, bool]:
    """``thread_locked``, and whether ``user`` may see the thread now that it is locked,
    in one statement instead of two on every send.

    On PostgreSQL the statement reads with the snapshot it started with, and takes the
    lock after. If another transaction changed the row in between (one that held the
    lock, say removing a member, while this statement waited for it), the lock returns
    the row's newest version but the visibility in the same statement was still answered
    from the snapshot: from before that change. Every change of who may see a thread
    takes its lock and records an event, which moves ``event_seq``; so when the
    snapshot's ``event_seq`` is not the locked row's, the question is asked again, in a
    statement of its own that sees every commit up to the lock. Otherwise nothing changed
    the thread between the two, and the answer stands. SQLite's writer holds the whole
    database's lock from its first statement, so its snapshot is always the locked one.
    """
    rows = _LOCKED_THREAD_AS.rows(user_id=user.pk, thread_id=thread_key(thread_id))
    thread = _the_thread(rows)
    visible, seq_in_snapshot = rows[0][len(_THREAD_COLUMNS) :]
    if seq_in_snapshot != thread.event_seq:
        visible = can_see_thread(thread=thread, user=user)
    return thread, bool(visible)


def _the_thread(rows: list[list[Any]]) -> Thread:
    """The thread of a compiled thread query's rows (``_THREAD_COLUMNS`` first, any other
    columns after them), or ``NotFound``."""
    if not rows:
        raise NotFound("Thread not found.")
    return Thread.from_db(DEFAULT_DB_ALIAS, _THREAD_COLUMNS, rows[0][: len(_THREAD_COLUMNS)])


def thread_key(thread_id: Id) -> uuid.UUID:
    """A thread id as given by a caller; a malformed one names no thread (``NotFound``)."""
    try:
        return thread_id if isinstance(thread_id, uuid.UUID) else uuid.UUID(str(thread_id))
    except (ValueError, TypeError, AttributeError):
        raise NotFound("Thread not found.") from None


class ReadMark(NamedTuple):
    """A reader's membership of a thread and its read mark, as read with the thread."""

    membership_id: int
    last_read_at: datetime | None


def thread_get_for_reader(*, user: User, thread_id: Id) -> tuple[Thread, ReadMark | None]:
    """``thread_get_for_user`` plus the user's read mark (``None`` if not a member), from
    the same query.

    Reading a thread's latest page moves the reader's mark; fetching the mark with the
    thread spares every history read a second query. Pass it to
    ``threads.services.thread_mark_read``. The query is ``visible_threads_q`` like every
    other visibility question; it is compiled once (``chatproject.compiled``) because it is
    asked on every history read.
    """
    key = thread_key(thread_id)
    rows = _READER_QUERY.rows(user_id=user.pk, thread_id=key)
    thread = _the_thread(rows)
    membership_id, last_read_at = rows[0][len(_THREAD_COLUMNS) :]
    if membership_id is None:
        return thread, None
    return thread, ReadMark(membership_id, last_read_at)


def membership_get(*, thread: Thread, user: User | None) -> Membership | None:
    if user is None:
        return None
    return Membership.objects.filter(thread=thread, user=user).first()


def is_support_staff(*, user: User, workspace_id: Id) -> bool:
    return support_staff_of(user).filter(workspace_id=workspace_id).exists()


def can_see_thread(*, thread: Thread, user: User | None) -> bool:
    """Whether ``user`` may see ``thread``: ``visible_threads_q`` asked about one row.

    Read from the database (one query), so a caller's stale copy of the thread cannot
    answer differently from the lists.
    """
    if user is None:
        return False
    return bool(_VISIBLE_THREAD_ID.rows(user_id=user.pk, thread_id=thread_key(thread.pk)))


def can_moderate_thread(*, thread: Thread, user: User) -> bool:
    """Hosts and admins of a thread moderate it; so do a support chat's workspace staff."""
    membership = membership_get(thread=thread, user=user)
    if membership is not None and membership.is_moderator:
        return True
    return thread.kind == Thread.Kind.SUPPORT and is_support_staff(
        user=user, workspace_id=thread.workspace_id
    )


def workspace_user_ids(*, workspace_id: Id, user_ids: Iterable[Id]) -> set[Id]:
    return set(
        WorkspaceMember.objects.filter(workspace_id=workspace_id, user_id__in=user_ids).values_list(
            "user_id", flat=True
        )
    )


def workspace_for_user(*, user: User) -> Workspace | None:
    """The user's home workspace: the first one they joined (``None`` if none)."""
    member = (
        WorkspaceMember.objects.filter(user=user)
        .select_related("workspace")
        .order_by("joined_at", "pk")
        .first()
    )
    return member.workspace if member else None


def session_joinable_by(*, user: User, thread_id: Id) -> Thread:
    """A live session in one of the user's workspaces; ``NotFound`` otherwise."""
    thread = Thread.objects.filter(
        pk=thread_id,
        kind=Thread.Kind.SESSION,
        is_removed=False,
        workspace__members__user=user,
    ).first()
    if thread is None:
        raise NotFound("Session not found.")
    return thread


def people_for_user(*, user: User) -> QuerySet[User]:
    """Active users who share a workspace with ``user`` (``user`` included), by username.

    The people a user may address: anyone else answers as unknown, whether or not they exist.
    """
    shared = WorkspaceMember.objects.filter(
        user=OuterRef("pk"),
        workspace__in=WorkspaceMember.objects.filter(user=user).values("workspace"),
    )
    return (
        get_user_model().objects.filter(Exists(shared), is_active=True).order_by("username", "id")
    )


def shared_workspace(*, user: User, others: Iterable[User]) -> Workspace | None:
    """The first workspace (in ``user``'s joining order) that ``user`` and every one of
    ``others`` belong to, else ``None``: where a chat among them is made (one query)."""
    ids = {other.pk for other in others}
    member = (
        WorkspaceMember.objects.filter(user=user)
        .annotate(shared=Count("workspace__members", filter=Q(workspace__members__user__in=ids)))
        .filter(shared=len(ids))
        .select_related("workspace")
        .order_by("joined_at", "pk")
        .first()
    )
    return member.workspace if member else None


def chat_workspace(*, user: User, others: Iterable[User]) -> Workspace | None:
    """Where a group among ``user`` and ``others`` is made: the first workspace they all
    share, else ``user``'s home (whose rules then name who is not in it; ``None`` if
    ``user`` has no workspace)."""
    return shared_workspace(user=user, others=others) or workspace_for_user(user=user)


def is_workspace_admin(*, user: User, workspace_id: Id) -> bool:
    """An admin of the workspace, or a site moderator (a superuser, or staff granted
    ``threads.moderate_thread``, as the Moderators group is): who may manage project (group)
    threads. Staff status alone only lets someone into the admin, where view-only staff
    change nothing; it grants nothing here either."""
    if getattr(user, "is_superuser", False) or (
        getattr(user, "is_staff", False) and user.has_perm("threads.moderate_thread")
    ):
        return True
    return WorkspaceMember.objects.filter(
        workspace_id=workspace_id, user=user, role=WorkspaceMember.Role.ADMIN
    ).exists()


# --- the support desk (seed 003) --------------------------------------------------------
# Everything here is scoped to one workspace: an id of another workspace finds nothing,
# exactly like an id that does not exist.


def support_owner_by_identity(
    *, workspace_id: Id, identity_id: uuid.UUID
) -> ExternalUser | User | None:
    """The customer (``ExternalUser``) or platform user (a member of the workspace) whose
    super identity is ``identity_id``, else ``None``. The identity's ``kind`` names the
    table, so this is one lookup, never a guess across tables."""
    identity = SuperIdentity.objects.filter(pk=identity_id).values_list("kind", flat=True).first()
    if identity == SuperIdentity.Kind.EXTERNAL_USER:
        return ExternalUser.objects.filter(
            workspace_id=workspace_id, super_identity_id=identity_id
        ).first()
    if identity == SuperIdentity.Kind.USER:
        return (
            get_user_model()
            .objects.filter(
                super_identity_id=identity_id,
                workspace_memberships__workspace_id=workspace_id,
                is_active=True,
            )
            .first()
        )
    return None


def responder_by_identity(*, workspace_id: Id, identity_id: uuid.UUID) -> Responder | None:
    responders = Responder.objects.filter(workspace_id=workspace_id)
    return responders.filter(super_identity_id=identity_id).first()


def responder_version_get(*, workspace_id: Id, version_id: Id) -> ResponderVersion | None:
    return (
        ResponderVersion.objects.select_related("responder")
        .filter(pk=version_id, responder__workspace_id=workspace_id)
        .first()
    )


def channel_get(*, workspace_id: Id, channel_id: Id) -> Channel | None:
    return Channel.objects.filter(workspace_id=workspace_id, pk=channel_id).first()


def external_user_get(*, workspace_id: Id, external_user_id: Id) -> ExternalUser | None:
    return ExternalUser.objects.filter(workspace_id=workspace_id, pk=external_user_id).first()


def ticket_get(*, workspace_id: Id, ticket_id: Id) -> Ticket | None:
    return Ticket.objects.filter(workspace_id=workspace_id, pk=ticket_id).first()


def support_chat_get(*, workspace_id: Id, chat_id: Id) -> Thread | None:
    """A support chat of the workspace, removed or not (a removed chat stays readable by id)."""
    return Thread.objects.filter(
        workspace_id=workspace_id, kind=Thread.Kind.SUPPORT, pk=chat_id
    ).first()


def channel_list(*, workspace_id: Id) -> QuerySet[Channel]:
    """Newest first, with the responder's super identity as ``responder_identity_id``."""
    return (
        Channel.objects.filter(workspace_id=workspace_id)
        .annotate(responder_identity_id=F("responder__super_identity_id"))
        .order_by("-created_at", "-id")
    )


def external_user_list(*, workspace_id: Id) -> QuerySet[ExternalUser]:
    return ExternalUser.objects.filter(workspace_id=workspace_id).order_by("-created_at", "-id")


def responder_list(*, workspace_id: Id) -> QuerySet[Responder]:
    return Responder.objects.filter(workspace_id=workspace_id).order_by("-created_at", "-id")


def ticket_list(*, workspace_id: Id) -> QuerySet[Ticket]:
    """Newest first, each with the ids of the chats linked to it (one prefetch per page)."""
    return (
        Ticket.objects.filter(workspace_id=workspace_id)
        .prefetch_related(
            Prefetch(
                "threads",
                queryset=Thread.objects.order_by("created_at", "id").only("id", "ticket_id"),
                to_attr="chat_list",
            )
        )
        .order_by("-created_at", "-id")
    )


def member_list(*, workspace_id: Id) -> QuerySet[WorkspaceMember]:
    """The workspace's active platform users with their role, by username."""
    return (
        WorkspaceMember.objects.filter(workspace_id=workspace_id, user__is_active=True)
        .select_related("user")
        .order_by("user__username", "user_id")
    )


def attach_member_users(threads: list[Thread]) -> list[Thread]:
    """Set ``member_users`` (the members' users, in joining order) on threads that carry a
    ``member_list`` prefetch (``chats.selectors.threads_with_activity``): one query for
    every thread's members together, whatever the number of threads."""
    # ``member_list`` is a prefetch ``to_attr`` and ``member_users`` is set here for the
    # serializers; neither is a model field, hence getattr/setattr.
    lists = [(thread, getattr(thread, "member_list", [])) for thread in threads]
    ids = {m.user_id for _, members in lists for m in members}
    users = {u.pk: u for u in get_user_model().objects.filter(pk__in=ids)} if ids else {}
    for thread, members in lists:
        found = [users[m.user_id] for m in members if m.user_id in users]
        setattr(thread, "member_users", found)  # noqa: B010
    return threads
