"""Reads of messages that more than one caller needs."""

import re
from collections.abc import Iterable
from datetime import UTC, datetime

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import (
    Count,
    DateTimeField,
    Exists,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce

from chatproject.errors import NotFound
from chats.models import Attachment, Message
from pins.models import Pin
from reactions.models import THUMBS_DOWN, THUMBS_UP, Reaction
from threads.models import Membership, Thread
from threads.selectors import visible_threads_q


def visible_messages(*, user) -> QuerySet[Message]:
    """Messages the user may see: not removed, in a thread the user may see."""
    return Message.objects.filter(
        is_removed=False,
        thread__in=Thread.objects.filter(visible_threads_q(user)).values("pk"),
    )


def message_get_for_user(*, user, message_id, thread_id=None) -> Message:
    """The message if the user may see it; ``NotFound`` whether it is missing or hidden."""
    qs = visible_messages(user=user).select_related("thread", "author")
    if thread_id is not None:
        qs = qs.filter(thread_id=thread_id)
    try:
        return qs.get(pk=message_id)
    except (Message.DoesNotExist, ValueError, TypeError, ValidationError):
        raise NotFound("Message not found.") from None


def thread_messages(*, thread_id) -> QuerySet[Message]:
    """A thread's visible messages in history order, with what every surface shows."""
    return (
        Message.objects.filter(thread_id=thread_id, is_removed=False)
        .select_related("author", "author_external")
        .order_by("created_at", "id")
    )


class MessageSort:
    """The orders a thread's history can be listed in (seed 000 ``SortBy``)."""

    CREATED_AT = "CreatedAt"
    PINNED = "Pinned"
    REACTION = "reaction"  # with a reaction name


def thread_messages_sorted(
    *, thread_id, sort: str = MessageSort.CREATED_AT, reaction: str = "", ascending: bool = True
) -> QuerySet[Message]:
    """A thread's visible messages in a total order, ready to be cut into pages in the database.

    ``Pinned`` puts pinned messages first (reversed when descending); a reaction sorts by
    that reaction's count. Ties always break by creation time, then id, in the same
    direction, so consecutive pages never overlap or skip.
    """
    qs = (
        Message.objects.filter(thread_id=thread_id, is_removed=False)
        .select_related("author", "author_external", "pin")
        .prefetch_related(
            Prefetch("reactions", queryset=Reaction.objects.order_by("created_at", "id"))
        )
    )
    if sort == MessageSort.PINNED:
        qs = qs.annotate(sort_key=Exists(Pin.objects.filter(message=OuterRef("pk"))))
        # "Ascending" by pin means "pinned first" (True sorts after False, hence the minus);
        # descending is the exact reverse of that order.
        if ascending:
            return qs.order_by("-sort_key", "created_at", "id")
        return qs.order_by("sort_key", "-created_at", "-id")
    if sort == MessageSort.REACTION:
        counts = (
            Reaction.objects.filter(message=OuterRef("pk"), name=reaction)
            .order_by()
            .values("message")
            .annotate(n=Count("*"))
            .values("n")
        )
        qs = qs.annotate(sort_key=Coalesce(Subquery(counts), 0))
        keys = ["sort_key", "created_at", "id"]
    else:
        keys = ["created_at", "id"]
    return qs.order_by(*(keys if ascending else [f"-{k}" for k in keys]))


def reactions_summary(message: Message) -> list[dict]:
    """``[{name, count, users: [ids]}]`` from the prefetched reactions, in order of first use."""
    grouped: dict[str, list] = {}
    for reaction in message.reactions.all():
        grouped.setdefault(reaction.name, []).append(reaction.user_id)
    return [{"name": n, "count": len(users), "users": users} for n, users in grouped.items()]


# --- Thread lists with activity, history pages, files (Team API, seed 002) ---------------

THUMBS = (THUMBS_UP, THUMBS_DOWN)
_NEVER = Value(datetime(1970, 1, 1, tzinfo=UTC), output_field=DateTimeField())


def with_files_and_thumbs(messages: QuerySet[Message]) -> QuerySet[Message]:
    """Messages with their files (``attachments``) and thumbs reactions (``thumbs``).

    Two extra queries whatever the number of messages, so a page costs the same at any size.
    """
    return messages.prefetch_related(
        Prefetch("attachments", queryset=Attachment.objects.order_by("created_at", "id")),
        Prefetch(
            "reactions",
            queryset=Reaction.objects.filter(name__in=THUMBS).order_by("created_at", "id"),
            to_attr="thumbs",
        ),
    )


def message_search_q(term: str) -> Q:
    """Case-insensitive substring match on message text, the same answer on both databases.

    PostgreSQL: ``icontains`` compiles to ``UPPER(text) LIKE UPPER('%term%')``, which the
    GIN trigram index on ``UPPER(text)`` (migration ``chats.0002``) serves. SQLite's LIKE
    folds ASCII only, so there the match is a case-insensitive Python regex (Django
    registers ``REGEXP``), which folds all of Unicode; it only runs over one thread's rows.
    """
    if connection.vendor == "postgresql":
        return Q(text__icontains=term)
    return Q(text__iregex=re.escape(term))


def _after(anchor: Message) -> Q:
    return Q(created_at__gt=anchor.created_at) | Q(created_at=anchor.created_at, id__gt=anchor.id)


def _before(anchor: Message) -> Q:
    return Q(created_at__lt=anchor.created_at) | Q(created_at=anchor.created_at, id__lt=anchor.id)


def thread_message_page(
    *,
    thread_id,
    limit: int,
    after: Message | None = None,
    before: Message | None = None,
    search: str = "",
) -> list[Message]:
    """One page of a thread's visible history, oldest first (seed 002 ``after``/``before``).

    Keyset paging on ``(created_at, id)`` in the database, so a page never skips or repeats
    a message however many arrive meanwhile. With ``after``: the ``limit`` messages right
    after it; without: the latest ``limit`` (before ``before`` when given). Anchors are
    positions only, so a removed anchor still pages correctly.
    """
    messages = Message.objects.filter(thread_id=thread_id, is_removed=False)
    if search:
        messages = messages.filter(message_search_q(search))
    if after is not None:
        messages = messages.filter(_after(after))
    if before is not None:
        messages = messages.filter(_before(before))
    messages = with_files_and_thumbs(messages)
    if after is not None:
        return list(messages.order_by("created_at", "id")[:limit])
    page = list(messages.order_by("-created_at", "-id")[:limit])
    page.reverse()
    return page


def thread_message_anchor(*, thread_id, message_id) -> Message | None:
    """A message of the thread used as a paging position (removed ones too), or ``None``."""
    try:
        return (
            Message.objects.filter(thread_id=thread_id, pk=message_id)
            .only("id", "created_at", "thread_id")[:1]
            .get()
        )
    except (Message.DoesNotExist, ValueError, TypeError, ValidationError):
        return None


def threads_with_activity(*, user, kinds: Iterable[str]) -> QuerySet[Thread]:
    """The user's visible threads of ``kinds``, newest activity first, with their list facts.

    Each row is annotated in the same query with ``activity_at`` (last message time, else
    creation), ``read_mark`` (the user's ``last_read_at``, null if never read),
    ``unread_count`` (others' visible messages after the read mark) and
    ``last_message_pk``; members come in one prefetch as ``member_list``. Pair with
    ``attach_last_messages`` for the message objects.
    """
    visible = Message.objects.filter(thread=OuterRef("pk"), is_removed=False)
    read_mark = Membership.objects.filter(thread=OuterRef("pk"), user=user).values("last_read_at")
    unread = (
        visible.filter(created_at__gt=Coalesce(OuterRef("read_mark"), _NEVER))
        .exclude(author=user)
        .order_by()
        .values("thread")
        .annotate(n=Count("pk"))
        .values("n")
    )
    last = visible.order_by("-created_at", "-id").values("pk")[:1]
    return (
        Thread.objects.filter(visible_threads_q(user), kind__in=list(kinds))
        .annotate(
            activity_at=Coalesce(F("last_message_at"), F("created_at")),
            read_mark=Subquery(read_mark[:1]),
        )
        .annotate(unread_count=Coalesce(Subquery(unread), 0), last_message_pk=Subquery(last))
        .prefetch_related(
            Prefetch(
                "memberships",
                queryset=Membership.objects.order_by("joined_at", "id").only(
                    "id", "thread_id", "user_id", "joined_at"
                ),
                to_attr="member_list",
            )
        )
        .order_by("-activity_at", "-id")
    )


def attach_last_messages(threads: list[Thread]) -> list[Thread]:
    """Set ``last_message`` on threads from ``threads_with_activity`` in one fetch (plus the
    two of ``with_files_and_thumbs``), whatever the number of threads."""
    ids = [t.last_message_pk for t in threads if t.last_message_pk is not None]
    found = {}
    if ids:
        found = {m.pk: m for m in with_files_and_thumbs(Message.objects.filter(pk__in=ids))}
    for thread in threads:
        thread.last_message = found.get(thread.last_message_pk)
    return threads


def attachments_unsent(*, user, attachment_ids: Iterable) -> list[Attachment]:
    """The user's own uploads among ``attachment_ids`` that no message carries yet."""
    return list(
        Attachment.objects.filter(pk__in=list(attachment_ids), uploaded_by=user, message=None)
    )


def attachment_get_for_user(*, user, attachment_id) -> Attachment:
    """A file the user may download: their own upload, or one sent in a visible message of a
    thread they may see. ``NotFound`` for anything else, so a file's existence never leaks."""
    shared = Q(
        message__is_removed=False,
        message__thread__in=Thread.objects.filter(visible_threads_q(user)).values("pk"),
    )
    try:
        return Attachment.objects.filter(Q(uploaded_by=user) | shared).get(pk=attachment_id)
    except (Attachment.DoesNotExist, ValueError, TypeError):
        raise NotFound("File not found.") from None
