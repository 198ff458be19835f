"""Reads of the browser pages, built on the apps' selectors.

Each function costs a fixed number of queries whatever the number of threads or messages
it returns (the page tests pin those numbers): lists are cut in the database and
everything a row shows comes in by join or one prefetch.
"""

from django.contrib.auth import get_user_model
from django.db.models import Prefetch, Q, QuerySet

from chatproject.errors import NotFound
from chatproject.realtime import selectors as realtime_selectors
from chats import selectors as chat_selectors
from chats.models import Attachment, Message
from pins.models import Pin
from reactions.models import THUMBS_UP, Reaction
from threads import selectors as thread_selectors
from threads.models import Membership, Thread, Ticket, WorkspaceMember

# Thread kinds in the chat sidebar; support chats live in the agents' inbox instead.
SIDEBAR_KINDS = (Thread.Kind.DIRECT, Thread.Kind.GROUP, Thread.Kind.CUSTOM, Thread.Kind.SESSION)
SIDEBAR_LIMIT = 100
PAGE_SIZE = 50

SORT_NEWEST = "newest"
SORT_PINNED = "pinned"
SORT_TOP = "top"
SESSION_SORTS = {SORT_NEWEST: "Newest", SORT_PINNED: "Pinned first", SORT_TOP: "Most 👍"}


def last_event_id() -> int:
    """Where a page's socket resumes, so nothing between rendering and connecting is lost."""
    return realtime_selectors.last_event_id()


def thread_display_name(thread: Thread, *, viewer_id, names: dict) -> str:
    """A person's name for a direct thread (the other member), else the thread's title."""
    if thread.kind == Thread.Kind.DIRECT:
        others = [names.get(m.user_id) for m in thread.member_list if m.user_id != viewer_id]
        return next((n for n in others if n), "Just you")
    if thread.title:
        return thread.title
    if thread.kind == Thread.Kind.GROUP:
        return f"Project {thread.project_ref}"
    if thread.kind == Thread.Kind.SUPPORT and thread.owner_id:
        return str(thread.owner)
    return thread.get_kind_display()


def _names_of_members(threads: list[Thread]) -> dict:
    """Names of the threads' members and last messages' authors, in one query."""
    ids = {m.user_id for t in threads for m in t.member_list}
    ids |= {t.last_message.author_id for t in threads if t.last_message is not None}
    ids.discard(None)
    if not ids:
        return {}
    users = (
        get_user_model()
        .objects.filter(pk__in=ids)
        .only("id", "username", "display_name", "first_name", "last_name")
    )
    return {u.pk: u.name for u in users}


def sidebar_threads(*, user, limit: int = SIDEBAR_LIMIT) -> list[Thread]:
    """The user's threads for the sidebar, latest activity first, each with ``name``,
    ``last_message``, ``unread_count`` and ``activity_at`` (four queries in all)."""
    threads = list(
        chat_selectors.threads_with_activity(user=user, kinds=SIDEBAR_KINDS)
        .select_related(None)
        .only("id", "kind", "title", "project_ref", "created_at", "last_message_at")[:limit]
    )
    chat_selectors.attach_last_messages(threads)
    names = _names_of_members(threads)
    for thread in threads:
        thread.name = thread_display_name(thread, viewer_id=user.pk, names=names)
        last = thread.last_message
        thread.last_author = None
        if last is not None:
            thread.last_author = "You" if last.author_id == user.pk else names.get(last.author_id)
    return threads


def thread_for_page(*, user, thread_id, kinds) -> Thread:
    """A thread of ``kinds`` the user may see, with its members' names; ``NotFound`` else."""
    thread = thread_selectors.thread_get_for_user(user=user, thread_id=thread_id)
    if thread.kind not in kinds:
        raise NotFound("Thread not found.")
    members = list(
        Membership.objects.filter(thread=thread)
        .select_related("user")
        .order_by("joined_at", "id")
        .only(
            "id",
            "thread_id",
            "role",
            "joined_at",
            "user__id",
            "user__username",
            "user__display_name",
            "user__first_name",
            "user__last_name",
        )
    )
    thread.member_list = members
    thread.viewer_membership = next((m for m in members if m.user_id == user.pk), None)
    thread.name = thread_display_name(
        thread, viewer_id=user.pk, names={m.user_id: m.user.name for m in members}
    )
    return thread


def _with_everything(messages: QuerySet[Message]) -> QuerySet[Message]:
    """Messages with what the page shows: author, reply, files, reactions, pin."""
    return messages.select_related(
        "author",
        "author_external",
        "author_responder",
        "pin",
        "reply_to__author",
        "reply_to__author_external",
        "reply_to__author_responder",
    ).prefetch_related(
        Prefetch("attachments", queryset=Attachment.objects.order_by("created_at", "id")),
        Prefetch("reactions", queryset=Reaction.objects.order_by("created_at", "id")),
    )


def message_page(
    *, thread_id, before: Message | None = None, search: str = "", limit: int = PAGE_SIZE
) -> tuple[list[Message], bool]:
    """The latest ``limit`` messages (before ``before``), oldest first, and whether earlier
    ones exist. Keyset paging on (created_at, id), cut in the database."""
    messages = Message.objects.filter(thread_id=thread_id, is_removed=False)
    if search:
        messages = messages.filter(chat_selectors.message_search_q(search))
    if before is not None:
        messages = messages.filter(
            Q(created_at__lt=before.created_at) | Q(created_at=before.created_at, id__lt=before.id)
        )
    page = list(_with_everything(messages).order_by("-created_at", "-id")[: limit + 1])
    has_more = len(page) > limit
    page = page[:limit]
    page.reverse()
    return page, has_more


def session_message_page(
    *, thread_id, sort: str, offset: int = 0, limit: int = PAGE_SIZE
) -> tuple[list[Message], bool]:
    """A session room's messages in one of ``SESSION_SORTS`` (the Session API's orders).

    Newest is shown like any chat (oldest of the page first); pinned-first and most-liked
    lists are read top to bottom, paged by offset like the Session API's ``Skip``.
    """
    if sort == SORT_PINNED:
        ordered = chat_selectors.thread_messages_sorted(
            thread_id=thread_id, sort=chat_selectors.MessageSort.PINNED
        )
    elif sort == SORT_TOP:
        ordered = chat_selectors.thread_messages_sorted(
            thread_id=thread_id,
            sort=chat_selectors.MessageSort.REACTION,
            reaction=THUMBS_UP,
            ascending=False,
        )
    else:
        raise ValueError(sort)
    page = list(_with_everything(ordered.prefetch_related(None))[offset : offset + limit + 1])
    return page[:limit], len(page) > limit


def message_anchor(*, thread_id, message_id) -> Message | None:
    return chat_selectors.thread_message_anchor(thread_id=thread_id, message_id=message_id)


def latest_message(*, thread_id) -> Message | None:
    return (
        Message.objects.filter(thread_id=thread_id, is_removed=False)
        .order_by("-created_at", "-id")
        .only("id", "created_at", "thread_id")
        .first()
    )


def message_for_user(*, user, message_id) -> Message:
    return chat_selectors.message_get_for_user(user=user, message_id=message_id)


def message_full(*, message_id) -> Message:
    return _with_everything(Message.objects.filter(pk=message_id)).get()


def pin_of(*, message: Message) -> Pin | None:
    return Pin.objects.filter(message=message).first()


def people(*, user) -> QuerySet:
    """Everyone the user may start a conversation with (themselves excluded)."""
    return thread_selectors.people_for_user(user=user).exclude(pk=user.pk)


# --- support inbox ---------------------------------------------------------------------

SUPPORT_LIMIT = 100


def support_workspace_ids(*, user) -> list:
    """Workspaces where the user is an agent or admin (whose support chats they see)."""
    return list(
        WorkspaceMember.objects.filter(
            user=user, role__in=thread_selectors.SUPPORT_STAFF_ROLES
        ).values_list("workspace_id", flat=True)
    )


def support_chats(*, user, channel_type: str = "", status: str = "") -> list[Thread]:
    """The support chats of the workspaces the user staffs, latest activity first, each with
    channel, customer, blocked state, ticket status and last message (the Support API's
    ``support_chats`` + ``with_support_details``: one query per staffed workspace)."""
    chats: list[Thread] = []
    for workspace_id in support_workspace_ids(user=user):
        rows = chat_selectors.support_chats(
            workspace_id=workspace_id, channel_types=[channel_type] if channel_type else ()
        )
        if status:
            rows = rows.filter(ticket__status=status)
        chats += list(chat_selectors.with_support_details(rows)[:SUPPORT_LIMIT])
    chats.sort(key=lambda t: (t.activity_at, str(t.pk)), reverse=True)
    chats = chats[:SUPPORT_LIMIT]
    for chat in chats:
        chat.name = chat.title or chat.owner_name or chat.owner_identifier or "Customer"
    return chats


def support_chat(*, user, thread_id) -> Thread:
    """One support chat of a workspace the user staffs; ``NotFound`` for anything else."""
    thread = thread_selectors.thread_get_for_user(user=user, thread_id=thread_id)
    if thread.kind != Thread.Kind.SUPPORT or thread.workspace_id not in support_workspace_ids(
        user=user
    ):
        raise NotFound("Thread not found.")
    thread = Thread.objects.select_related("channel", "owner", "owner_user", "ticket").get(
        pk=thread.pk
    )
    thread.member_list = []
    thread.viewer_membership = None
    owner = thread.owner or thread.owner_user
    thread.name = thread.title or (
        thread.owner_user.name if thread.owner_user else str(owner) if owner else "Customer"
    )
    return thread


TICKET_STATUSES = Ticket.Status.choices
